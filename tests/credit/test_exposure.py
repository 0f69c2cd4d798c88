"""The order check's SQL exposure agrees with the feature catalogue's Polars aggregates."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from riskdesk.credit.services import trading_exposure
from riskdesk.customers.aggregates import customer_aggregates
from riskdesk.customers.models import Invoice, Order

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
FIELDS = ("open_receivables", "open_orders", "overdue_amount", "max_overdue_days_12m")


def _day(rng: random.Random) -> dt.date:
    return TODAY + dt.timedelta(days=rng.randint(-500, 20))


def _invoice(rng: random.Random, customer, n: int) -> Invoice:
    issue = _day(rng)
    due = issue + dt.timedelta(days=rng.choice([0, 15, 30, 60]))
    amount = Decimal(rng.randint(1, 500_000)) / 100 * 100
    kind = rng.choice(["open", "partial", "paid", "paid", "cancelled", "overpaid"])
    paid = {"open": 0, "partial": amount / 3, "cancelled": 0, "overpaid": amount + 5}.get(
        kind, amount
    )
    paid_date = (
        due + dt.timedelta(days=rng.randint(-20, 90)) if kind in ("paid", "overpaid") else None
    )
    return Invoice(
        customer=customer,
        number=f"X-INV-{customer.pk}-{n}",
        issue_date=issue,
        due_date=due,
        amount=amount,
        paid_amount=Decimal(paid).quantize(Decimal("0.01")),
        paid_date=paid_date,
        status="paid" if kind == "overpaid" else kind,
    )


def _order(rng: random.Random, customer, n: int) -> Order:
    return Order(
        customer=customer,
        number=f"X-SO-{customer.pk}-{n}",
        order_date=_day(rng),
        amount=Decimal(rng.randint(1, 9_000_000)) / 100,
        status=rng.choice(["open", "fulfilled", "cancelled"]),
    )


@pytest.mark.parametrize("seed", range(6))
def test_sql_exposure_matches_customer_aggregates(make_customer, seed):
    rng = random.Random(seed)
    customers = [make_customer() for _ in range(3)]
    for customer in customers:
        Invoice.objects.bulk_create(_invoice(rng, customer, n) for n in range(rng.randint(0, 40)))
        Order.objects.bulk_create(_order(rng, customer, n) for n in range(rng.randint(0, 20)))
    nonzero = set()
    for customer in customers:
        for as_of in (TODAY, TODAY - dt.timedelta(days=rng.randint(1, 200))):
            polars = customer_aggregates(customer.pk, as_of=as_of)
            sql = trading_exposure(customer.pk, as_of=as_of)
            expected = {
                "open_receivables": Decimal(str(polars["open_receivables"])),
                "open_orders": Decimal(str(polars["open_orders"])),
                "overdue_amount": Decimal(str(polars["overdue_amount"])),
                "max_overdue_days_12m": int(polars["max_overdue_days_12m"] or 0),
            }
            assert {name: sql[name] for name in FIELDS} == expected, (customer.pk, as_of)
            nonzero |= {name for name in FIELDS if expected[name]}
    assert nonzero == set(FIELDS)  # the data exercises every fact

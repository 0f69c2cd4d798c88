"""Trading aggregates: hand-checked values, and one customer == the portfolio row (acceptance 6)."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.accounts.services import ensure_demo_users
from riskdesk.customers.aggregates import AGGREGATE_NAMES, customer_aggregates, portfolio_aggregates
from riskdesk.customers.demo import generate_demo_data
from riskdesk.customers.models import Customer

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)
D = dt.date


def test_hand_computed_customer(make_customer, order_for, invoice_for):
    customer = make_customer()
    order_for(customer, day=D(2023, 7, 1), amount="999")  # first document, outside the window
    order_for(customer, day=D(2026, 1, 10), amount="1000")
    order_for(customer, day=D(2026, 6, 20), amount="500", status="open")
    order_for(customer, day=D(2026, 6, 21), amount="700", status="cancelled")
    order_for(customer, day=D(2026, 7, 5), amount="800", status="open")  # after as-of: ignored
    # paid 20 days late inside the window
    invoice_for(
        customer,
        issue=D(2026, 1, 10),
        due=D(2026, 2, 9),
        amount="1000",
        paid="1000",
        paid_date=D(2026, 3, 1),
        status="paid",
    )
    # open and 40 days overdue, partly paid
    invoice_for(
        customer,
        issue=D(2026, 4, 21),
        due=D(2026, 5, 21),
        amount="3000",
        paid="1000",
        status="partial",
    )
    # open, not yet due
    invoice_for(customer, issue=D(2026, 6, 1), due=D(2026, 7, 1), amount="2000")
    # cancelled: never counts
    invoice_for(customer, issue=D(2026, 6, 2), due=D(2026, 6, 3), amount="9999", status="cancelled")
    # settled long ago: outside every window
    invoice_for(
        customer,
        issue=D(2024, 1, 1),
        due=D(2024, 2, 1),
        amount="5000",
        paid="5000",
        paid_date=D(2024, 5, 1),
        status="paid",
    )
    facts = customer_aggregates(customer.pk, as_of=AS_OF)
    assert facts == {
        "sales_12m": 6000.0,
        "avg_monthly_sales_12m": 500.0,
        "orders_12m": 2,
        "customer_since_years": round((AS_OF - D(2023, 7, 1)).days / 365.25, 2),
        "open_receivables": 4000.0,
        "open_orders": 500.0,
        "exposure": 4500.0,
        "overdue_amount": 2000.0,
        "max_overdue_days_12m": 40,
        "dso_days": round(4000 / 6000 * 365, 1),
    }


def test_customer_without_history(make_customer):
    facts = customer_aggregates(make_customer().pk, as_of=AS_OF)
    assert facts["sales_12m"] == 0.0 and facts["exposure"] == 0.0
    assert facts["dso_days"] is None and facts["customer_since_years"] is None
    assert facts["max_overdue_days_12m"] == 0


def test_one_customer_equals_portfolio_row_for_every_demo_customer(db):
    users = ensure_demo_users()
    owners = [(u.pk, u.team_id) for u in users if u.has_role("sales")]
    generate_demo_data(customers=300, owners=owners, seed=11, today=AS_OF)
    portfolio = portfolio_aggregates(as_of=AS_OF)
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    assert portfolio["customer_id"].to_list() == ids
    rows = {row.pop("customer_id"): row for row in portfolio.iter_rows(named=True)}
    for customer_id in ids:
        assert customer_aggregates(customer_id, as_of=AS_OF) == rows[customer_id], customer_id
    # The demo must show different payment behaviours, not one flat pattern.
    assert portfolio["overdue_amount"].gt(0).sum() > 10
    assert portfolio["max_overdue_days_12m"].gt(60).sum() > 5
    assert portfolio["max_overdue_days_12m"].le(5).sum() > 100
    assert set(AGGREGATE_NAMES) <= set(portfolio.columns)

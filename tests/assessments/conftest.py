from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.intel import services as intel

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def portfolio(make_customer, users, order_for, invoice_for):
    """Seven customers with sandbox dossiers and some trading history; one without a dossier."""
    customers = []
    for n in range(7):
        owner = users["sales"] if n % 2 == 0 else users["other_sales"]
        customer = make_customer(f"评估测试{n}有限公司", owner=owner)
        if n < 6:
            intel.refresh_dossier(customer=customer, actor=intel.SYSTEM, as_of=AS_OF)
        for month in range(n):
            day = AS_OF - dt.timedelta(days=30 * (month + 1))
            order_for(customer, day=day, amount=f"{(n + 1) * 10000 + month}")
            invoice_for(
                customer,
                issue=day,
                due=day + dt.timedelta(days=30),
                amount=f"{(n + 1) * 10000 + month}",
                paid=f"{(n + 1) * 10000 + month}" if month % 2 else "0",
                paid_date=day + dt.timedelta(days=20 + 10 * n) if month % 2 else None,
                status="paid" if month % 2 else "open",
            )
        customers.append(customer)
    return customers

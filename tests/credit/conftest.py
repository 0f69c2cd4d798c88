from __future__ import annotations

from decimal import Decimal

import pytest

from riskdesk.credit.choices import LimitSource
from riskdesk.credit.models import CreditLimit
from riskdesk.customers.services import business_today


@pytest.fixture
def customer(make_customer, users):
    return make_customer("授信测试有限公司", owner=users["sales"])


@pytest.fixture
def grant(db):
    def make(customer, amount: str, **fields) -> CreditLimit:
        return CreditLimit.objects.create(
            customer=customer,
            amount=Decimal(amount),
            valid_from=fields.pop("valid_from", business_today()),
            source=fields.pop("source", LimitSource.MANUAL),
            **fields,
        )

    return make

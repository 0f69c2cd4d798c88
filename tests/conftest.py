from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from riskdesk.accounts.choices import Role
from riskdesk.accounts.models import Team, User
from riskdesk.accounts.services import set_roles
from riskdesk.customers.models import Customer, Invoice, Order


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: str, team: Team | None = None) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username, team=team)
        set_roles(user=user, roles=list(roles), actor=None)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def east(db) -> Team:
    return Team.objects.create(name="华东销售部")


@pytest.fixture
def users(make_user, east) -> dict[str, User]:
    south = Team.objects.create(name="华南销售部")
    return {
        "admin": make_user("admin_u", Role.ADMIN),
        "risk": make_user("risk_u", Role.RISK_MANAGER),
        "credit": make_user("credit_u", Role.CREDIT_CONTROLLER),
        "sales": make_user("sales_u", Role.SALES, team=east),
        "teammate": make_user("teammate_u", Role.SALES, team=east),
        "other_sales": make_user("other_u", Role.SALES, team=south),
        "auditor": make_user("auditor_u", Role.AUDITOR),
        "nobody": make_user("nobody_u"),
    }


@pytest.fixture
def make_customer(db):
    counter = iter(range(1, 10_000))

    def make(name: str = "", owner: User | None = None, **fields) -> Customer:
        import random

        from riskdesk.dossier.uscc import generate_uscc

        n = next(counter)
        customer = Customer(
            name=name or f"测试客户{n}有限公司",
            uscc=fields.pop("uscc", None) or generate_uscc(random.Random(n)),
            owner=owner,
            team=fields.pop("team", owner.team if owner else None),
            **fields,
        )
        customer.full_clean()
        customer.save()
        return customer

    return make


@pytest.fixture
def invoice_for(db):
    counter = iter(range(1, 100_000))

    def make(
        customer,
        *,
        issue: dt.date,
        due: dt.date,
        amount: str,
        paid: str = "0",
        paid_date: dt.date | None = None,
        status: str = "open",
    ) -> Invoice:
        return Invoice.objects.create(
            customer=customer,
            number=f"T-INV-{next(counter)}",
            issue_date=issue,
            due_date=due,
            amount=Decimal(amount),
            paid_amount=Decimal(paid),
            paid_date=paid_date,
            status=status,
        )

    return make


@pytest.fixture
def order_for(db):
    counter = iter(range(1, 100_000))

    def make(customer, *, day: dt.date, amount: str, status: str = "fulfilled") -> Order:
        return Order.objects.create(
            customer=customer,
            number=f"T-SO-{next(counter)}",
            order_date=day,
            amount=Decimal(amount),
            status=status,
        )

    return make


@pytest.fixture
def installed_defaults(transactional_db):
    """The rows the data migrations install (default policy, sandbox provider), put back after
    an earlier transactional test flushed them; serialized rollback would clash with the content
    types that the flush re-creates."""
    import importlib

    from django.apps import apps

    for module, function in (
        ("riskdesk.intel.migrations.0002_default_sandbox_provider", "add_sandbox"),
        ("riskdesk.policies.migrations.0002_default_policy", "install_default_policy"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)

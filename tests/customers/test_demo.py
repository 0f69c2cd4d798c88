import datetime as dt
import random

import pytest
from django.db.models import Count, F

from riskdesk.accounts.services import ensure_demo_users
from riskdesk.customers.demo import generate_demo_data
from riskdesk.customers.models import Customer, Invoice, Order, Payment
from riskdesk.dossier.uscc import generate_uscc, is_valid_uscc

pytestmark = pytest.mark.django_db


def owners():
    return [(u.pk, u.team_id) for u in ensure_demo_users() if u.has_role("sales")]


def test_demo_data_is_valid_unique_and_extends_on_rerun():
    first = generate_demo_data(customers=120, owners=owners(), seed=1, chunk_size=40)
    second = generate_demo_data(customers=80, owners=owners(), seed=1, chunk_size=40)
    assert (first.customers, second.customers) == (120, 80)
    assert Customer.objects.count() == 200
    usccs = list(Customer.objects.values_list("uscc", flat=True))
    assert len(set(usccs)) == 200 and all(is_valid_uscc(code) for code in usccs)
    assert Customer.objects.values("name").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert Order.objects.count() == first.orders + second.orders
    assert all(name.endswith("公司") for name in Customer.objects.values_list("name", flat=True))
    # New rows get ids after the bulk-loaded ones (sequences were reset).
    created = Customer.objects.create(name="新增有限公司", uscc=generate_uscc(random.Random(99)))
    assert created.pk > max(Customer.objects.exclude(pk=created.pk).values_list("pk", flat=True))


def test_demo_trading_history_is_consistent():
    today = dt.date(2026, 6, 30)
    generate_demo_data(customers=100, owners=owners(), seed=3, today=today)
    assert not Order.objects.filter(order_date__gt=today).exists()
    assert not Invoice.objects.filter(due_date__lt=F("issue_date")).exists()
    for invoice in Invoice.objects.all()[:2000]:
        assert invoice.paid_amount <= invoice.amount
        assert (invoice.status == "paid") == (invoice.paid_date is not None)
    assert Payment.objects.filter(allocations__isnull=True).count() == 0
    owners_used = set(Customer.objects.values_list("owner__username", flat=True))
    assert owners_used == {"sales1", "sales2", "sales3"}
    assert all(c.team_id == c.owner.team_id for c in Customer.objects.select_related("owner"))

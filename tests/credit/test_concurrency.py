"""Two orders that each fit but together exceed the limit, checked at the same moment."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from riskdesk.credit.models import CreditCheck

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are proven on PostgreSQL (the PostgreSQL run of make test)",
    ),
    # Transactional: the threads need committed rows; the defaults come back after a flush.
    pytest.mark.usefixtures("installed_defaults"),
]


def test_parallel_checks_approve_only_what_fits(users, customer, grant):
    grant(customer, "100000")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def order(n: int) -> None:
        client = APIClient()
        client.force_authenticate(users["credit"])
        try:
            barrier.wait()
            response = client.post(
                "/api/credit/check",
                {"customer": str(customer.pk), "order_reference": f"SO-{n}", "amount": "60000"},
                format="json",
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=order, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 4
    approved = CreditCheck.objects.filter(decision="approve")
    assert approved.count() == 1
    assert CreditCheck.objects.filter(decision="hold").count() == 3
    assert all(c.reasons == ["over_limit"] for c in CreditCheck.objects.filter(decision="hold"))
    assert approved.get().amount == Decimal("60000")

from __future__ import annotations

from decimal import Decimal

import pytest

from riskdesk.credit import services
from riskdesk.credit.choices import CheckStatus, RequestStatus
from riskdesk.credit.models import CreditCheck, LimitRequest
from riskdesk.intel import services as intel

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(customer, users, grant):
    grant(customer, "100")
    return services.check_order(
        customer=customer, order_reference="SO-9", amount=Decimal("500"), actor=users["credit"]
    )


@pytest.fixture
def pending(customer, users):
    return services.request_limit_change(
        customer=customer,
        kind="raise",
        amount=Decimal("200000"),
        reason="旺季",
        actor=users["sales"],
    )


def test_queue_lists_holds_and_requests(client, users, held, pending):
    client.force_login(users["credit"])
    page = client.get("/credit/").content.decode()
    assert "SO-9" in page and "旺季" in page
    assert 'data-testid="release-button"' in page and 'data-testid="approve-button"' in page
    assert 'data-testid="nav-credit"' in page


def test_sales_see_their_queue_without_buttons(client, users, held, pending):
    client.force_login(users["sales"])
    page = client.get("/credit/").content.decode()
    assert "SO-9" in page and 'data-testid="release-button"' not in page
    response = client.post(f"/credit/holds/{held.pk}/release/", {"reason": "x"})
    assert response.status_code == 403
    assert CreditCheck.objects.get().status == CheckStatus.HELD
    client.force_login(users["other_sales"])
    assert "SO-9" not in client.get("/credit/").content.decode()
    assert client.post(f"/credit/holds/{held.pk}/release/", {"reason": "x"}).status_code == 404


def test_nobody_role_has_no_credit_page(client, users):
    client.force_login(users["nobody"])
    assert client.get("/credit/").status_code == 403


def test_release_and_approve_with_htmx(client, users, held, pending):
    client.force_login(users["credit"])
    response = client.post(f"/credit/holds/{held.pk}/release/", {"reason": ""})
    assert "alert" in response.content.decode()
    response = client.post(f"/credit/holds/{held.pk}/release/", {"reason": "已预付"})
    assert 'data-testid="hold-status"' in response.content.decode()
    assert CreditCheck.objects.get().status == CheckStatus.RELEASED
    response = client.post(f"/credit/requests/{pending.pk}/approve/", {"reason": "ok"})
    assert response.status_code == 200
    assert LimitRequest.objects.get().status == RequestStatus.APPROVED


def test_profile_overview_shows_limit_and_utilisation(client, users, customer, grant, pending):
    intel.refresh_dossier(customer=customer, actor=intel.SYSTEM)
    grant(customer, "100000")
    services.check_order(
        customer=customer, order_reference="SO-1", amount=Decimal("85000"), actor=users["credit"]
    )
    client.force_login(users["sales"])
    page = client.get(f"/customers/{customer.pk}/profile/").content.decode()
    assert 'data-testid="credit-panel"' in page
    assert "85.0%" in page and "旺季" in page

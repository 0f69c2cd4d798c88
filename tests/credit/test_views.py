from __future__ import annotations

import datetime as dt
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
    response = client.post(
        f"/credit/requests/{pending.pk}/approve/", {"reason": "ok"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'data-testid="request-status"' in response.text
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


# --- the limit request form, the queue at my step, the request page --------------------------

HX = {"HX-Request": "true"}


def _ask(client, **fields):
    data = {"kind": "raise", "amount": "300000", "reason": "新项目", **fields}
    return client.post("/credit/requests/new/", data, headers=HX)


def test_sales_request_a_raise_from_the_profile_panel(client, users, customer, grant):
    intel.refresh_dossier(customer=customer, actor=intel.SYSTEM)
    grant(customer, "100000")
    client.force_login(users["sales"])
    page = client.get(f"/customers/{customer.pk}/profile/").text
    assert 'data-testid="request-form"' in page
    response = _ask(client, customer_id=customer.pk)
    assert 'id="credit-panel"' in response.text and 'data-testid="request-notice"' in response.text
    created = LimitRequest.objects.get()
    assert (created.customer, created.kind, created.amount) == (customer, "raise", 300000)
    assert created.requested_by == users["sales"] and "新项目" in response.text


def test_request_form_errors_are_bilingual_and_in_place(client, users, customer, grant):
    grant(customer, "100000")
    client.force_login(users["sales"])
    response = _ask(client, customer_id=customer.pk, reason="")
    assert (
        'data-testid="error-reason"' in response.text and "此项必填 / This field" in response.text
    )
    response = _ask(client, customer_id=customer.pk, amount="50000")
    assert "提额需高于当前额度 / A raise must exceed" in response.text
    response = _ask(client, customer_id=customer.pk, kind="temporary")
    assert 'data-testid="error-valid_to"' in response.text
    assert "临时额度需要将来的到期日期 / A temporary limit" in response.text
    assert not LimitRequest.objects.exists()
    tomorrow = (services.business_today() + dt.timedelta(days=20)).isoformat()
    _ask(client, customer_id=customer.pk, kind="temporary", valid_to=tomorrow)
    assert LimitRequest.objects.get().valid_to.isoformat() == tomorrow


def test_queue_form_finds_only_my_customers(client, users, customer, make_customer):
    stranger = make_customer("别人的客户有限公司", owner=users["other_sales"])
    client.force_login(users["sales"])
    response = _ask(client, customer=stranger.name)
    assert "No single customer of yours matches" in response.text
    response = _ask(client, customer=customer.uscc.lower())
    assert 'data-testid="request-notice"' in response.text
    assert LimitRequest.objects.get().customer == customer


def test_auditor_gets_no_form_and_cannot_request(client, users, customer):
    intel.refresh_dossier(customer=customer, actor=intel.SYSTEM)
    client.force_login(users["auditor"])
    assert 'data-testid="request-form"' not in client.get(f"/customers/{customer.pk}/profile/").text
    assert 'data-testid="request-form"' not in client.get("/credit/").text
    response = _ask(client, customer_id=customer.pk)
    assert "You are not allowed" in response.text and not LimitRequest.objects.exists()


def _awaiting(client) -> str:
    page = client.get("/credit/").text
    return page.split('data-testid="requests-queue"')[1].split("</table>")[0]


def test_queue_shows_requests_at_my_step(client, users, customer):
    big = services.request_limit_change(
        customer=customer,
        kind="raise",
        amount=Decimal("900000"),
        reason="大单",
        actor=users["sales"],
    )
    mine = services.request_limit_change(
        customer=customer,
        kind="raise",
        amount=Decimal("1000"),
        reason="自己的",
        actor=users["credit"],
    )
    client.force_login(users["credit"])
    awaiting = _awaiting(client)
    assert f"request-{big.pk}" in awaiting and f"request-{mine.pk}" not in awaiting
    services.approve_limit_request(request=big, actor=users["credit"], reason="一级")
    awaiting = _awaiting(client)
    assert f"request-{big.pk}" not in awaiting  # step 2 needs a risk manager
    assert f"request-{big.pk}" in client.get("/credit/").text  # still listed, read-only
    client.force_login(users["risk"])
    awaiting = _awaiting(client)
    assert f"request-{big.pk}" in awaiting and f"request-{mine.pk}" in awaiting


def test_sales_cannot_approve_and_nobody_approves_their_own(client, users, customer):
    pending = services.request_limit_change(
        customer=customer, kind="raise", amount=Decimal("1000"), reason="x", actor=users["credit"]
    )
    client.force_login(users["sales"])
    response = client.post(f"/credit/requests/{pending.pk}/approve/", {"reason": "ok"}, headers=HX)
    assert response.status_code == 403
    client.force_login(users["credit"])
    response = client.post(f"/credit/requests/{pending.pk}/approve/", {"reason": "ok"}, headers=HX)
    assert response.status_code == 403 and "不能审批自己的申请" in response.text
    client.force_login(users["auditor"])
    response = client.post(f"/credit/requests/{pending.pk}/reject/", {"reason": "no"}, headers=HX)
    assert response.status_code == 403
    assert LimitRequest.objects.get().status == RequestStatus.PENDING


def test_request_page_shows_before_after_and_the_chain(client, users, customer, grant):
    grant(customer, "100000")
    big = services.request_limit_change(
        customer=customer,
        kind="raise",
        amount=Decimal("900000"),
        reason="大单",
        actor=users["sales"],
    )
    client.force_login(users["credit"])
    page = client.get(f"/credit/requests/{big.pk}/").text
    assert "100,000" in page and "900,000" in page and 'data-testid="decide-form"' in page
    assert "风控经理" in page  # who may take step 2
    response = client.post(f"/credit/requests/{big.pk}/approve/", {"reason": "一级通过"})
    assert response.status_code == 302 and response.url == f"/credit/requests/{big.pk}/"
    page = client.get(response.url).text
    assert "一级通过" in page and 'data-testid="decide-form"' not in page
    client.force_login(users["risk"])
    client.post(f"/credit/requests/{big.pk}/reject/", {"reason": ""})
    assert LimitRequest.objects.get().status == RequestStatus.PENDING
    client.post(f"/credit/requests/{big.pk}/approve/", {"reason": "二级通过"})
    page = client.get(f"/credit/requests/{big.pk}/").text
    assert LimitRequest.objects.get().status == RequestStatus.APPROVED
    assert "二级通过" in page and page.count("900,000") >= 2
    assert "100,000" in page.split('data-testid="request-before"')[1].split("</dd>")[0]
    client.force_login(users["other_sales"])
    assert client.get(f"/credit/requests/{big.pk}/").status_code == 404


def test_auditor_sees_holds_but_cannot_release_them(client, users, held):
    client.force_login(users["auditor"])
    page = client.get("/credit/").text
    assert "SO-9" in page and 'data-testid="release-button"' not in page
    response = client.post(f"/credit/holds/{held.pk}/release/", {"reason": "x"}, headers=HX)
    assert response.status_code == 403
    assert CreditCheck.objects.get().status == CheckStatus.HELD

"""Browser flows of issue 5: the admission wizard, a limit raise through approval, a held order
released in the queue."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from django.db import connections

from riskdesk.accounts.services import create_api_token
from riskdesk.credit.models import CreditCheck, CreditLimit, LimitRequest
from riskdesk.customers.services import business_today
from riskdesk.intel import services as intel
from riskdesk.onboarding.models import AdmissionCase
from tests.onboarding.conftest import _usccs_by_outcome
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("installed_defaults")]


@pytest.fixture(autouse=True)
def close_connections_of_the_browser_context(browser_page):
    """ORM calls made while Playwright's event loop runs in this thread get connections of
    their own (asgiref's context-local storage); close them, or PostgreSQL cannot drop the test
    database at the end of the session."""
    yield
    connections.close_all()


@pytest.fixture
def customer(users, make_customer, grant):
    customer = make_customer("杭州授信演示有限公司", owner=users["sales"])
    intel.refresh_dossier(customer=customer, actor=intel.SYSTEM)
    grant(customer, "100000")
    return customer


@pytest.fixture
def grant():
    def make(customer, amount: str) -> CreditLimit:
        return CreditLimit.objects.create(
            customer=customer, amount=Decimal(amount), valid_from=business_today(), source="manual"
        )

    return make


def _switch_user(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username, f"pw-{username}")


def test_sales_onboard_a_prospect_through_the_wizard(live_server, users, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    uscc = _usccs_by_outcome(business_today())["pass"][0]
    log_in(page, base, "sales_u", "pw-sales_u")
    page.goto(f"{base}/onboarding/new/")
    page.fill("[data-testid=wizard-query]", uscc)
    page.click("[data-testid=wizard-search-button]")
    page.click("[data-testid=pick-candidate]")
    outcome = page.locator("[data-testid=wizard-outcome]")
    outcome.wait_for()
    assert outcome.get_attribute("data-outcome") == "pass"
    case = AdmissionCase.objects.get()
    assert page.inner_text("[data-testid=wizard-grade]") == case.assessment.grade
    assert "获取企业档案" in page.inner_text("[data-testid=wizard-done-steps]")
    page.screenshot(path=str(tmp_path / "wizard-outcome.png"), full_page=True)
    page.click("[data-testid=wizard-customer]")
    page.wait_for_url(re.compile(rf".*/customers/{case.customer_id}/profile/$"))
    assert case.customer.name in page.inner_text("h1")


def test_limit_raise_requested_by_sales_and_approved_by_credit(
    live_server, users, customer, browser_page, tmp_path
):
    page, base = browser_page, live_server.url
    log_in(page, base, "sales_u", "pw-sales_u")
    page.goto(f"{base}/customers/{customer.pk}/profile/")
    assert "100,000" in page.inner_text("[data-testid=credit-limit]")
    page.click("[data-testid=request-limit] summary")
    page.select_option("#credit-panel select[name=kind]", "raise")
    page.fill("#credit-panel input[name=amount]", "50000")
    page.fill("#credit-panel textarea[name=reason]", "旺季备货")
    page.click("#credit-panel [data-testid=request-submit]")
    page.wait_for_selector("[data-testid=error-amount]")  # below the current limit: in place
    page.fill("#credit-panel input[name=amount]", "300000")
    page.fill("#credit-panel textarea[name=reason]", "旺季备货")
    page.click("#credit-panel [data-testid=request-submit]")
    page.wait_for_selector("[data-testid=request-notice]")
    assert "旺季备货" in page.inner_text("[data-testid=credit-open-requests]")
    page.screenshot(path=str(tmp_path / "profile-request.png"), full_page=True)

    _switch_user(page, base, "credit_u")
    page.goto(f"{base}/credit/")
    queue = page.locator("[data-testid=requests-queue]")
    assert "旺季备货" in queue.inner_text()
    queue.locator("[data-testid=decision-reason]").fill("销售数据支持")
    queue.locator("[data-testid=approve-button]").click()
    page.wait_for_selector("[data-testid=requests-queue] [data-testid=request-status]")
    assert "已批准" in queue.inner_text()
    assert queue.locator("[data-testid=approve-button]").count() == 0  # the row was replaced
    page.goto(f"{base}/credit/requests/{LimitRequest.objects.get().pk}/")
    page.screenshot(path=str(tmp_path / "request-page.png"), full_page=True)
    assert "销售数据支持" in page.inner_text("[data-testid=approval-chain]")
    page.goto(f"{base}/customers/{customer.pk}/profile/")
    assert "300,000" in page.inner_text("[data-testid=credit-limit]")


def test_order_held_by_the_api_is_released_in_the_queue(live_server, users, customer, browser_page):
    token = create_api_token(user=users["credit"], actor=users["admin"]).key
    response = httpx.post(
        f"{live_server.url}/api/credit/check",
        json={"customer": str(customer.pk), "order_reference": "ERP-777", "amount": "250000"},
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 200 and response.json()["decision"] == "hold"

    page, base = browser_page, live_server.url
    log_in(page, base, "credit_u", "pw-credit_u")
    page.goto(f"{base}/credit/")
    row = page.locator("[data-testid=hold-ERP-777]")
    row.locator("[data-testid=release-button]").click()
    row.locator("[role=alert]").wait_for()  # a reason is required
    assert CreditCheck.objects.get().status == "held"
    row.locator("[data-testid=hold-reason]").fill("客户已预付 50%")
    row.locator("[data-testid=release-button]").click()
    page.wait_for_selector("[data-testid=hold-ERP-777] [data-testid=hold-status]")
    assert "已放行" in page.inner_text("[data-testid=hold-ERP-777]")
    assert page.locator("[data-testid=release-button]").count() == 0  # the row was replaced
    check = CreditCheck.objects.get()
    assert check.status == "released" and check.resolved_by == users["credit"]

"""Browser flow: write a monitoring rule (live filter check, test run), refresh a dossier at a
later date, find the alert in the inbox, acknowledge it, see it on the risk profile."""

from __future__ import annotations

import re

import pytest

from riskdesk.intel import services as intel
from riskdesk.monitoring import services as monitoring
from riskdesk.monitoring.models import Alert, MonitoringRule
from tests.intel.conftest import EARLY, LATE, evolving_uscc
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def watched(installed_defaults, users, make_customer):
    customer = make_customer("监控演示有限公司", owner=users["sales"], uscc=evolving_uscc())
    intel.refresh_dossier(customer=customer, actor=users["risk"], as_of=EARLY)
    return customer


def test_rule_with_keywords_and_filter_alerts_after_a_later_refresh(
    live_server, watched, browser_page, users, tmp_path
):
    page, base = browser_page, live_server.url
    capital = monitoring.customer_filter_features(customer=watched, as_of=LATE)[
        "registered_capital"
    ]
    log_in(page, base, "risk_u", "pw-risk_u")

    page.goto(f"{base}/monitoring/rules/")
    page.click("[data-testid=rule-create]")
    page.fill("#id_name", "诉讼关键词")
    page.check("input[name=event_types][value='lawsuit.added']")
    page.fill("#id_include_keywords", "诉讼\nLAWSUIT")
    page.fill("#id_exclude_keywords", "已撤诉")
    page.fill("[data-testid=customer-filter]", "registered_capital >=")  # htmx checks as one types
    page.wait_for_selector("[data-testid=filter-error]")
    assert " / " in page.inner_text("[data-testid=filter-error]")  # bilingual engine message
    page.fill("[data-testid=customer-filter]", f"registered_capital >= {int(capital) // 2}")
    page.wait_for_selector("[data-testid=filter-ok]")
    page.uncheck("#id_notify_owner")
    page.check("input[name=recipient_roles][value=risk_manager]")
    page.select_option("#id_delivery_mode", "immediate")
    page.click("[data-testid=rule-test]")  # nothing happened yet in the last 30 days
    page.wait_for_selector("[data-testid=rule-test-summary]")
    page.click("[data-testid=rule-save]")
    page.wait_for_url(re.compile(r".*/monitoring/rules/$"))
    rule = MonitoringRule.objects.get(name="诉讼关键词")
    assert rule.include_keywords == ["诉讼", "lawsuit"] and rule.customer_filter

    page.goto(f"{base}/customers/{watched.pk}/profile/")
    page.fill("[data-testid=refresh-as-of]", LATE.isoformat())
    page.click("[data-testid=refresh-button]")
    page.wait_for_selector("[data-testid=timeline-refreshed]")
    page.wait_for_selector("[data-testid='event-lawsuit.added']")

    page.goto(f"{base}/monitoring/alerts/?status=unread")
    row = page.locator("[data-testid=alerts] tbody tr[data-testid^=alert-]").first
    row.wait_for()
    assert "监控演示有限公司" in row.inner_text() and "诉讼关键词" in row.inner_text()
    assert page.locator("[data-testid=alert-badge] .badge").count() == 1
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)

    alert = Alert.objects.filter(recipient=users["risk"]).order_by("id").first()
    form = page.locator(f"[data-testid=alert-ack-{alert.pk}]")
    form.locator("input[name=comment]").fill("已联系客户")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#alert-{alert.pk} .badge.ok")
    alert.refresh_from_db()
    assert alert.acknowledgement == "已联系客户"

    page.goto(f"{base}/customers/{watched.pk}/profile/")  # the alert history on the profile
    assert "诉讼关键词" in page.inner_text("[data-testid=alert-history]")

"""Browser flow: open a risk profile, switch tabs, refresh with a later date, see new events."""

from __future__ import annotations

import pytest

from riskdesk.intel import services
from tests.intel.conftest import EARLY, LATE
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def profiled(transactional_db, users, evolving):
    services.refresh_dossier(customer=evolving, actor=users["risk"], as_of=EARLY)
    return evolving


def test_profile_tabs_and_refresh_show_new_events(live_server, profiled, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    log_in(page, base, "sales_u", "pw-sales_u")
    page.goto(f"{base}/customers/{profiled.pk}/")
    page.click("[data-testid=risk-profile-link]")
    page.wait_for_selector("[data-testid=tab-content-overview]")
    assert "风险画像" in page.inner_text("h1")
    assert page.locator("[data-testid=timeline] [data-testid^=event-]").count() == 0

    page.click("[data-testid=tab-background]")  # htmx swaps the body, the chart is drawn
    page.wait_for_selector("[data-testid=tab-content-background]")
    page.wait_for_selector("[data-testid=shareholder-chart] canvas")
    page.click("[data-testid=tab-judicial]")
    page.wait_for_selector("[data-testid=tab-content-judicial]")
    page.click("[data-testid=tab-news]")
    page.wait_for_selector("[data-testid=tab-content-news]")
    page.click("[data-testid=news-negative]")
    page.wait_for_selector("[data-testid=news-negative]:not(.secondary)")
    assert page.locator("[data-testid=news] tr[data-sentiment=positive]").count() == 0

    page.click("[data-testid=tab-overview]")
    page.wait_for_selector("[data-testid=tab-content-overview]")
    page.fill("[data-testid=refresh-as-of]", LATE.isoformat())
    page.click("[data-testid=refresh-button]")
    page.wait_for_selector("[data-testid=timeline-refreshed]")
    page.wait_for_selector("[data-testid='event-lawsuit.added']")
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)

    page.reload()
    assert page.locator("[data-testid='event-lawsuit.added']").count() >= 1

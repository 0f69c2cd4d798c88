"""Browser flows: log in, filter the customer list, open a customer, switch language."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser]


@pytest.fixture
def seeded(transactional_db, users, make_customer, invoice_for):
    import datetime as dt

    made = []
    for i in range(30):
        made.append(
            make_customer(
                f"浙江{i:02d}号机械有限公司" if i % 3 else f"广东{i:02d}号贸易有限公司",
                owner=users["sales"],
                province="浙江省" if i % 3 else "广东省",
                industry="制造业" if i % 3 else "批发和零售业",
            )
        )
    invoice_for(
        made[1],
        issue=dt.date.today() - dt.timedelta(days=90),
        due=dt.date.today() - dt.timedelta(days=45),
        amount="88000",
    )
    return made


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_filter_open_customer_and_switch_language(
    live_server, seeded, browser_page, tmp_path
):
    page, base = browser_page, live_server.url
    log_in(page, base, "sales_u", "pw-sales_u")
    assert page.locator("[data-testid=customer-count]").inner_text() == "30"

    page.click("text=客户")
    page.wait_for_url(re.compile(r".*/customers/$"))
    table = page.locator("[data-testid=customer-table]")
    assert table.locator("tbody tr").count() == 30

    page.select_option("select[name=province]", "广东省")  # htmx reloads only the table
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=customer-table] tbody tr').length === 10"
    )
    assert "province=" in page.url
    assert all(
        "广东" in name for name in table.locator("tbody tr td:first-child").all_inner_texts()
    )

    page.select_option("select[name=province]", "浙江省")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=customer-table] tbody tr').length === 20"
    )
    page.click("text=浙江01号机械有限公司")
    page.wait_for_selector("[data-testid=customer-name]")
    assert "浙江01号机械有限公司" in page.inner_text("h1")
    assert "88,000" in page.inner_text("[data-testid=aggregates]")
    page.screenshot(path=str(tmp_path / "customer-zh.png"), full_page=True)

    page.select_option("[data-testid=language-select]", "en")
    page.wait_for_load_state("load")
    page.wait_for_selector("text=Trading (last 12 months)")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Open receivables" in page.inner_text("[data-testid=aggregates]")


def test_wrong_password_shows_an_error(live_server, seeded, browser_page):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "sales_u")
    page.fill("#id_password", "nope")
    page.click("button[type=submit]")
    assert page.locator(".errorlist").count() >= 1
    assert page.url.endswith("/login/")

"""Browser flows of the policy editors: draft, condition builder, live errors, drag to reorder,
simulation and publishing."""

from __future__ import annotations

import re

import pytest

from riskdesk.policies import editing
from riskdesk.policies.models import PolicyVersion
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def policy_desk(installed_defaults, users, make_customer, settings):
    """The default policy published and a few customers to simulate on; four-eyes off."""
    settings.POLICY_FOUR_EYES = False
    for n in range(3):
        make_customer(f"策略测试{n}有限公司", owner=users["sales"])
    return users


def open_new_draft(page, base: str) -> str:
    page.goto(f"{base}/policies/")
    page.click("[data-testid=draft-create]")
    page.wait_for_selector("[data-testid=policy-sections]")
    assert "编辑此草稿" in page.inner_text("[data-testid=policy-sections]")
    return page.url


def test_edit_a_rating_rule_with_the_builder_and_see_errors_in_place(
    live_server, policy_desk, browser_page
):
    page, base = browser_page, live_server.url
    log_in(page, base, "risk_u", "pw-risk_u")
    open_new_draft(page, base)
    page.click("[data-testid=edit-rules]")
    page.wait_for_selector("[data-testid=items-table]")
    # rule 6, central_soe: enterprise_type = '央企' AND state_share > 0.8
    page.click("[data-testid=edit-5]")

    builder = page.locator("[data-testid=builder-when]")
    builder.wait_for()
    value = page.locator("[data-testid=row-0-1] [data-testid=value]")
    assert value.input_value() == "0.8"
    value.fill("abc")
    value.press("Tab")  # change → the server re-renders the builder with the problem
    problem = page.locator("[data-testid=problem]")
    problem.wait_for()
    assert "不是有效的数值" in problem.inner_text() and "is not a number" in problem.inner_text()

    page.locator("[data-testid=row-0-1] [data-testid=value]").fill("0.9")
    page.locator("[data-testid=row-0-1] [data-testid=value]").press("Tab")
    page.wait_for_selector("[data-testid=expression-when]:has-text('0.9')")
    assert page.locator("[data-testid=problem]").count() == 0
    assert page.locator("[data-testid=check-when] [data-testid=expr-ok]").count() == 1
    expression = page.inner_text("[data-testid=expression-when]")
    assert expression == "enterprise_type = '央企' AND state_share > 0.9"

    page.click("[data-testid=mode-text-when]")  # the same text, now typed by hand
    text = page.locator("[data-testid=text-when]")
    text.wait_for()
    assert text.input_value() == expression
    text.fill("enterprise_type = '央企' AND state_share > '高'")
    page.wait_for_selector("[data-testid=check-when] [data-testid=error-span]")
    message = page.inner_text("[data-testid=check-when] [data-testid=error-message]")
    assert " / " in message and re.search(r"[\u4e00-\u9fff]", message)
    assert page.inner_text("[data-testid=error-span]") in ("'高'", "state_share > '高'", ">")

    text.fill("enterprise_type = '央企' AND state_share >= 0.9")
    page.wait_for_selector("[data-testid=check-when] [data-testid=expr-ok]")
    page.click("[data-testid=item-save]")
    page.wait_for_selector("[data-testid=items-table]")
    assert "state_share >= 0.9" in page.inner_text("[data-testid=item-5]")
    draft = PolicyVersion.objects.get(status="draft")
    assert editing.policy_of(draft).rating.rules[5].when.endswith("state_share >= 0.9")


def test_reorder_by_drag_then_simulate_and_publish(live_server, policy_desk, browser_page):
    page, base = browser_page, live_server.url
    log_in(page, base, "risk_u", "pw-risk_u")
    detail = open_new_draft(page, base)
    page.click("[data-testid=edit-rules]")
    page.wait_for_selector("[data-testid=items-table]")
    last_id = page.inner_text("[data-testid=item-6] td:nth-child(3)")
    assert last_id == "local_soe"

    handle = page.locator("[data-testid=item-6] td.handle")
    handle.drag_to(page.locator("[data-testid=item-0]"), target_position={"x": 10, "y": 3})
    page.wait_for_selector("[data-testid=list-saved]")
    page.reload()
    assert page.inner_text("[data-testid=item-0] td:nth-child(3)") == "local_soe"

    page.click("[data-testid=down-0]")  # the keyboard path: buttons
    page.wait_for_selector("[data-testid=list-saved]")
    assert page.inner_text("[data-testid=item-1] td:nth-child(3)") == "local_soe"

    page.goto(detail)
    page.click("[data-testid=simulate-link]")
    page.wait_for_selector("[data-testid=migration-matrix]")
    assert "等级迁移矩阵" in page.content()

    page.goto(detail)
    page.click("[data-testid=publish-button]")
    page.wait_for_selector(".messages")
    published = PolicyVersion.objects.get(status="published")
    assert page.url == detail and published.pk == int(detail.rstrip("/").rsplit("/", 1)[1])
    assert page.inner_text(f"[data-testid=status-{published.number}]") == "已发布"
    assert "编辑此草稿" not in page.inner_text("[data-testid=policy-sections]")

"""The rule editor's htmx parts, review tasks, the profile's alert history, dashboard tiles."""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse
from django.utils import timezone

from riskdesk.monitoring import services
from riskdesk.monitoring.models import CreditHoldFlag, MonitoringRule

FORM = {
    "name": "试运行",
    "enabled": "on",
    "include_keywords": "破产",
    "min_severity": "info",
    "delivery_mode": "immediate",
    "digest_time": "21:00",
    "digest_timezone": "Asia/Shanghai",
}


def test_rule_form_groups_event_types_by_dimension(client, users):
    client.force_login(users["risk"])
    html = client.get(reverse("monitoring:rule_create")).content.decode()
    for dimension in ("工商", "司法", "经营", "税务", "舆情", "内部"):
        assert f"<label>{dimension}</label>" in html or f">{dimension}<" in html
    assert "订单信用冻结" in html and "后续动作" in html


def test_filter_is_checked_live_with_the_engines_bilingual_error(client, users):
    client.force_login(users["risk"])
    url = reverse("monitoring:rule_check_filter")

    bad = client.post(url, {"customer_filter": "grade IN ('C'"}).content.decode()
    good = client.post(url, {"customer_filter": "grade IN ('C','D')"}).content.decode()

    assert 'data-testid="filter-error"' in bad
    assert 'data-testid="filter-ok"' in good


def test_test_this_rule_shows_hits_without_creating_anything(
    client, make_customer, make_event, users
):
    customer = make_customer(name="试运行客户有限公司", owner=users["sales"])
    make_event(customer, text_zh="申请破产重整")
    make_event(customer, text_zh="合同纠纷")
    client.force_login(users["risk"])

    html = client.post(
        reverse("monitoring:rule_test_new"), {**FORM, "notify_owner": "on"}
    ).content.decode()

    assert "试运行客户有限公司" in html and "sales_u" in html
    assert "命中 1 个" in html
    assert not MonitoringRule.objects.exists()
    invalid = client.post(reverse("monitoring:rule_test_new"), {**FORM, "customer_filter": "x >"})
    assert 'data-testid="rule-test-errors"' in invalid.content.decode()


def test_toggle_and_delete_from_the_rules_page(client, make_rule, users):
    rule = make_rule()
    client.force_login(users["risk"])
    client.post(reverse("monitoring:rule_toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert not rule.enabled
    client.post(reverse("monitoring:rule_delete", args=[rule.pk]))
    assert not MonitoringRule.objects.exists()
    client.force_login(users["sales"])
    assert client.post(reverse("monitoring:rule_toggle", args=[1])).status_code in (403, 404)


def test_inbox_filters_by_customer_and_date(client, make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    services.process_event(event=make_event(make_customer(name="甲公司"), text_zh="甲"))
    services.process_event(event=make_event(make_customer(name="乙公司"), text_zh="乙"))
    client.force_login(users["risk"])
    url = reverse("monitoring:inbox")

    only = client.get(url, {"customer": "甲"}).content.decode()
    assert "甲公司" in only and "乙公司" not in only
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "甲公司" not in client.get(url, {"since": tomorrow}).content.decode()


def test_review_task_page_lists_and_closes(client, make_customer, make_event, make_rule, users):
    customer = make_customer(name="复核客户有限公司", owner=users["sales"])
    rule = make_rule(action_review_task=True)
    services.run_rule_actions(event_id=make_event(customer).pk, rule_ids=[rule.pk])
    client.force_login(users["sales"])

    html = client.get(reverse("monitoring:review_tasks")).content.decode()
    assert "复核客户有限公司" in html
    task = services.review_tasks(user=users["sales"]).get()
    client.post(reverse("monitoring:review_task_close", args=[task.pk]), {"comment": "ok"})
    task.refresh_from_db()
    assert task.status == "done"


def test_profile_shows_alert_history_and_the_hold(
    client, make_customer, make_event, make_rule, users
):
    customer = make_customer(owner=users["sales"])
    rule = make_rule("司法即时", recipient_users=[users["risk"]], action_credit_hold=True)
    event = make_event(customer, "dishonest.added")
    services.process_event(event=event)
    services.run_rule_actions(event_id=event.pk, rule_ids=[rule.pk])
    client.force_login(users["credit"])

    html = client.get(reverse("intel:profile", args=[customer.pk])).content.decode()
    assert 'data-testid="alert-history"' in html and "司法即时" in html
    assert 'data-testid="monitoring-hold"' in html

    flag = CreditHoldFlag.objects.get()
    client.post(reverse("monitoring:hold_release", args=[flag.pk]), {"reason": "已担保"})
    assert not services.hold_active(customer)


def test_dashboard_tiles_count_alerted_events_in_scope(
    client, make_customer, make_event, make_rule, users
):
    make_rule(recipient_users=[users["risk"]])
    mine = make_customer(owner=users["sales"])
    theirs = make_customer(owner=users["other_sales"])
    for customer in (mine, mine, theirs):
        services.process_event(event=make_event(customer, "dishonest.added"))
    make_event(mine, "penalty.added")  # no alert: not counted

    assert services.alert_trend(user=users["risk"])["total"] == 3
    trend = services.alert_trend(user=users["sales"])
    assert trend["total"] == 2
    assert trend["dimensions"][0]["name"] == "司法" and sum(trend["dimensions"][0]["data"]) == 2

    client.force_login(users["risk"])
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="alert-tiles"' in html
    start = html.index('id="alert-trend-data"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload)["total"] == 3

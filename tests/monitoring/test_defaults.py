"""The default rules the demo loads: valid, idempotent, and wired to the right people."""

from __future__ import annotations

from django.core.management import call_command

from riskdesk.monitoring import services
from riskdesk.monitoring.defaults import DEFAULT_RULES, ensure_default_rules
from riskdesk.monitoring.models import Alert, MonitoringRule


def test_default_rules_are_created_once_and_keep_user_edits(db):
    assert len(ensure_default_rules()) == len(DEFAULT_RULES)
    MonitoringRule.objects.filter(name="负面舆情关键词").update(enabled=False)

    assert ensure_default_rules() == []
    assert not MonitoringRule.objects.get(name="负面舆情关键词").enabled


def test_demo_command_loads_them(db):
    call_command("demo", "--customers", "0")
    assert MonitoringRule.objects.count() == len(DEFAULT_RULES)


def test_default_rules_route_events(make_customer, make_event, users):
    ensure_default_rules()
    customer = make_customer(owner=users["sales"])

    judicial = services.process_event(event=make_event(customer, "enforcement.added"))
    hold = services.process_event(event=make_event(customer, "credit.hold"))
    news = make_event(customer, "news.negative", text_zh="传闻公司将申请破产重整")
    quiet = make_event(customer, "news.negative", text_zh="公司获评优秀供应商")

    assert {a.recipient.username for a in judicial} == {"risk_u", "sales_u"}
    assert {a.recipient.username for a in hold} == {"credit_u", "sales_u"}
    assert len(services.process_event(event=news)) == 2
    assert services.process_event(event=quiet) == []
    assert Alert.objects.filter(rules__name="负面舆情关键词").count() == 2

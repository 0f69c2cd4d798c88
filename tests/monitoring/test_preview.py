"""Test this rule: what it would have sent over the last 30 days, writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from riskdesk.monitoring.models import Alert, MonitoringRule
from riskdesk.monitoring.preview import preview_rule


def test_an_unsaved_rule_reports_events_recipients_and_counts(make_customer, make_event, users):
    mine = make_customer(owner=users["sales"])
    theirs = make_customer(owner=users["other_sales"])
    make_event(mine, text_zh="法院受理破产重整申请")
    make_event(theirs, text_zh="破产清算")
    make_event(mine, text_zh="破产申请已撤回")
    old = make_event(mine, text_zh="破产")
    old.detected_at = timezone.now() - dt.timedelta(days=45)
    old.save(update_fields=["detected_at"])
    rule = MonitoringRule(
        name="破产", include_keywords=["破产"], exclude_keywords=["撤回"], notify_owner=True
    )

    result = preview_rule(rule=rule, actor=users["risk"], recipient_users=[users["credit"]])

    assert result.events_scanned == 3 and result.matched == 2 and result.alerts == 4
    assert result.by_recipient == {"sales_u": 1, "other_u": 1, "credit_u": 2}
    assert {hit.event.customer for hit in result.hits} == {mine, theirs}
    assert rule.pk is None and not Alert.objects.exists()


def test_a_saved_rule_uses_its_recipients_and_stores_nothing(
    make_customer, make_event, make_rule, users
):
    rule = make_rule(event_types=["lawsuit.added"], recipient_users=[users["risk"]])
    make_event(make_customer(), "lawsuit.added")

    result = preview_rule(rule=rule, actor=users["admin"])

    assert result.alerts == 1 and [hit.recipients for hit in result.hits] == [("risk_u",)]
    rule.refresh_from_db()
    assert rule.error_count == 0 and not Alert.objects.exists()


def test_invalid_rules_and_unauthorised_users_are_refused(users):
    with pytest.raises(ValidationError):
        preview_rule(rule=MonitoringRule(name="x", customer_filter="grade =="), actor=users["risk"])
    with pytest.raises(PermissionDenied):
        preview_rule(rule=MonitoringRule(name="x"), actor=users["sales"])

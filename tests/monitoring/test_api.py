"""/api/monitoring/rules/: risk managers write, bad input is refused with codes, scoped reads."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from riskdesk.audit.models import AuditEvent
from riskdesk.monitoring.models import MonitoringRule

pytestmark = pytest.mark.django_db
URL = "/api/monitoring/rules/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user) -> APIClient:
    api.force_authenticate(user)
    return api


RULE = {
    "name": "司法高风险",
    "event_types": ["dishonest.added", "enforcement.added"],
    "min_severity": "high",
    "include_keywords": ["破产", "ＢＡＮＫＲＵＰＴ"],
    "customer_filter": "grade IN ('C','D')",
    "recipient_users": ["credit_u"],
    "recipient_roles": ["risk_manager"],
    "delivery_mode": "immediate",
    "action_review_task": True,
}


def test_create_read_update_delete_with_audit(api, users):
    client = as_user(api, users["risk"])
    created = client.post(URL, RULE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["include_keywords"] == ["破产", "bankrupt"]  # stored canonical (NFKC, folded)
    assert body["recipient_users"] == ["credit_u"] and body["digest_time"] == "21:00"

    rule_url = f"{URL}{body['id']}/"
    assert client.patch(rule_url, {"enabled": False}, format="json").json()["enabled"] is False
    changed = client.put(rule_url, {**RULE, "min_severity": "critical"}, format="json")
    assert changed.json()["min_severity"] == "critical" and changed.json()["enabled"] is True
    assert client.delete(rule_url).status_code == 204
    assert not MonitoringRule.objects.exists()

    rule_events = AuditEvent.objects.filter(object_type="monitoring.MonitoringRule")
    actions = list(rule_events.order_by("id").values_list("action", flat=True))
    assert actions == [
        "monitoring_rule_created",
        "monitoring_rule_enabled",
        "monitoring_rule_updated",
        "monitoring_rule_deleted",
    ]
    updated = AuditEvent.objects.get(action="monitoring_rule_updated")
    assert updated.before["min_severity"] == "high" and updated.after["min_severity"] == "critical"


def test_bad_input_gets_bilingual_errors_with_codes_and_stores_nothing(api, users):
    bad = {
        **RULE,
        "event_types": ["no.such"],
        "customer_filter": "grade ==",
        "recipient_users": ["ghost"],
        "colour": "red",
    }
    response = as_user(api, users["risk"]).post(URL, bad, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    codes = {field: [item["code"] for item in items] for field, items in errors.items()}
    assert codes["event_types"] == ["unknown_event_type"]
    assert codes["customer_filter"] == ["invalid_filter"]
    assert codes["recipient_users"] == ["unknown_user"]
    assert codes["non_field_errors"] == ["unknown_field"]
    assert " / " in errors["event_types"][0]["message"]
    assert not MonitoringRule.objects.exists()


def test_only_risk_managers_and_admins_write(api, users, make_rule):
    rule = make_rule(recipient_users=[users["risk"]])
    for role in ("credit", "sales", "auditor"):
        client = as_user(api, users[role])
        assert client.post(URL, RULE, format="json").status_code == 403
        assert client.delete(f"{URL}{rule.pk}/").status_code in (403, 404)
    assert as_user(api, users["admin"]).post(URL, RULE, format="json").status_code == 201


def test_salespeople_read_only_rules_that_would_notify_them(api, users, make_rule):
    own = make_rule("负责人", notify_owner=True)
    named = make_rule("点名", recipient_users=[users["sales"]])
    other = make_rule("仅风控", recipient_roles=["risk_manager"])

    client = as_user(api, users["sales"])
    names = {rule["name"] for rule in client.get(URL).json()}

    assert names == {own.name, named.name}
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert len(as_user(api, users["auditor"]).get(URL).json()) == 3


def test_rule_changes_are_kept_in_the_history(api, users):
    client = as_user(api, users["risk"])
    rule_id = client.post(URL, RULE, format="json").json()["id"]
    client.patch(f"{URL}{rule_id}/", {"min_severity": "critical"}, format="json")

    history = MonitoringRule.history.filter(id=rule_id).order_by("history_date")
    assert [entry.min_severity for entry in history] == ["high", "critical"]

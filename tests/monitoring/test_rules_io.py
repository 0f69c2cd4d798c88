"""YAML export/import of rules: round trip, all-or-nothing, dry run."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import CommandError, call_command

from riskdesk.audit.models import AuditEvent
from riskdesk.monitoring import rules_io
from riskdesk.monitoring.models import MonitoringRule


def test_export_then_import_round_trips(make_rule, users, tmp_path):
    make_rule(
        "舆情",
        event_types=["news.negative"],
        include_keywords=["破产", "重整"],
        exclude_keywords=["辟谣"],
        customer_filter="industry IN ('建筑业')",
        recipient_users=[users["credit"]],
        recipient_roles=["risk_manager"],
        action_credit_hold=True,
    )
    text = rules_io.export_rules(actor=users["risk"])
    document = yaml.safe_load(text)["rules"][0]
    assert document["recipient_users"] == ["credit_u"] and document["action_credit_hold"]

    MonitoringRule.objects.all().delete()
    report = rules_io.import_rules(text=text, actor=users["risk"])

    assert report.created == ["舆情"]
    assert rules_io.export_rules(actor=users["risk"]) == text
    again = rules_io.import_rules(text=text, actor=users["risk"])
    assert again.unchanged == ["舆情"] and not again.updated


def test_import_is_all_or_nothing_with_errors_per_rule(users):
    text = yaml.safe_dump(
        {
            "rules": [
                {"name": "好规则", "include_keywords": ["失信"]},
                {"name": "坏规则", "min_severity": "huge", "customer_filter": "x >"},
                {"include_keywords": "破产"},
            ]
        },
        allow_unicode=True,
    )
    with pytest.raises(rules_io.RuleImportError) as caught:
        rules_io.import_rules(text=text, actor=users["risk"])

    problems = {problem["rule"]: problem["errors"] for problem in caught.value.errors}
    assert set(problems) == {2, 3}
    assert {"min_severity", "customer_filter"} <= set(problems[2])
    assert {"name", "include_keywords"} <= set(problems[3])
    assert problems[3]["include_keywords"][0]["code"] == "invalid_list"
    assert not MonitoringRule.objects.exists()


def test_malformed_yaml_and_duplicate_names_are_refused(users):
    with pytest.raises(rules_io.RuleImportError):
        rules_io.import_rules(text="rules: [ {name: x", actor=users["risk"])
    with pytest.raises(rules_io.RuleImportError) as caught:
        rules_io.import_rules(text="- name: a\n- name: a\n", actor=users["risk"])
    assert caught.value.errors[0]["errors"]["name"][0]["code"] == "duplicate_name"


def test_command_dry_run_changes_nothing(users, tmp_path, make_rule):
    make_rule("旧规则", include_keywords=["逾期"])
    path = tmp_path / "rules.yaml"
    call_command("monitoring", "rules", "export", str(path))
    path.write_text(path.read_text(encoding="utf-8").replace("逾期", "欠款"), encoding="utf-8")

    call_command("monitoring", "rules", "import", str(path), "--dry-run")
    assert MonitoringRule.objects.get().include_keywords == ["逾期"]
    assert AuditEvent.objects.filter(action="monitoring_rule_updated").count() == 0

    call_command("monitoring", "rules", "import", str(path))
    assert MonitoringRule.objects.get().include_keywords == ["欠款"]


def test_command_reports_bad_files(users, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- name: x\n  recipient_roles: [pilot]\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("monitoring", "rules", "import", str(path))
    assert not MonitoringRule.objects.exists()

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from riskdesk.audit.models import AuditEvent
from riskdesk.engine import (
    AdmissionCheck,
    Band,
    Bin,
    CreditCase,
    CustomerList,
    DerivedFeature,
    ExpressionError,
    Grade,
    Indicator,
    Outcome,
    PolicyValidationError,
    RatingRule,
    ValueType,
)
from riskdesk.policies import editing, services
from riskdesk.policies.choices import PolicyStatus
from riskdesk.policies.editing import SECTIONS
from riskdesk.policies.models import PolicyVersion

RULES = SECTIONS["rules"]


@pytest.fixture
def draft(db, users):
    return services.create_draft(actor=users["risk"])


def rule_ids(version: PolicyVersion) -> list[str]:
    version.refresh_from_db()
    return [rule.id for rule in editing.policy_of(version).rating.rules]


def test_saving_a_rule_stores_the_validated_policy_and_records_the_change(draft, users):
    rule = RatingRule("big_soe", "enterprise_type = '央企' AND state_share > 0.9", "S")
    editing.save_item(version=draft, actor=users["risk"], section=RULES, item=rule, index=5)

    draft.refresh_from_db()
    assert editing.policy_of(draft).rating.rules[5] == rule
    assert "state_share > 0.9" in draft.yaml
    event = AuditEvent.objects.filter(action="policy_draft_updated", object_id=str(draft.pk))
    assert event.get().actor == users["risk"]
    assert "state_share > 0.9" in event.get().extra["diff"]


def test_appending_and_deleting_items(draft, users):
    new = RatingRule("young", "years_established < 2", "C", CustomerList.WATCHLIST, "新企业")
    editing.save_item(version=draft, actor=users["admin"], section=RULES, item=new)
    assert rule_ids(draft)[-1] == "young"
    editing.delete_item(version=draft, actor=users["risk"], section=RULES, index=0)
    assert rule_ids(draft)[0] == "serious_violation" and "dishonest" not in rule_ids(draft)


def test_reordering_rules_and_moving_one_with_the_keyboard_fallback(draft, users):
    before = rule_ids(draft)
    order = [6, *range(6)]
    editing.reorder_items(version=draft, actor=users["risk"], section=RULES, order=order)
    assert rule_ids(draft) == [before[6], *before[:6]]
    editing.move_item(version=draft, actor=users["risk"], section=RULES, index=0, offset=1)
    assert rule_ids(draft)[:2] == [before[0], before[6]]


@pytest.mark.parametrize("order", [[0, 1, 2], [0, 0, 1, 2, 3, 4, 5], [7, 0, 1, 2, 3, 4, 5]])
def test_an_order_that_is_not_a_permutation_is_refused(draft, users, order):
    before = draft.yaml
    with pytest.raises(ValidationError, match="Invalid order"):
        editing.reorder_items(version=draft, actor=users["risk"], section=RULES, order=order)
    draft.refresh_from_db()
    assert draft.yaml == before


def test_moving_past_the_end_is_refused(draft, users):
    with pytest.raises(ValidationError):
        editing.move_item(version=draft, actor=users["risk"], section=RULES, index=0, offset=-1)


def test_an_invalid_expression_is_refused_bilingually_and_changes_nothing(draft, users):
    before = draft.yaml
    bad = RatingRule("soe", "state_share > '央企'", "S")
    with pytest.raises(PolicyValidationError) as raised:
        editing.save_item(version=draft, actor=users["risk"], section=RULES, item=bad, index=0)
    error = raised.value.errors[0]
    assert error.path == "rating.rules[0].when" and error.position is not None
    assert error.message_zh and error.message_en and error.message_zh != error.message_en
    draft.refresh_from_db()
    assert draft.yaml == before
    assert not AuditEvent.objects.filter(action="policy_draft_updated").exists()


def test_deleting_a_grade_that_rules_use_is_refused(draft, users):
    with pytest.raises(PolicyValidationError) as raised:
        editing.delete_item(version=draft, actor=users["risk"], section=SECTIONS["grades"], index=0)
    assert any(e.path and e.path.startswith("rating.rules") for e in raised.value.errors)


def test_published_and_archived_versions_are_refused(db, users, draft):
    published = PolicyVersion.objects.get(status=PolicyStatus.PUBLISHED)
    rule = RatingRule("x", "sanctions_hit", "D")
    with pytest.raises(ValidationError, match="Only drafts"):
        editing.save_item(version=published, actor=users["risk"], section=RULES, item=rule)
    services.archive_version(version=draft, actor=users["risk"])
    with pytest.raises(ValidationError, match="Only drafts"):
        editing.reorder_items(version=draft, actor=users["risk"], section=RULES, order=[0])


@pytest.mark.parametrize("role", ["sales", "auditor", "credit", "nobody"])
def test_only_risk_managers_and_admins_edit(draft, users, role):
    before = draft.yaml
    with pytest.raises(PermissionDenied):
        editing.delete_item(version=draft, actor=users[role], section=RULES, index=0)
    with pytest.raises(PermissionDenied):
        editing.save_scorecard_settings(version=draft, actor=users[role], reason_codes=2)
    draft.refresh_from_db()
    assert draft.yaml == before


def test_every_section_saves_its_own_kind_of_item(draft, users):
    actor = users["risk"]
    items = {
        "grades": Grade("E", "淘汰客户", 1, "Exit"),
        "admission": AdmissionCheck(
            "old_data", "years_established > 200", Outcome.REVIEW, "数据可疑"
        ),
        "bands": Band("D"),
        "indicators": Indicator(
            "margin",
            "净利率",
            "net_profit / annual_revenue",
            5,
            bins=(Bin(20, 0), Bin(60, 0.1), Bin(100)),
            missing_points=10,
        ),
        "cases": CreditCase("tiny", "1000", "score < 10"),
        "features": DerivedFeature(
            "net_margin", "net_profit / annual_revenue", "净利率", "Net margin", ValueType.NUMBER
        ),
    }
    # Bands: the last one (the catch-all) is replaced; cases: the first; others appended.
    indices = {"bands": 3, "cases": 0}
    for key, item in items.items():
        section = SECTIONS[key]
        index = indices.get(key)
        editing.save_item(version=draft, actor=actor, section=section, item=item, index=index)
        draft.refresh_from_db()
        stored = section.get(editing.policy_of(draft))
        assert stored[index if index is not None else -1] == item, key


def test_an_indicator_with_unordered_bins_is_refused_with_the_bin_path(draft, users):
    section = SECTIONS["indicators"]
    indicator = section.get(editing.policy_of(draft))[0]
    broken = replace(indicator, bins=(Bin(10, 5), Bin(20, 1), Bin(30)))
    with pytest.raises(PolicyValidationError) as raised:
        editing.save_item(version=draft, actor=users["risk"], section=section, item=broken, index=0)
    by_field, _ = editing.errors_by_field(raised.value.errors, section.item_path(0))
    assert "bins" in by_field


def test_credit_and_scorecard_settings(draft, users):
    editing.save_credit_settings(
        version=draft,
        actor=users["risk"],
        currency="CNY",
        min_limit=0,
        max_limit=30_000_000,
        round_to=5000,
        valid_months=6,
    )
    editing.save_scorecard_settings(version=draft, actor=users["risk"], reason_codes=2)
    draft.refresh_from_db()
    policy = editing.policy_of(draft)
    assert (policy.credit.max, policy.credit.round_to, policy.credit.valid_months) == (
        30_000_000,
        5000,
        6,
    )
    assert policy.scorecard.reason_code_count == 2
    with pytest.raises(PolicyValidationError):
        editing.save_credit_settings(
            version=draft,
            actor=users["risk"],
            currency="CNY",
            min_limit=10,
            max_limit=5,
            round_to=None,
            valid_months=None,
        )


def test_check_expression_knows_which_outputs_each_section_may_use(draft):
    policy = editing.policy_of(draft)
    editing.check_expression(policy=policy, section="rules", field="when", text="score > 50")
    editing.check_expression(policy=policy, section="cases", field="when", text="grade = 'A'")
    with pytest.raises(ExpressionError) as raised:
        editing.check_expression(policy=policy, section="admission", field="when", text="score > 1")
    assert raised.value.code == "not_available_here"
    with pytest.raises(ExpressionError) as raised:
        editing.check_expression(policy=policy, section="cases", field="when", text="grade = 'Z'")
    assert raised.value.code == "unknown_value"
    with pytest.raises(ExpressionError):
        editing.check_expression(policy=policy, section="cases", field="limit", text="grade = 'A'")


def test_errors_are_split_by_field_of_the_edited_item():
    def error(path):
        return ExpressionError("syntax", "错", "wrong", path=path)

    mine, others = editing.errors_by_field(
        [
            error("rating.rules[1].when"),
            error("rating.rules[1]"),
            error("rating.rules[10].when"),
            error("scorecard.indicators[1].bins[0].below"),
        ],
        "rating.rules[1]",
    )
    assert set(mine) == {"when", "__all__"} and len(others) == 2


def test_an_edit_from_a_page_older_than_the_draft_is_refused(draft, users):
    seen = editing.revision_of(draft)
    editing.move_item(version=draft, actor=users["risk"], section=RULES, index=0, offset=1)
    before = rule_ids(draft)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        editing.delete_item(
            version=draft, actor=users["risk"], section=RULES, index=0, revision=seen
        )
    assert rule_ids(draft) == before
    current = editing.revision_of(draft)
    editing.delete_item(
        version=draft, actor=users["risk"], section=RULES, index=0, revision=current
    )
    assert rule_ids(draft) == before[1:]


def test_a_draft_that_no_longer_validates_cannot_be_published(draft, users):
    # Stored drafts always validate when saved; this one is broken behind the editors' back
    # (as a catalogue change could), and publishing checks again.
    broken = draft.yaml.replace("dishonest_debtor_count > 0", "dishonest_count > 0")
    PolicyVersion.objects.filter(pk=draft.pk).update(yaml=broken)
    with pytest.raises(ValidationError) as raised:
        services.publish_version(version=draft, actor=users["admin"])
    message = raised.value.messages[0]
    assert "策略无效" in message and "cannot be published" in message
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT

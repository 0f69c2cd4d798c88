from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from riskdesk.audit.models import AuditEvent
from riskdesk.engine import PolicyValidationError, compile_policy, load_policy
from riskdesk.policies import services
from riskdesk.policies.choices import PolicyStatus
from riskdesk.policies.models import PolicyVersion


@pytest.fixture
def published(db):
    return PolicyVersion.objects.get(status=PolicyStatus.PUBLISHED)


def edited(text: str) -> str:
    return text.replace("min_score: 85", "min_score: 80")


def test_migration_installs_the_default_policy_as_published_version_one(published):
    assert published.number == 1 and published.author is None
    assert compile_policy(load_policy(published.yaml)).policy.name == "默认客户风险策略"
    assert services.published_version() == published


def test_a_blank_draft_copies_the_published_version(published, users):
    draft = services.create_draft(actor=users["risk"])

    assert draft.status == PolicyStatus.DRAFT and draft.number == 2
    assert draft.yaml == published.yaml and draft.author == users["risk"]
    assert AuditEvent.objects.filter(
        action="policy_draft_created", object_id=str(draft.pk)
    ).exists()


def test_an_uploaded_draft_is_stored_in_canonical_form(published, users):
    messy = "# a comment\n" + edited(published.yaml)
    draft = services.create_draft(actor=users["risk"], yaml_text=messy)

    assert "# a comment" not in draft.yaml and "min_score: 80" in draft.yaml


@pytest.mark.parametrize(
    "text",
    ["grades: [unclosed", "grades: []\nrating: {bands: [{grade: Z}]}", "name: x\nbogus: 1"],
)
def test_invalid_policy_text_is_never_stored(published, users, text):
    count = PolicyVersion.objects.count()
    with pytest.raises(PolicyValidationError) as caught:
        services.create_draft(actor=users["risk"], yaml_text=text)

    assert caught.value.errors and all(e.message_zh and e.message_en for e in caught.value.errors)
    assert PolicyVersion.objects.count() == count


def test_update_rejects_an_unknown_feature_with_its_path_and_keeps_the_old_text(users):
    draft = services.create_draft(actor=users["risk"])
    broken = draft.yaml.replace("when: sanctions_hit", "when: sanctions_hitt", 1)

    with pytest.raises(PolicyValidationError) as caught:
        services.update_draft(version=draft, actor=users["risk"], yaml_text=broken)

    assert any(error.path and "admission" in error.path for error in caught.value.errors)
    draft.refresh_from_db()
    assert "sanctions_hitt" not in draft.yaml


def test_update_changes_drafts_only_and_is_audited(published, users):
    draft = services.create_draft(actor=users["risk"])
    services.update_draft(version=draft, actor=users["admin"], yaml_text=edited(draft.yaml))

    event = AuditEvent.objects.get(action="policy_draft_updated")
    assert "\n+  - min_score: 80\n" in event.extra["diff"]
    with pytest.raises(ValidationError):
        services.update_draft(version=published, actor=users["risk"], yaml_text=published.yaml)


def test_publishing_archives_the_previous_version(published, users):
    draft = services.create_draft(actor=users["risk"], yaml_text=edited(published.yaml))
    services.publish_version(version=draft, actor=users["risk"])

    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == PolicyStatus.ARCHIVED
    assert draft.status == PolicyStatus.PUBLISHED and draft.published_by == users["risk"]
    assert PolicyVersion.objects.filter(status=PolicyStatus.PUBLISHED).count() == 1
    assert AuditEvent.objects.get(action="policy_published").extra == {"archived": [1]}


@pytest.mark.parametrize("role", ["sales", "credit", "auditor", "nobody"])
def test_only_risk_managers_and_admins_publish(users, role):
    draft = services.create_draft(actor=users["risk"])
    with pytest.raises(PermissionDenied):
        services.publish_version(version=draft, actor=users[role])
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


@pytest.mark.parametrize("role", ["sales", "credit", "auditor"])
def test_only_risk_managers_and_admins_write_drafts(users, role):
    draft = services.create_draft(actor=users["risk"])
    with pytest.raises(PermissionDenied):
        services.create_draft(actor=users[role])
    with pytest.raises(PermissionDenied):
        services.update_draft(version=draft, actor=users[role], yaml_text=draft.yaml)
    with pytest.raises(PermissionDenied):
        services.archive_version(version=draft, actor=users[role])


def test_four_eyes_requires_another_publisher(users, settings):
    settings.POLICY_FOUR_EYES = True
    draft = services.create_draft(actor=users["risk"])

    with pytest.raises(PermissionDenied):
        services.publish_version(version=draft, actor=users["risk"])
    services.publish_version(version=draft, actor=users["admin"])
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.PUBLISHED


def test_the_database_allows_one_published_version_only(published, users):
    draft = services.create_draft(actor=users["risk"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=draft.pk).update(status=PolicyStatus.PUBLISHED)


def test_archive_refuses_the_published_version_and_archives_drafts(published, users):
    with pytest.raises(ValidationError):
        services.archive_version(version=published, actor=users["risk"])
    draft = services.create_draft(actor=users["risk"])
    services.archive_version(version=draft, actor=users["risk"])
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.ARCHIVED
    with pytest.raises(ValidationError):
        services.publish_version(version=draft, actor=users["risk"])


def test_export_is_loadable_yaml_and_diff_shows_the_change(published, users):
    draft = services.create_draft(actor=users["risk"], yaml_text=edited(published.yaml))

    exported = services.export_yaml(version=draft, actor=users["auditor"])
    assert load_policy(exported) == load_policy(draft.yaml)
    lines = services.diff_versions(old=published, new=draft)
    changed = [(line.kind, line.text) for line in lines if line.kind in {"added", "removed"}]
    assert changed == [("removed", "-  - min_score: 85"), ("added", "+  - min_score: 80")]
    assert lines[0].kind == "header" and "v1" in lines[0].text
    assert services.diff_versions(old=published, new=published) == []
    with pytest.raises(PermissionDenied):
        services.export_yaml(version=draft, actor=users["sales"])


def test_compiled_policy_is_cached_per_version_and_text(published, users):
    first = services.compiled_policy(published)
    assert services.compiled_policy(PolicyVersion.objects.get(pk=published.pk)) is first
    draft = services.create_draft(actor=users["risk"])
    before = services.compiled_policy(draft)
    draft = services.update_draft(version=draft, actor=users["risk"], yaml_text=edited(draft.yaml))
    assert services.compiled_policy(draft) is not before

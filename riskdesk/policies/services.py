"""Every write of the policies app, and the compiled-policy cache.

A policy text is validated by the engine (shape and meaning) before anything is stored, and it
is stored in the engine's canonical form (``dump_policy``), so two versions that mean the same
read the same and a diff shows only real changes.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.engine import (
    CompiledPolicy,
    Policy,
    PolicyValidationError,
    compile_policy,
    dump_policy,
    load_policy,
)
from riskdesk.policies.choices import PolicyStatus
from riskdesk.policies.models import PolicyVersion

COMPILED_CACHE_SIZE = 32
NAME_MAX_LENGTH = PolicyVersion._meta.get_field("name").max_length

# --- validation and the compiled cache -----------------------------------------------------


def canonical_policy(text: str) -> tuple[Policy, str]:
    """The policy in ``text`` and its canonical YAML; raise ``PolicyValidationError``.

    Both the shape (``load_policy``) and the meaning (``compile_policy`` against the feature
    catalogue) are checked, so a stored version always compiles.
    """
    policy = load_policy(text)
    compile_policy(policy)
    return policy, dump_policy(policy)


class _CompiledCache:
    """Compiled policies per (version id, text hash): compiled once per process.

    The text hash is part of the key so an edited draft is never served stale, even when
    another process made the edit.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, str], CompiledPolicy] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: PolicyVersion) -> CompiledPolicy:
        key = (version.pk, hashlib.sha256(version.yaml.encode()).hexdigest())
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        compiled = compile_policy(load_policy(version.yaml))
        with self._lock:
            self._entries[key] = compiled
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return compiled

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_COMPILED = _CompiledCache(COMPILED_CACHE_SIZE)


def compiled_policy(version: PolicyVersion) -> CompiledPolicy:
    """The compiled form of ``version`` (cached per process)."""
    return _COMPILED.get(version)


def published_version() -> PolicyVersion | None:
    return PolicyVersion.objects.filter(status=PolicyStatus.PUBLISHED).first()


def require_published_version() -> PolicyVersion:
    version = published_version()
    if version is None:
        raise ValidationError(_("没有已发布的策略版本 / No policy version is published."))
    return version


# --- drafts ---------------------------------------------------------------------------------


def _next_number() -> int:
    return (PolicyVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _name_of(policy: Policy, fallback: str) -> str:
    return (policy.name or fallback or _("未命名策略"))[:NAME_MAX_LENGTH]


@transaction.atomic
def create_draft(
    *,
    actor,
    yaml_text: str | None = None,
    based_on: PolicyVersion | None = None,
    name: str = "",
    notes: str = "",
) -> PolicyVersion:
    """A new draft: from ``yaml_text`` (an upload), else a copy of ``based_on``, else of the
    published version. Invalid text raises the engine's ``PolicyValidationError``."""
    permissions.require(actor, "change_policy")
    if yaml_text is None:
        source = based_on or require_published_version()
        yaml_text = source.yaml
    policy, canonical = canonical_policy(yaml_text)
    version = PolicyVersion.objects.create(
        number=_next_number(),
        name=(name.strip() or _name_of(policy, ""))[:NAME_MAX_LENGTH],
        status=PolicyStatus.DRAFT,
        yaml=canonical,
        notes=notes,
        author=actor,
    )
    record_event(
        actor=actor,
        action=AuditAction.POLICY_DRAFT_CREATED,
        obj=version,
        after={"number": version.number, "name": version.name},
        extra={"based_on": based_on.number if based_on else None},
    )
    return version


def _locked(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().get(pk=version.pk)


def require_draft(version: PolicyVersion) -> None:
    if version.status != PolicyStatus.DRAFT:
        raise ValidationError(
            _("只能修改草稿；已发布或已归档的版本不可更改 / Only drafts can be changed.")
        )


@transaction.atomic
def update_draft(
    *, version: PolicyVersion, actor, yaml_text: str, notes: str | None = None
) -> PolicyVersion:
    """Replace a draft's text; invalid text raises ``PolicyValidationError`` and stores nothing."""
    permissions.require(actor, "change_policy")
    version = _locked(version)
    require_draft(version)
    policy, canonical = canonical_policy(yaml_text)
    before = version.yaml
    version.yaml = canonical
    version.name = _name_of(policy, version.name)
    if notes is not None:
        version.notes = notes
    version.save()
    record_event(
        actor=actor,
        action=AuditAction.POLICY_DRAFT_UPDATED,
        obj=version,
        extra={"diff": unified_diff(before, canonical, f"v{version.number}", f"v{version.number}")},
    )
    return version


# --- publishing -----------------------------------------------------------------------------


def _check_four_eyes(version: PolicyVersion, actor) -> None:
    if settings.POLICY_FOUR_EYES and version.author_id == actor.pk:
        raise PermissionDenied(
            _(
                "四眼原则：不能发布自己编写的策略 / "
                "Four-eyes rule: you cannot publish your own draft."
            )
        )


@transaction.atomic
def publish_version(*, version: PolicyVersion, actor) -> PolicyVersion:
    """Publish a draft; the version published until now is archived in the same transaction."""
    permissions.require(actor, "publish_policy")
    version = _locked(version)
    require_draft(version)
    _check_four_eyes(version, actor)
    try:
        canonical_policy(version.yaml)
    except PolicyValidationError as exc:
        raise ValidationError(
            _("策略无效，不能发布 / The policy is invalid and cannot be published.")
            + "\n"
            + str(exc)
        ) from exc
    previous = PolicyVersion.objects.select_for_update().filter(status=PolicyStatus.PUBLISHED)
    previous_numbers = list(previous.values_list("number", flat=True))
    previous.update(status=PolicyStatus.ARCHIVED, updated_at=timezone.now())
    version.status = PolicyStatus.PUBLISHED
    version.published_by = actor
    version.published_at = timezone.now()
    version.save()
    record_event(
        actor=actor,
        action=AuditAction.POLICY_PUBLISHED,
        obj=version,
        after={"number": version.number, "status": version.status},
        extra={"archived": previous_numbers},
    )
    return version


@transaction.atomic
def archive_version(*, version: PolicyVersion, actor) -> PolicyVersion:
    """Archive a draft. The published version is archived only by publishing another one, so
    there is always a policy to assess with."""
    permissions.require(actor, "publish_policy")
    version = _locked(version)
    if version.status == PolicyStatus.PUBLISHED:
        raise ValidationError(
            _(
                "已发布的版本不能直接归档，请先发布另一个版本 / "
                "Publish another version to retire the published one."
            )
        )
    require_draft(version)
    version.status = PolicyStatus.ARCHIVED
    version.save()
    record_event(
        actor=actor,
        action=AuditAction.POLICY_ARCHIVED,
        obj=version,
        after={"number": version.number, "status": version.status},
    )
    return version


# --- reading --------------------------------------------------------------------------------


def export_yaml(*, version: PolicyVersion, actor) -> str:
    """The canonical YAML of a version, with a header naming it (still valid YAML)."""
    permissions.require(actor, "view_policy")
    header = f"# riskdesk policy v{version.number} ({version.status}): {version.name}\n"
    return header + version.yaml


def export_filename(version: PolicyVersion) -> str:
    return f"riskdesk-policy-v{version.number}.yaml"


def unified_diff(before: str, after: str, before_label: str, after_label: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=before_label,
        tofile=after_label,
        n=3,
    )
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # header | hunk | added | removed | context
    text: str


def _kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "added", "-": "removed"}.get(line[:1], "context")


def diff_versions(*, old: PolicyVersion, new: PolicyVersion) -> list[DiffLine]:
    """A readable unified diff of two versions' canonical YAML (empty when they are equal)."""
    text = unified_diff(
        old.yaml, new.yaml, f"v{old.number} {old.name}", f"v{new.number} {new.name}"
    )
    return [DiffLine(kind=_kind(line), text=line.rstrip("\n")) for line in text.splitlines()]

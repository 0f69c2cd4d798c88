"""Rules as documents: the shape the API and the YAML files use, validated the one way.

A document is :func:`riskdesk.monitoring.services.rule_document`'s dict: plain values, users by
username. :func:`rule_from_document` turns one back into an unsaved rule (``full_clean`` is the
single validation path); :func:`import_rules` applies a whole file or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.models import User
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.monitoring import services
from riskdesk.monitoring.choices import RuleErrorCode
from riskdesk.monitoring.models import MonitoringRule

DOCUMENT_FIELDS = frozenset({*services.RULE_DOCUMENT_FIELDS, "recipient_users"})


def error_items(exc: ValidationError) -> dict[str, list[dict[str, str]]]:
    """``{field: [{"code", "message"}]}`` — the bilingual messages beside their codes."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": _items(exc.error_list)}
    return {name: _items(errors) for name, errors in exc.error_dict.items()}


def _items(errors) -> list[dict[str, str]]:
    items = []
    for error in errors:
        message = error.message % error.params if error.params else error.message
        items.append({"code": str(error.code or "invalid"), "message": str(message)})
    return items


def _named_users(usernames) -> list[User]:
    if usernames is None:
        return []
    if not isinstance(usernames, list) or not all(isinstance(u, str) for u in usernames):
        message = _("须为用户名列表 / Must be a list of usernames.")
        raise ValidationError(
            {"recipient_users": ValidationError(message, code=RuleErrorCode.INVALID_LIST)}
        )
    users = list(User.objects.filter(username__in=usernames, is_active=True))
    unknown = sorted(set(usernames) - {user.username for user in users})
    if unknown:
        message = _("未知的用户 / Unknown users: %s") % ", ".join(unknown)
        raise ValidationError(
            {"recipient_users": ValidationError(message, code=RuleErrorCode.UNKNOWN_USER)}
        )
    return users


def rule_from_document(
    data, *, rule: MonitoringRule | None = None, partial: bool = False
) -> tuple[MonitoringRule, list[User]]:
    """An unsaved, validated rule (``rule`` edited in place if given) and its named users."""
    if not isinstance(data, dict):
        raise ValidationError(
            _("规则须为键值对象 / A rule must be a mapping."), code=RuleErrorCode.INVALID_VALUE
        )
    unknown = sorted(set(data) - DOCUMENT_FIELDS)
    errors: dict[str, list] = {}
    if unknown:
        message = _("未知的字段 / Unknown fields: %s") % ", ".join(map(str, unknown))
        errors["non_field_errors"] = [ValidationError(message, code=RuleErrorCode.UNKNOWN_FIELD)]
    rule = rule or MonitoringRule()
    users: list[User] = []
    if not partial or "recipient_users" in data:
        try:
            users = _named_users(data.get("recipient_users"))
        except ValidationError as exc:
            errors.update(exc.error_dict)
    elif rule.pk is not None:
        users = list(rule.recipient_users.all())
    defaults = MonitoringRule()
    for name in services.RULE_DOCUMENT_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
        elif not partial:
            setattr(rule, name, getattr(defaults, name))
    try:
        rule.full_clean()
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return rule, users


# --- YAML -----------------------------------------------------------------------------------


def export_rules(*, actor) -> str:
    permissions.require(actor, "manage_monitoring")
    rules = MonitoringRule.objects.prefetch_related("recipient_users").order_by("name", "id")
    documents = [services.rule_document(rule) for rule in rules]
    return yaml.safe_dump(
        {"rules": documents}, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


class RuleImportError(Exception):
    """The file was refused as a whole; ``errors`` lists each bad rule's problems."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors
        super().__init__(_("监控规则导入失败 / Monitoring rule import failed"))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False


def _documents(text: str) -> list:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", "") or exc)
        raise RuleImportError(
            [{"rule": None, "errors": {"non_field_errors": [_yaml_error(problem)]}}]
        ) from None
    documents = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(documents, list):
        message = _("文件须包含 rules 列表 / The file must hold a list of rules.")
        raise RuleImportError([{"rule": None, "errors": {"non_field_errors": [_invalid(message)]}}])
    return documents


def _yaml_error(problem: str) -> dict[str, str]:
    return _invalid(_("YAML 格式错误 / Malformed YAML: %s") % problem)


def _invalid(message: str) -> dict[str, str]:
    return {"code": RuleErrorCode.INVALID_VALUE.value, "message": str(message)}


def _parse_all(documents: list) -> list[tuple[MonitoringRule, list[User]]]:
    existing = {rule.name: rule for rule in MonitoringRule.objects.all()}
    parsed, errors, seen = [], [], set()
    for index, document in enumerate(documents, start=1):
        name = document.get("name") if isinstance(document, dict) else None
        try:
            if name in seen:
                message = _("规则名称重复 / Duplicate rule name: %s") % name
                raise ValidationError(
                    {"name": ValidationError(message, code=RuleErrorCode.DUPLICATE_NAME)}
                )
            seen.add(name)
            parsed.append(rule_from_document(document, rule=existing.get(name)))
        except ValidationError as exc:
            errors.append({"rule": index, "name": name, "errors": error_items(exc)})
    if errors:
        raise RuleImportError(errors)
    return parsed


@transaction.atomic
def import_rules(*, text: str, actor, dry_run: bool = False) -> ImportReport:
    """Create or update (by name) every rule of the file, or none when any is invalid."""
    permissions.require(actor, "manage_monitoring")
    parsed = _parse_all(_documents(text))
    report = ImportReport(dry_run=dry_run)
    for rule, users in parsed:
        if rule.pk is None:
            report.created.append(rule.name)
        else:
            before = services.rule_document(MonitoringRule.objects.get(pk=rule.pk))
            if before == services.rule_document(rule, users):
                report.unchanged.append(rule.name)
                continue
            report.updated.append(rule.name)
        services.save_rule(rule=rule, actor=actor, recipient_users=users)
    record_event(
        actor=actor,
        action=AuditAction.MONITORING_RULES_IMPORTED,
        after={"created": report.created, "updated": report.updated, "dry_run": dry_run},
    )
    if dry_run:
        transaction.set_rollback(True)
    return report

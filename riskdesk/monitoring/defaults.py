"""A sensible starting set of monitoring rules (loaded by ``riskdesk demo``).

Stored as rule documents, so they pass the same validation as an import; a rule whose name
already exists is left as the users edited it.
"""

from __future__ import annotations

from django.db import transaction

from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.dossier.events import EVENT_TYPES, Dimension
from riskdesk.monitoring import rules_io, services
from riskdesk.monitoring.models import MonitoringRule

DOSSIER_EVENT_TYPES = [
    name for name, spec in EVENT_TYPES.items() if spec.dimension is not Dimension.INTERNAL
]
"""Every change found in a dossier (the internal events have rules of their own)."""

JUDICIAL = [
    "lawsuit.added",
    "enforcement.added",
    "dishonest.added",
    "consumption_restriction.added",
    "terminated_case.added",
    "sanctions.hit",
]

DEFAULT_RULES: list[dict] = [
    {
        "name": "司法高风险即时预警",
        "event_types": JUDICIAL,
        "min_severity": "high",
        "recipient_roles": ["risk_manager"],
        "notify_owner": True,
        "delivery_mode": "immediate",
    },
    {
        "name": "负面舆情关键词",
        "event_types": ["news.negative"],
        "include_keywords": ["破产", "重整", "失信", "逾期", "bankruptcy"],
        "exclude_keywords": ["辟谣"],
        "recipient_roles": ["risk_manager"],
        "notify_owner": True,
        "delivery_mode": "daily_digest",
        "digest_time": "21:00",
    },
    {
        "name": "中高风险事件每日汇总",
        "event_types": DOSSIER_EVENT_TYPES,
        "min_severity": "medium",
        "recipient_roles": ["risk_manager"],
        "notify_owner": True,
        "delivery_mode": "daily_digest",
        "digest_time": "21:00",
    },
    {
        "name": "评级变化通知负责人",
        "event_types": ["grade.changed", "score.dropped"],
        "notify_owner": True,
        "notify_owner_manager": True,
        "delivery_mode": "daily_digest",
        "digest_time": "21:00",
    },
    {
        "name": "订单信用冻结",
        "event_types": ["credit.hold"],
        "recipient_roles": ["credit_controller"],
        "notify_owner": True,
        "delivery_mode": "immediate",
    },
    {
        "name": "应收与额度提醒",
        "event_types": ["overdue.started", "utilisation.high", "limit.expiring"],
        "recipient_roles": ["credit_controller"],
        "notify_owner": True,
        "delivery_mode": "daily_digest",
        "digest_time": "09:00",
    },
    {
        "name": "失信与制裁自动冻结",
        "event_types": ["dishonest.added", "sanctions.hit", "serious_violation.added"],
        "min_severity": "critical",
        "recipient_roles": ["risk_manager"],
        "notify_owner": False,
        "delivery_mode": "immediate",
        "action_review_task": True,
        "action_credit_hold": True,
    },
]


@transaction.atomic
def ensure_default_rules() -> list[str]:
    """Create the default rules that do not exist yet (by name); returns the names created."""
    existing = set(MonitoringRule.objects.values_list("name", flat=True))
    created = []
    for document in DEFAULT_RULES:
        if document["name"] in existing:
            continue
        rule, users = rules_io.rule_from_document(document)
        rule.save()
        rule.recipient_users.set(users)
        record_event(
            actor=None,
            actor_name="system",
            action=AuditAction.MONITORING_RULE_CREATED,
            obj=rule,
            after=services.rule_document(rule, users),
        )
        created.append(rule.name)
    return created

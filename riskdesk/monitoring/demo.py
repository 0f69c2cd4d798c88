"""A monitoring rule for the demo, so that ``riskdesk monitoring digest --now`` has work to do."""

from __future__ import annotations

from riskdesk.accounts.choices import Role
from riskdesk.monitoring.choices import DeliveryMode
from riskdesk.monitoring.models import MonitoringRule

DEMO_RULE = "演示：中高风险事件汇总 / Demo: medium and higher"


def ensure_demo_rule() -> MonitoringRule:
    """Risk managers and each customer's owner get a daily digest of medium+ events (idempotent)."""
    rule, created = MonitoringRule.objects.get_or_create(
        name=DEMO_RULE,
        defaults={
            "min_severity": "medium",
            "recipient_roles": [Role.RISK_MANAGER.value],
            "notify_owner": True,
            "delivery_mode": DeliveryMode.DAILY_DIGEST,
        },
    )
    if created:
        rule.full_clean()
    return rule

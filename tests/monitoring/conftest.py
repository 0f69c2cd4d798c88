from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.intel.choices import SEVERITY_RANK
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring.models import MonitoringRule

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def make_event(db):
    counter = iter(range(1, 100_000))

    def make(customer, event_type: str = "lawsuit.added", *, text_zh: str = "", **fields):
        spec = EVENT_TYPES[event_type]
        severity = fields.pop("severity", spec.severity.value)
        return ChangeEvent.objects.create(
            customer=customer,
            type=event_type,
            dimension=spec.dimension.value,
            severity=severity,
            severity_rank=SEVERITY_RANK[severity],
            title_zh=spec.label_zh,
            title_en=spec.label_en,
            text_zh=text_zh,
            text_en=fields.pop("text_en", ""),
            as_of=AS_OF,
            dedup_key=f"test:{next(counter)}",
            **fields,
        )

    return make


@pytest.fixture
def make_rule(db):
    def make(name: str = "规则", *, recipient_users=(), **fields) -> MonitoringRule:
        fields.setdefault("notify_owner", False)
        rule = MonitoringRule(name=name, **fields)
        rule.full_clean()
        rule.save()
        rule.recipient_users.set(list(recipient_users))
        return rule

    return make

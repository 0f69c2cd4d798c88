"""Internal change events (内部): facts of our own data that monitoring rules watch.

``grade.changed`` and ``score.dropped`` follow a new assessment, ``credit.hold`` a held order
(both from ``post_save`` signals); ``limit.expiring``, ``overdue.started`` and
``utilisation.high`` come from a daily scan. Each is a :class:`ChangeEvent` without a source
snapshot, so it flows through the same matching as dossier events, and each carries a
deduplication key naming the fact, so re-running a scan or re-saving a row alerts nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from riskdesk.assessments.models import Assessment
from riskdesk.credit import services as credit
from riskdesk.credit.models import CreditCheck, CreditLimit
from riskdesk.customers.models import Customer, Invoice
from riskdesk.customers.services import business_today
from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.intel.choices import SEVERITY_RANK
from riskdesk.intel.models import ChangeEvent

logger = logging.getLogger("riskdesk.monitoring")

DEFAULT_SCORE_DROP = 10.0
DEFAULT_LIMIT_EXPIRY_DAYS = 30
DEFAULT_UTILISATION_PCT = 90
ASSESSMENT_LOOKBACK_DAYS = 2
"""The daily scan re-checks recent assessments: batch re-ratings are bulk inserts (no signal)."""


def score_drop_threshold() -> float:
    return float(getattr(settings, "ALERT_SCORE_DROP", DEFAULT_SCORE_DROP))


def limit_expiry_days() -> int:
    return int(getattr(settings, "ALERT_LIMIT_EXPIRY_DAYS", DEFAULT_LIMIT_EXPIRY_DAYS))


def utilisation_threshold_pct() -> Decimal:
    return Decimal(str(getattr(settings, "ALERT_UTILISATION_PCT", DEFAULT_UTILISATION_PCT)))


@dataclass(frozen=True, slots=True)
class InternalFact:
    """One internal event before it is stored."""

    customer_id: int
    type: str
    key: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    as_of: dt.date
    before: Any = None
    after: Any = None
    severity: str | None = None
    item_id: str = ""


def emit(fact: InternalFact) -> ChangeEvent | None:
    """Store the fact as a change event unless its key is known; returns the new event."""
    spec = EVENT_TYPES[fact.type]
    severity = fact.severity or spec.severity.value
    dedup_key = f"{fact.type}:{fact.key}"[:200]
    if ChangeEvent.objects.filter(customer_id=fact.customer_id, dedup_key=dedup_key).exists():
        return None
    try:
        with transaction.atomic():  # a concurrent scan may insert the same fact first
            return ChangeEvent.objects.create(
                customer_id=fact.customer_id,
                type=fact.type,
                dimension=spec.dimension.value,
                severity=severity,
                severity_rank=SEVERITY_RANK[severity],
                title_zh=fact.title_zh[:200],
                title_en=fact.title_en[:200],
                text_zh=fact.text_zh,
                text_en=fact.text_en,
                before=fact.before,
                after=fact.after,
                item_id=fact.item_id[:80],
                as_of=fact.as_of,
                dedup_key=dedup_key,
            )
    except IntegrityError:
        return None


# --- assessments ----------------------------------------------------------------------------


def _previous_assessment(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(customer_id=assessment.customer_id)
        .exclude(pk=assessment.pk)
        .filter(created_at__lte=assessment.created_at)
        .order_by("-created_at", "-id")
        .first()
    )


def _grade_rank(grade: str) -> tuple[int, str]:
    """Grades sort as letters (A best); longer forms (AA, A+) keep that order well enough."""
    return (len(grade), grade)


def grade_fact(assessment: Assessment, previous: Assessment) -> InternalFact | None:
    before, after = previous.grade, assessment.grade
    if not after or not before or before == after:
        return None
    worse = _grade_rank(after) > _grade_rank(before)
    return InternalFact(
        customer_id=assessment.customer_id,
        type="grade.changed",
        key=str(assessment.pk),
        title_zh=f"评级{'下调' if worse else '上调'}：{before} → {after}",
        title_en=f"Grade {'downgraded' if worse else 'upgraded'}: {before} → {after}",
        text_zh=f"最新评估（{assessment.as_of}）评级由 {before} 变为 {after}。",
        text_en=f"The latest assessment ({assessment.as_of}) moved the grade from {before} "
        f"to {after}.",
        as_of=assessment.as_of,
        before={"grade": before, "assessment": previous.pk},
        after={"grade": after, "assessment": assessment.pk},
        severity="high" if worse and after.startswith("D") else None,
        item_id=str(assessment.pk),
    )


def score_fact(assessment: Assessment, previous: Assessment) -> InternalFact | None:
    if assessment.score is None or previous.score is None:
        return None
    drop = previous.score - assessment.score
    if drop < score_drop_threshold():
        return None
    return InternalFact(
        customer_id=assessment.customer_id,
        type="score.dropped",
        key=str(assessment.pk),
        title_zh=f"评分下降 {drop:.1f} 分",
        title_en=f"Score dropped by {drop:.1f} points",
        text_zh=f"评分由 {previous.score:.1f} 降至 {assessment.score:.1f}。",
        text_en=f"The score fell from {previous.score:.1f} to {assessment.score:.1f}.",
        as_of=assessment.as_of,
        before={"score": previous.score, "assessment": previous.pk},
        after={"score": assessment.score, "assessment": assessment.pk, "drop": round(drop, 2)},
        item_id=str(assessment.pk),
    )


def emit_assessment_events(assessment: Assessment) -> list[ChangeEvent]:
    """``grade.changed`` / ``score.dropped`` against the customer's previous assessment."""
    previous = _previous_assessment(assessment)
    if previous is None:
        return []
    facts = [grade_fact(assessment, previous), score_fact(assessment, previous)]
    return [event for fact in facts if fact is not None and (event := emit(fact)) is not None]


# --- credit holds ---------------------------------------------------------------------------


def hold_fact(check: CreditCheck) -> InternalFact:
    reasons = "、".join(check.reasons) or "-"
    return InternalFact(
        customer_id=check.customer_id,
        type="credit.hold",
        key=str(check.pk),
        title_zh=f"订单 {check.order_reference} 信用冻结",
        title_en=f"Order {check.order_reference} on credit hold",
        text_zh=f"订单金额 {check.amount}，原因：{reasons}。",
        text_en=f"Order amount {check.amount}; reasons: {', '.join(check.reasons) or '-'}.",
        as_of=check.created_at.date() if check.created_at else business_today(),
        after={
            "order_reference": check.order_reference,
            "amount": str(check.amount),
            "reasons": list(check.reasons),
        },
        item_id=check.order_reference,
    )


# --- the daily scan -------------------------------------------------------------------------


def expiring_limit_facts(as_of: dt.date) -> list[InternalFact]:
    """Current limits that end within :func:`limit_expiry_days`."""
    horizon = as_of + dt.timedelta(days=limit_expiry_days())
    candidates = CreditLimit.objects.filter(
        valid_from__lte=as_of, valid_to__gte=as_of, valid_to__lte=horizon
    ).select_related("customer")
    facts = []
    for limit in candidates:
        current = credit.current_limit(limit.customer, on=as_of)
        if current is None or current.pk != limit.pk:
            continue
        days = (limit.valid_to - as_of).days
        facts.append(
            InternalFact(
                customer_id=limit.customer_id,
                type="limit.expiring",
                key=f"{limit.pk}:{limit.valid_to.isoformat()}",
                title_zh=f"信用额度将于 {limit.valid_to} 到期",
                title_en=f"Credit limit expires on {limit.valid_to}",
                text_zh=f"额度 {limit.amount} {limit.currency}，{days} 天后到期。",
                text_en=f"Limit {limit.amount} {limit.currency} expires in {days} days.",
                as_of=as_of,
                after={
                    "limit": limit.pk,
                    "amount": str(limit.amount),
                    "valid_to": limit.valid_to.isoformat(),
                },
                item_id=str(limit.pk),
            )
        )
    return facts


def overdue_facts(as_of: dt.date) -> list[InternalFact]:
    """One fact per overdue episode, named by the customer's oldest overdue invoice."""
    overdue = (
        Invoice.objects.filter(
            status__in=["open", "partial"], due_date__lt=as_of, amount__gt=F("paid_amount")
        )
        .order_by("customer_id", "due_date", "id")
        .values("id", "customer_id", "number", "due_date", "amount", "paid_amount")
    )
    first: dict[int, dict] = {}
    for row in overdue:
        first.setdefault(row["customer_id"], row)
    facts = []
    for customer_id, row in first.items():
        days = (as_of - row["due_date"]).days
        open_amount = row["amount"] - row["paid_amount"]
        facts.append(
            InternalFact(
                customer_id=customer_id,
                type="overdue.started",
                key=str(row["id"]),
                title_zh=f"发票 {row['number']} 逾期 {days} 天",
                title_en=f"Invoice {row['number']} overdue by {days} days",
                text_zh=f"到期日 {row['due_date']}，未收金额 {open_amount}。",
                text_en=f"Due on {row['due_date']}, {open_amount} still open.",
                as_of=as_of,
                after={
                    "invoice": row["number"],
                    "due_date": row["due_date"].isoformat(),
                    "open_amount": str(open_amount),
                },
                item_id=str(row["number"]),
            )
        )
    return facts


def utilisation_facts(as_of: dt.date) -> list[InternalFact]:
    """Customers whose exposure uses at least the threshold share of their current limit.

    Keyed by limit and month: a customer who stays above the line hears once a month.
    """
    threshold = utilisation_threshold_pct()
    customer_ids = (
        CreditLimit.objects.filter(valid_from__lte=as_of)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    facts = []
    for customer in Customer.objects.filter(pk__in=list(customer_ids)):
        exposure = credit.customer_exposure(customer, as_of=as_of)
        pct = exposure.utilisation_pct
        if pct is None or pct < threshold:
            continue
        limit = exposure.limit
        facts.append(
            InternalFact(
                customer_id=customer.pk,
                type="utilisation.high",
                key=f"{limit.pk}:{as_of:%Y-%m}",
                title_zh=f"额度占用 {pct}%",
                title_en=f"Credit utilisation {pct}%",
                text_zh=f"信用占用 {exposure.total}，额度 {limit.amount}（阈值 {threshold}%）。",
                text_en=f"Exposure {exposure.total} against a limit of {limit.amount} "
                f"(threshold {threshold}%).",
                as_of=as_of,
                after={"utilisation_pct": str(pct), "exposure": str(exposure.total)},
                severity="high" if pct >= 100 else None,
                item_id=str(limit.pk),
            )
        )
    return facts


def recent_assessments(as_of: dt.date) -> list[Assessment]:
    since = as_of - dt.timedelta(days=ASSESSMENT_LOOKBACK_DAYS)
    return list(Assessment.objects.filter(as_of__gte=since).order_by("customer_id", "created_at"))


@dataclass
class ScanReport:
    created: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def scan_internal_events(*, as_of: dt.date | None = None) -> ScanReport:
    """The daily scan: one failing check is logged and the others still run."""
    as_of = as_of or business_today()
    report = ScanReport()
    checks = {
        "limit.expiring": expiring_limit_facts,
        "overdue.started": overdue_facts,
        "utilisation.high": utilisation_facts,
    }
    for event_type, facts_for in checks.items():
        try:
            facts = facts_for(as_of)
        except Exception as exc:  # one broken check never stops the others
            logger.exception("internal event check %s failed", event_type)
            report.failures.append(f"{event_type}: {type(exc).__name__}: {exc}")
            continue
        report.created[event_type] = sum(1 for fact in facts if emit(fact) is not None)
    for assessment in recent_assessments(as_of):
        for event in emit_assessment_events(assessment):
            report.created[event.type] = report.created.get(event.type, 0) + 1
    return report

"""Periodic credit reviews (定期复评): who is due, and re-assessing them.

A customer is due when its grade's ``review_months`` (from the published policy) have passed
since its latest assessment, when its limit expires within ``review_expiry_days``, when its
limit has expired, or when it was never assessed. A review re-assesses the customer (trigger
``schedule``) and sends the proposed limit through ``apply_proposed_limit``.
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
from dataclasses import asdict, dataclass
from functools import reduce
from itertools import batched

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from riskdesk.accounts import permissions
from riskdesk.assessments import services as assessments
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.credit import services as credit
from riskdesk.credit.choices import RequestStatus, ReviewReason
from riskdesk.credit.models import CreditLimit, CreditSettings, LimitRequest
from riskdesk.customers.choices import CustomerStatus
from riskdesk.customers.models import Customer
from riskdesk.customers.services import business_today
from riskdesk.jobs import services as jobs
from riskdesk.policies import services as policies

logger = logging.getLogger("riskdesk.credit.reviews")
SYSTEM = credit.SYSTEM


@dataclass(frozen=True)
class DueReview:
    customer: Customer
    reasons: tuple[str, ...]
    due_date: dt.date
    last_grade: str
    last_assessed_at: dt.datetime | None
    limit_valid_to: dt.date | None

    def reason_labels(self) -> list[str]:
        return [str(ReviewReason(reason).label) for reason in self.reasons]


def review_months_by_grade() -> dict[str, int]:
    """``{grade: review_months}`` of the published policy (grades without a period left out)."""
    version = policies.published_version()
    if version is None:
        return {}
    grades = policies.compiled_policy(version).policy.grades
    return {grade.code: grade.review_months for grade in grades if grade.review_months}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _annotated(queryset: QuerySet, today: dt.date) -> QuerySet:
    latest = Assessment.objects.filter(customer=OuterRef("pk")).order_by("-created_at", "-id")
    limits = CreditLimit.objects.filter(customer=OuterRef("pk"))
    current = (
        limits.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-created_at", "-id")
    )
    return queryset.annotate(
        last_grade=Subquery(latest.values("grade")[:1]),
        last_assessed_at=Subquery(latest.values("created_at")[:1]),
        current_limit_id=Subquery(current.values("pk")[:1]),
        limit_valid_to=Subquery(current.values("valid_to")[:1]),
        had_limit=Exists(limits),
    )


@dataclass(frozen=True)
class ReviewWindow:
    """The day the review queue is computed for, the grades' periods and the expiry horizon."""

    today: dt.date
    months_by_grade: dict[str, int]
    horizon: dt.date

    @classmethod
    def on(cls, today: dt.date | None = None) -> ReviewWindow:
        today = today or business_today()
        days = CreditSettings.load().review_expiry_days
        return cls(today, review_months_by_grade(), today + dt.timedelta(days=days))

    def grade_due_before(self, months: int) -> dt.datetime:
        """Assessed before this moment, a grade reviewed every ``months`` is due today."""
        return _day_start(credit.add_months(self.today, -months) + dt.timedelta(days=1))


def _reason_filters(window: ReviewWindow) -> dict[str, Q]:
    """Each reason as a filter on the annotated customers, so the queue is filtered, counted
    and paginated in the database."""
    grade_due = Q(pk__in=[])
    for grade, months in window.months_by_grade.items():
        grade_due |= Q(last_grade=grade, last_assessed_at__lt=window.grade_due_before(months))
    return {
        ReviewReason.GRADE_REVIEW: grade_due,
        ReviewReason.LIMIT_EXPIRING: Q(limit_valid_to__lte=window.horizon),
        ReviewReason.LIMIT_EXPIRED: Q(had_limit=True, current_limit_id__isnull=True),
        ReviewReason.NOT_ASSESSED: Q(last_assessed_at__isnull=True),
    }


def review_row(customer, window: ReviewWindow) -> DueReview:
    """One row of the queue for a customer from :func:`due_customers`."""
    reasons, dates = [], []
    assessed_at = customer.last_assessed_at
    months = window.months_by_grade.get(customer.last_grade or "")
    if assessed_at is None:
        reasons.append(ReviewReason.NOT_ASSESSED)
        dates.append(window.today)
    elif months:
        due = credit.add_months(timezone.localdate(assessed_at), months)
        if due <= window.today:
            reasons.append(ReviewReason.GRADE_REVIEW)
            dates.append(due)
    valid_to = customer.limit_valid_to
    if valid_to is not None and valid_to <= window.horizon:
        reasons.append(ReviewReason.LIMIT_EXPIRING)
        dates.append(valid_to)
    if customer.had_limit and customer.current_limit_id is None:
        reasons.append(ReviewReason.LIMIT_EXPIRED)
        dates.append(window.today)
    return DueReview(
        customer=customer,
        reasons=tuple(str(reason) for reason in reasons),
        due_date=min(dates, default=window.today),
        last_grade=customer.last_grade or "",
        last_assessed_at=assessed_at,
        limit_valid_to=valid_to,
    )


def _scope(actor) -> QuerySet:
    customers = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    if actor is SYSTEM:
        return customers
    return permissions.restrict(customers, actor, "view_credit")


def due_customers(
    *,
    actor,
    window: ReviewWindow,
    reason: str = "",
    grade: str = "",
    owner_id: int | None = None,
    query: str = "",
) -> QuerySet[Customer]:
    """The active customers ``actor`` may see that are due for review: never or longest ago
    assessed first, then by limit expiry."""
    filters = _reason_filters(window)
    terms = [filters[reason]] if reason in filters else list(filters.values())
    customers = _annotated(_scope(actor), window.today).filter(reduce(operator.or_, terms))
    if grade:
        customers = customers.filter(last_grade=grade)
    if owner_id:
        customers = customers.filter(owner_id=owner_id)
    if query.strip():
        text = query.strip()
        customers = customers.filter(Q(name__icontains=text) | Q(uscc=text.upper()))
    return customers.select_related("owner").order_by(
        F("last_assessed_at").asc(nulls_first=True),
        F("limit_valid_to").asc(nulls_last=True),
        "name",
        "pk",
    )


def due_reviews(*, actor, today: dt.date | None = None, **filters) -> list[DueReview]:
    """All rows of the queue (see :func:`due_customers` for the filters)."""
    window = ReviewWindow.on(today)
    return [
        review_row(customer, window)
        for customer in due_customers(actor=actor, window=window, **filters)
    ]


@dataclass(frozen=True)
class ReviewResult:
    assessment: Assessment
    outcome: CreditLimit | LimitRequest | None

    @property
    def granted(self) -> CreditLimit | None:
        return self.outcome if isinstance(self.outcome, CreditLimit) else None

    @property
    def request(self) -> LimitRequest | None:
        return self.outcome if isinstance(self.outcome, LimitRequest) else None


@transaction.atomic
def reassess_customer(*, customer: Customer, actor) -> ReviewResult:
    """Re-assess one customer now and let its proposed limit go through the usual bounds."""
    if actor is not SYSTEM:
        permissions.require(actor, "assess", customer)
    assessment = assessments.assess_customer(
        customer=customer, actor=actor, trigger=Trigger.SCHEDULE
    )
    # assess_customer has applied the proposal if it changes the limit; this only reports it.
    outcome = (
        CreditLimit.objects.filter(assessment=assessment).first()
        or LimitRequest.objects.filter(assessment=assessment).first()
    )
    return ReviewResult(assessment=assessment, outcome=outcome)


@dataclass
class ReviewRunSummary:
    due: int = 0
    assessed: int = 0
    granted: int = 0
    requested: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def count(self, result: ReviewResult) -> None:
        self.assessed += 1
        self.granted += result.granted is not None
        self.requested += result.request is not None


def _waiting_for_a_decision(customer_ids: list[int]) -> set[int]:
    """Customers with a pending limit request: re-assessing them would only open another."""
    pending = LimitRequest.objects.filter(
        customer_id__in=customer_ids, status=RequestStatus.PENDING
    )
    return set(pending.values_list("customer_id", flat=True))


def _review_one(summary: ReviewRunSummary, customer: Customer) -> None:
    try:
        summary.count(reassess_customer(customer=customer, actor=SYSTEM))
    except Exception:  # one customer's failure never stops the others
        logger.exception("periodic review of customer %s failed", customer.pk)
        summary.failed += 1


def run_due_reviews(*, today: dt.date | None = None, chunk_size: int = 200) -> ReviewRunSummary:
    """The scheduled review: re-assess every due customer, chunk by chunk, with a Job to follow."""
    window = ReviewWindow.on(today)
    due_ids = list(due_customers(actor=SYSTEM, window=window).values_list("pk", flat=True))
    summary = ReviewRunSummary(due=len(due_ids))
    job = jobs.start_job(
        kind="credit_review", title="定期复评 / Periodic credit review", total=len(due_ids)
    )
    for done, chunk in enumerate(batched(due_ids, chunk_size), start=1):
        waiting = _waiting_for_a_decision(list(chunk))
        summary.skipped += len(waiting)
        customers = Customer.objects.in_bulk([pk for pk in chunk if pk not in waiting])
        for customer in customers.values():
            _review_one(summary, customer)
        jobs.report_progress(job_id=job.pk, done=min(done * chunk_size, len(due_ids)))
    jobs.finish_job(job_id=job.pk, result=summary.as_dict())
    return summary

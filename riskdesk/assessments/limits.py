"""The proposed limit of a re-assessment goes to the credit app: a grant or a limit request.

Onboarding applies its own assessment's limit when a case is admitted; a re-assessment (manual,
event, schedule or batch) applies it here, and only where it would change something: the
customer is active, the policy proposes a limit, it differs from the current limit and no
pending request already asks for that amount. A nightly batch therefore touches only the
customers whose limit moves, and each grant or request is still made (and audited) by
``credit.services.apply_proposed_limit`` one customer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError
from django.db.models import Q

from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.assessments.services import failure
from riskdesk.credit import services as credit
from riskdesk.credit.choices import RequestStatus
from riskdesk.credit.models import CreditLimit, LimitRequest
from riskdesk.customers.choices import CustomerStatus
from riskdesk.customers.models import Customer
from riskdesk.customers.services import business_today

REASSESSMENT_TRIGGERS = frozenset({Trigger.MANUAL, Trigger.EVENT, Trigger.SCHEDULE, Trigger.BATCH})


@dataclass
class LimitOutcome:
    granted: int = 0
    requested: int = 0
    failures: list[dict] = field(default_factory=list)


def current_limit_amounts(customer_ids: Sequence[int]) -> dict[int, Decimal]:
    """The amount of each customer's current limit (``credit.current_limit``, set-based)."""
    today = business_today()
    rows = (
        CreditLimit.objects.filter(customer_id__in=list(customer_ids), valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("customer_id", "-created_at", "-id")
        .values_list("customer_id", "amount")
    )
    amounts: dict[int, Decimal] = {}
    for customer_id, amount in rows:
        amounts.setdefault(customer_id, amount)
    return amounts


def limit_changes(assessments: Sequence[Assessment]) -> list[Assessment]:
    """The re-assessments whose proposed limit would change their customer's limit."""
    proposing = [
        a
        for a in assessments
        if a.trigger in REASSESSMENT_TRIGGERS
        and a.proposed_limit is not None
        and a.proposed_limit >= 0
    ]
    if not proposing:
        return []
    ids = [a.customer_id for a in proposing]
    active = set(
        Customer.objects.filter(pk__in=ids, status=CustomerStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    current = current_limit_amounts(ids)
    pending = set(
        LimitRequest.objects.filter(customer_id__in=ids, status=RequestStatus.PENDING).values_list(
            "customer_id", "amount"
        )
    )
    return [
        a
        for a in proposing
        if a.customer_id in active
        and current.get(a.customer_id) != a.proposed_limit
        and (a.customer_id, a.proposed_limit) not in pending
    ]


def apply_limit_change(*, assessment: Assessment, actor) -> CreditLimit | LimitRequest | None:
    """One re-assessment's proposal, if it changes the limit; errors propagate."""
    for changed in limit_changes([assessment]):
        return credit.apply_proposed_limit(assessment=changed, actor=actor)
    return None


def apply_limit_changes(*, assessments: Sequence[Assessment], actor) -> LimitOutcome:
    """Apply each changed proposal; one customer's failure is recorded and the others go on.

    Database errors are not a customer's fault and propagate (the caller's transaction fails
    and the work can be resumed).
    """
    outcome = LimitOutcome()
    for assessment in limit_changes(assessments):
        try:
            result = credit.apply_proposed_limit(assessment=assessment, actor=actor)
        except DatabaseError:
            raise
        except Exception as exc:  # one customer's bad data never stops the others
            outcome.failures.append(failure(assessment.customer_id, "limit", exc))
            continue
        if isinstance(result, CreditLimit):
            outcome.granted += 1
        elif isinstance(result, LimitRequest):
            outcome.requested += 1
    return outcome

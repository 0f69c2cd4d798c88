"""The proposed limit of a re-assessment goes to the credit app: a grant or a limit request.

Onboarding applies its own assessment's limit when a case is admitted; a re-assessment (manual,
event, schedule or batch) applies it here, and only where it would change something: the
customer is active, the policy proposes a limit, it differs from the current limit and no
pending request already asks for that amount. A nightly batch therefore touches only the
customers whose limit moves, and each grant or request is still made (and audited) by
``credit.services.apply_proposed_limit`` one customer at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError

from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment, BatchRun
from riskdesk.assessments.queries import ids_subquery
from riskdesk.assessments.services import SYSTEM, failure
from riskdesk.credit import services as credit
from riskdesk.credit.models import CreditLimit, LimitRequest
from riskdesk.customers.choices import CustomerStatus
from riskdesk.customers.models import Customer

REASSESSMENT_TRIGGERS = frozenset({Trigger.MANUAL, Trigger.EVENT, Trigger.SCHEDULE, Trigger.BATCH})


@dataclass
class LimitOutcome:
    granted: int = 0
    requested: int = 0
    failures: list[dict] = field(default_factory=list)


def changed_limits(proposals: Mapping[int, Decimal | None]) -> set[int]:
    """The active customers (of ``{customer id: proposed limit}``) whose limit the proposal
    changes."""
    proposing = {
        pk: amount for pk, amount in proposals.items() if amount is not None and amount >= 0
    }
    if not proposing:
        return set()
    active = set(
        Customer.objects.filter(
            pk__in=ids_subquery(proposing), status=CustomerStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    return credit.limits_changed_by({pk: proposing[pk] for pk in active})


def apply_limit_change(*, assessment: Assessment, actor) -> CreditLimit | LimitRequest | None:
    """One re-assessment's proposal, if it changes the limit; errors propagate."""
    if assessment.trigger not in REASSESSMENT_TRIGGERS:
        return None
    if assessment.customer_id not in changed_limits(
        {assessment.customer_id: assessment.proposed_limit}
    ):
        return None
    return credit.apply_proposed_limit(assessment=assessment, actor=actor)


def apply_batch_limits(*, batch: BatchRun, proposals: Mapping[int, Decimal | None]) -> LimitOutcome:
    """Apply the changed proposals of a batch chunk's assessments, one customer at a time; a
    customer's failure is recorded and the others go on.

    Database errors are not a customer's fault and propagate (the chunk's transaction fails
    and a re-run resumes it).
    """
    outcome = LimitOutcome()
    changed = changed_limits(proposals) if batch.trigger in REASSESSMENT_TRIGGERS else set()
    if not changed:
        return outcome
    actor = batch.actor or SYSTEM
    assessments = (
        Assessment.objects.filter(batch_run=batch, customer_id__in=ids_subquery(changed))
        .defer("features", "trace")
        .order_by("customer_id")
    )
    for assessment in assessments:
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

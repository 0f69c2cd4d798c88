"""A re-assessment's proposed limit goes to the credit app, once, and only when it changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from riskdesk.assessments import services
from riskdesk.assessments.choices import Trigger
from riskdesk.audit.models import AuditEvent
from riskdesk.credit import services as credit
from riskdesk.credit.choices import LimitSource, RequestStatus
from riskdesk.credit.models import CreditLimit, CreditSettings, LimitRequest
from riskdesk.customers.choices import CustomerStatus
from tests.assessments.conftest import AS_OF

GRANTED = 4  # portfolio[4] is graded C with a proposal of 20,000 (within the auto bounds)
REQUESTED = 2  # portfolio[2] is graded S with a proposal of 50,000,000 (above them)


def assess(customer, actor, **kwargs):
    return services.assess_customer(customer=customer, actor=actor, as_of=AS_OF, **kwargs)


@pytest.mark.parametrize("trigger", [Trigger.MANUAL, Trigger.EVENT, Trigger.SCHEDULE])
def test_a_reassessment_grants_its_proposal_within_the_auto_bounds(portfolio, users, trigger):
    assessment = assess(portfolio[GRANTED], users["risk"], trigger=trigger)

    limit = credit.current_limit(portfolio[GRANTED])
    assert limit.amount == assessment.proposed_limit == Decimal("20000")
    assert limit.assessment == assessment and limit.source == LimitSource.POLICY
    assert AuditEvent.objects.filter(action="credit_limit_granted").count() == 1


def test_a_proposal_above_the_bounds_opens_one_request(portfolio, users):
    first = assess(portfolio[REQUESTED], users["risk"])
    assess(portfolio[REQUESTED], users["risk"])  # the same proposal is already pending

    request = LimitRequest.objects.get()
    assert request.assessment == first and request.amount == first.proposed_limit
    assert request.status == RequestStatus.PENDING and request.requested_by == users["risk"]
    assert credit.current_limit(portfolio[REQUESTED]) is None


def test_an_unchanged_proposal_changes_nothing(portfolio, users):
    assess(portfolio[GRANTED], users["risk"])
    assess(portfolio[GRANTED], users["credit"])
    assert CreditLimit.objects.count() == 1


def test_a_changed_proposal_is_applied_again(portfolio, users):
    assess(portfolio[GRANTED], users["risk"])
    CreditSettings.objects.filter(pk=1).update(max_auto_increase_pct=0)
    CreditLimit.objects.filter(customer=portfolio[GRANTED]).update(amount=Decimal("19000"))

    assessment = assess(portfolio[GRANTED], users["risk"])
    request = LimitRequest.objects.get()  # +5 % is beyond a 0 % auto increase
    assert request.assessment == assessment and request.amount == Decimal("20000")


@pytest.mark.parametrize("status", [CustomerStatus.PROSPECT, CustomerStatus.SUSPENDED])
def test_only_active_customers_get_a_limit(portfolio, users, status):
    portfolio[GRANTED].status = status
    portfolio[GRANTED].save(update_fields=["status"])
    assess(portfolio[GRANTED], users["risk"])
    assert not CreditLimit.objects.exists() and not LimitRequest.objects.exists()


def test_the_onboarding_assessment_is_left_to_onboarding(portfolio, users):
    assess(portfolio[GRANTED], users["risk"], trigger=Trigger.ONBOARDING)
    assert not CreditLimit.objects.exists()


def test_batch_applies_each_changed_proposal_once(portfolio, users):
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True, chunk_size=3)

    granted = CreditLimit.objects.filter(assessment__batch_run=batch)
    assert granted.count() == batch.limits_granted == 6  # every active customer but the S one
    assert LimitRequest.objects.get().assessment.customer == portfolio[REQUESTED]
    assert batch.limits_requested == 1
    assert (
        "6" in batch.job.message
        and AuditEvent.objects.filter(action="credit_limit_granted").count() == 6
    )

    again = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)
    assert again.pk != batch.pk and again.limits_granted == again.limits_requested == 0
    assert CreditLimit.objects.count() == 6 and LimitRequest.objects.count() == 1


def test_batch_records_a_failed_limit_and_goes_on(portfolio, users, monkeypatch):
    real = credit.apply_proposed_limit

    def refuse_one(*, assessment, actor):
        if assessment.customer_id == portfolio[GRANTED].pk:
            raise ValidationError("额度超出范围 / amount out of range")
        return real(assessment=assessment, actor=actor)

    monkeypatch.setattr(credit, "apply_proposed_limit", refuse_one)
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)

    assert batch.done == 7 and batch.limits_granted == 5
    assert services.batch_failures(batch) == [
        {
            "customer_id": portfolio[GRANTED].pk,
            "stage": "limit",
            "error": "额度超出范围 / amount out of range",
        }
    ]
    assert credit.current_limit(portfolio[GRANTED]) is None

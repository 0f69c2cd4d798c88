from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from riskdesk.assessments.choices import Trigger
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.models import AuditEvent
from riskdesk.credit.models import CreditLimit, LimitRequest
from riskdesk.customers.choices import CustomerStatus
from riskdesk.intel import services as intel
from riskdesk.onboarding.choices import CaseStatus
from riskdesk.onboarding.models import AdmissionCase
from riskdesk.onboarding.services import decide_admission, start_admission

pytestmark = pytest.mark.django_db


def _limit_applied(customer) -> bool:
    return (
        CreditLimit.objects.filter(customer=customer).exists()
        or LimitRequest.objects.filter(customer=customer).exists()
    )


def _actions(customer) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(customer.pk)).values_list("action", flat=True)
    )


def test_pass_activates_the_customer_with_its_limit(users, outcome_uscc):
    case = start_admission(actor=users["sales"], uscc=outcome_uscc("pass"))
    customer = case.customer
    customer.refresh_from_db()
    assert case.status == CaseStatus.PASS and case.outcome == "pass" and case.reasons == []
    assert customer.status == CustomerStatus.ACTIVE and customer.owner == users["sales"]
    assert case.assessment.trigger == Trigger.ONBOARDING and case.assessment.grade
    assert _limit_applied(customer)
    assert {AuditAction.CUSTOMER_CREATED, AuditAction.ASSESSMENT_CREATED} <= set(_actions(customer))
    assert AuditAction.ADMISSION_STARTED in _actions(customer)


def test_reject_is_recorded_with_reasons_and_stays_a_prospect(users, outcome_uscc):
    case = start_admission(actor=users["sales"], uscc=outcome_uscc("reject"))
    case.customer.refresh_from_db()
    assert case.status == CaseStatus.REJECT
    assert case.reasons and all(r["code"] and r["reason"] for r in case.reasons)
    assert case.customer.status == CustomerStatus.PROSPECT
    assert not _limit_applied(case.customer)
    with pytest.raises(ValidationError):
        decide_admission(case=case, actor=users["risk"], approve=True, reason="ok")


def test_review_waits_for_a_risk_manager_who_approves(users, outcome_uscc):
    case = start_admission(actor=users["sales"], uscc=outcome_uscc("review"))
    assert case.status == CaseStatus.REVIEW and case.reasons
    assert case.customer.status == CustomerStatus.PROSPECT
    assert not _limit_applied(case.customer)
    decided = decide_admission(case=case, actor=users["risk"], approve=True, reason="已核实")
    decided.customer.refresh_from_db()
    assert decided.status == CaseStatus.APPROVED and decided.decided_by == users["risk"]
    assert decided.decision_reason == "已核实" and decided.decided_at is not None
    assert decided.customer.status == CustomerStatus.ACTIVE
    assert _limit_applied(decided.customer)
    assert AuditAction.ADMISSION_DECIDED in _actions(decided.customer)


def test_review_rejected_by_risk_manager(users, outcome_uscc):
    case = start_admission(actor=users["sales"], uscc=outcome_uscc("review"))
    decided = decide_admission(case=case, actor=users["risk"], approve=False, reason="风险过高")
    decided.customer.refresh_from_db()
    assert decided.status == CaseStatus.REJECTED
    assert decided.customer.status == CustomerStatus.PROSPECT


def test_only_risk_managers_decide_never_their_own_and_with_a_reason(users, outcome_uscc):
    case = start_admission(actor=users["sales"], uscc=outcome_uscc("review"))
    for role in ("sales", "credit", "auditor"):
        with pytest.raises(PermissionDenied):
            decide_admission(case=case, actor=users[role], approve=True, reason="x")
    with pytest.raises(ValidationError):
        decide_admission(case=case, actor=users["risk"], approve=True, reason="  ")
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEW
    own = start_admission(actor=users["risk"], uscc=outcome_uscc("review", 1))
    with pytest.raises(PermissionDenied):
        decide_admission(case=own, actor=users["risk"], approve=True, reason="mine")
    assert decide_admission(case=own, actor=users["admin"], approve=True, reason="ok").status == (
        CaseStatus.APPROVED
    )


def test_starting_twice_returns_the_open_case(users, outcome_uscc):
    first = start_admission(actor=users["sales"], uscc=outcome_uscc("review"))
    again = start_admission(actor=users["sales"], uscc=outcome_uscc("review"))
    assert again.pk == first.pk
    assert AdmissionCase.objects.count() == 1
    assert first.customer.assessments.count() == 1


def test_an_admitted_customer_is_not_admitted_again(users, outcome_uscc):
    start_admission(actor=users["sales"], uscc=outcome_uscc("pass"))
    with pytest.raises(ValidationError):
        start_admission(actor=users["sales"], uscc=outcome_uscc("pass"))


def test_who_may_start(users, outcome_uscc):
    for role in ("auditor", "credit", "nobody"):
        with pytest.raises(PermissionDenied):
            start_admission(actor=users[role], uscc=outcome_uscc("pass"))
    with pytest.raises(PermissionDenied):
        start_admission(actor=users["sales"], uscc=outcome_uscc("pass"), owner=users["teammate"])
    case = start_admission(actor=users["risk"], uscc=outcome_uscc("pass"), owner=users["sales"])
    assert case.customer.owner == users["sales"]


def test_start_by_name_needs_one_matching_company(users):
    name = intel.search_prospects(query="宏达", actor=users["sales"])[0].name
    exact = [c for c in intel.search_prospects(query=name, actor=users["sales"]) if c.name == name]
    case = start_admission(actor=users["sales"], name=name)
    assert (case.customer.name, case.customer.uscc) == (name, exact[0].uscc)
    with pytest.raises(ValidationError):
        start_admission(actor=users["sales"], name="宏达")
    with pytest.raises(ValidationError):
        start_admission(actor=users["sales"])

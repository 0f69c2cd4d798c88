"""Admission of new customers (新建准入): find the company, fetch its dossier (with sanctions
screening), assess it with the published policy and record the outcome.

The provider calls happen before the case's transaction (they may be slow HTTP); the
assessment, the case and its consequences (activation, credit limit) are written in one
transaction under a lock on the customer, so starting twice never opens two cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.assessments import services as assessments
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.credit import services as credit
from riskdesk.customers import services as customer_services
from riskdesk.customers.choices import CustomerStatus
from riskdesk.customers.models import Customer
from riskdesk.intel import services as intel
from riskdesk.intel.models import DossierSnapshot
from riskdesk.onboarding.choices import CaseStatus
from riskdesk.onboarding.models import AdmissionCase
from riskdesk.policies import services as policies


def start_admission(
    *,
    actor,
    uscc: str | None = None,
    name: str | None = None,
    owner=None,
    as_of: dt.date | None = None,
) -> AdmissionCase:
    """Admit a company found by USCC or name; the open case when one is already waiting."""
    permissions.require(actor, "onboard")
    if owner is not None and owner != actor and not actor.has_role(Role.ADMIN, Role.RISK_MANAGER):
        raise PermissionDenied(_("只有风险经理可以指定客户经理 / Only managers assign owners."))
    uscc, name = _identify(actor=actor, uscc=uscc, name=name, as_of=as_of)
    customer = intel.create_prospect(actor=actor, uscc=uscc, name=name, as_of=as_of)
    waiting = open_case(customer)
    if waiting is not None:
        return waiting
    if owner is not None and customer.owner_id != owner.pk:
        customer = customer_services.update_customer(
            customer=customer, actor=actor, owner=owner, team=owner.team
        )
    intel.refresh_dossier(customer=customer, actor=actor, as_of=as_of)
    return _assess_and_record(customer_id=customer.pk, actor=actor, as_of=as_of)


def open_case(customer: Customer) -> AdmissionCase | None:
    return AdmissionCase.objects.filter(customer=customer, status=CaseStatus.REVIEW).first()


def _identify(*, actor, uscc: str | None, name: str | None, as_of) -> tuple[str, str]:
    """The USCC and name to register: a USCC as given, a name resolved to one candidate."""
    uscc, name = (uscc or "").strip(), (name or "").strip()
    if not uscc and not name:
        raise ValidationError(_("请提供统一社会信用代码或企业名称 / Give a USCC or a name."))
    candidates = intel.search_prospects(query=uscc or name, actor=actor, as_of=as_of)
    if uscc:
        match = next((c for c in candidates if c.uscc == uscc.upper()), None)
        return uscc, name or (match.name if match else "")
    exact = [c for c in candidates if c.name == name]
    found = exact if exact else candidates
    if len(found) != 1:
        listed = "; ".join(f"{c.name} {c.uscc}" for c in found)
        raise ValidationError(
            {
                "name": _(
                    "未找到唯一匹配的企业，请使用统一社会信用代码 / "
                    "No single company matches; use the USCC: %s"
                )
                % (listed or "—")
            }
        )
    return found[0].uscc, found[0].name


@transaction.atomic
def _assess_and_record(*, customer_id: int, actor, as_of) -> AdmissionCase:
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    waiting = open_case(customer)
    if waiting is not None:
        return waiting
    if customer.status != CustomerStatus.PROSPECT:
        raise ValidationError(
            _("该企业已是%(status)s客户，无需准入 / This company is already %(status)s.")
            % {"status": customer.get_status_display()}
        )
    assessment = assessments.assess_customer(
        customer=customer, actor=actor, trigger=Trigger.ONBOARDING, as_of=as_of
    )
    outcome = assessment.outputs["admission"]
    case = AdmissionCase.objects.create(
        customer=customer,
        status=outcome,
        outcome=outcome,
        reasons=admission_reasons(assessment),
        assessment=assessment,
        requested_by=actor,
    )
    record_event(
        actor=actor,
        action=AuditAction.ADMISSION_STARTED,
        obj=customer,
        after={
            "case": case.pk,
            "outcome": outcome,
            "reasons": [reason["code"] for reason in case.reasons],
            "sanctions_hit": assessment.features.get("sanctions_hit"),
            "assessment": assessment.pk,
            "grade": assessment.grade,
        },
    )
    if outcome == CaseStatus.PASS:
        _activate(case=case, actor=actor)
    return case


def admission_reasons(assessment: Assessment) -> list[dict[str, str]]:
    """The failed admission checks with their bilingual text from the assessing policy."""
    checks = {
        check.id: check
        for check in policies.compiled_policy(assessment.policy_version).policy.admission
    }
    reasons = []
    for code in assessment.outputs.get("admission_reasons") or []:
        check = checks.get(code)
        reasons.append(
            {
                "code": code,
                "reason": check.reason if check else code,
                "reason_en": (check.reason_en or "") if check else "",
            }
        )
    return reasons


def _activate(*, case: AdmissionCase, actor) -> None:
    """The admitted prospect becomes an active customer with the policy's limit."""
    customer_services.update_customer(
        customer=case.customer, actor=actor, status=CustomerStatus.ACTIVE
    )
    credit.apply_proposed_limit(assessment=case.assessment, actor=actor)


@transaction.atomic
def decide_admission(*, case: AdmissionCase, actor, approve: bool, reason: str) -> AdmissionCase:
    """A risk manager approves or rejects a case waiting for review, with a reason."""
    permissions.require(actor, "decide_admission")
    case = AdmissionCase.objects.select_for_update().select_related("customer").get(pk=case.pk)
    if case.status != CaseStatus.REVIEW:
        raise ValidationError(_("该准入案例已处理 / This case has already been decided."))
    if actor.pk in (case.requested_by_id, case.customer.owner_id):
        raise PermissionDenied(_("不能审批自己的准入案例 / Nobody decides their own case."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写理由 / A reason is required.")})
    before = {"status": case.status}
    case.status = CaseStatus.APPROVED if approve else CaseStatus.REJECTED
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.decision_reason = reason
    case.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(
        actor=actor,
        action=AuditAction.ADMISSION_DECIDED,
        obj=case.customer,
        before=before,
        after={"case": case.pk, "status": case.status, "reason": reason},
    )
    if approve:
        _activate(case=case, actor=actor)
    return case


def case_summary(case: AdmissionCase) -> dict:
    """What the API and the CLI answer about a case."""
    assessment = case.assessment
    limit = assessment.proposed_limit
    return {
        "case_id": case.pk,
        "status": case.status,
        "outcome": case.outcome,
        "reasons": case.reasons,
        "customer_id": case.customer_id,
        "customer": case.customer.name,
        "uscc": case.customer.uscc,
        "grade": assessment.grade or None,
        "proposed_limit": str(limit) if limit is not None else None,
        "decided_by": str(case.decided_by) if case.decided_by else None,
        "decision_reason": case.decision_reason,
    }


@dataclass(frozen=True)
class AdmissionSteps:
    """What each step of an admission found, for the wizard's step list."""

    snapshot: DossierSnapshot | None
    sanctions_hit: bool
    dishonest_debtor_count: int
    checks_total: int
    checks_failed: int
    grade: str
    score: float | None
    proposed_limit: object
    limit: object


def admission_steps(case: AdmissionCase) -> AdmissionSteps:
    assessment = case.assessment
    features = assessment.features
    checks = policies.compiled_policy(assessment.policy_version).policy.admission
    return AdmissionSteps(
        snapshot=DossierSnapshot.objects.current_for(case.customer_id),
        sanctions_hit=bool(features.get("sanctions_hit")),
        dishonest_debtor_count=int(features.get("dishonest_debtor_count") or 0),
        checks_total=len(checks),
        checks_failed=len(case.reasons),
        grade=assessment.grade,
        score=assessment.score,
        proposed_limit=assessment.proposed_limit,
        limit=credit.current_limit(case.customer),
    )

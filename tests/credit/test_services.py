from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from riskdesk.assessments.models import Assessment
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.models import AuditEvent
from riskdesk.credit import services
from riskdesk.credit.choices import CheckStatus, LimitSource, RequestKind, RequestStatus
from riskdesk.credit.models import CreditCheck, CreditLimit, CreditSettings, LimitRequest
from riskdesk.customers.models import Order
from riskdesk.customers.services import business_today
from riskdesk.policies import services as policies

pytestmark = pytest.mark.django_db


def _assessment(customer, *, limit: str | None, grade: str = "B", list_: str = "") -> Assessment:
    outputs = {"admission": "pass", "grade": grade, "list": list_ or None, "limit": limit}
    outputs |= {"currency": "CNY", "valid_months": 12}
    return Assessment.objects.create(
        customer=customer,
        policy_version=policies.require_published_version(),
        as_of=business_today(),
        features={},
        outputs=outputs,
        trigger="manual",
        admission="pass",
        grade=grade,
        list=list_,
        proposed_limit=None if limit is None else Decimal(limit),
    )


def _request(customer, actor, amount="300000", **extra) -> LimitRequest:
    return services.request_limit_change(
        customer=customer,
        kind=extra.pop("kind", RequestKind.RAISE),
        amount=Decimal(amount),
        reason="年度订单增长",
        actor=actor,
        **extra,
    )


# --- limits ---------------------------------------------------------------------------------


def test_proposed_limit_within_bounds_is_granted(customer, users):
    assessment = _assessment(customer, limit="200000")
    limit = services.apply_proposed_limit(assessment=assessment, actor=users["risk"])
    assert isinstance(limit, CreditLimit)
    assert limit.source == LimitSource.POLICY and limit.assessment == assessment
    assert limit.valid_to is not None and limit.valid_to > business_today()
    assert services.current_limit(customer) == limit
    assert AuditEvent.objects.filter(action=AuditAction.CREDIT_LIMIT_GRANTED).exists()


def test_proposed_limit_beyond_bounds_opens_a_request(customer, users, grant):
    grant(customer, "100000")
    assessment = _assessment(customer, limit="150000")  # +50 % > 20 % auto increase
    request = services.apply_proposed_limit(assessment=assessment, actor=users["risk"])
    assert isinstance(request, LimitRequest)
    assert request.status == RequestStatus.PENDING and request.amount == Decimal("150000")
    assert services.current_limit(customer).amount == Decimal("100000")


def test_proposed_limit_above_auto_amount_opens_a_request(customer, users):
    assessment = _assessment(customer, limit="5000000")
    assert isinstance(
        services.apply_proposed_limit(assessment=assessment, actor=users["risk"]), LimitRequest
    )
    assert services.current_limit(customer) is None


def test_temporary_limit_ends_by_itself(customer, grant):
    grant(customer, "100000", valid_from=business_today() - dt.timedelta(days=30))
    grant(
        customer,
        "300000",
        source=LimitSource.TEMPORARY,
        valid_to=business_today() + dt.timedelta(days=5),
    )
    assert services.current_limit(customer).amount == Decimal("300000")
    later = business_today() + dt.timedelta(days=6)
    assert services.current_limit(customer, on=later).amount == Decimal("100000")


# --- requests and the approval chain --------------------------------------------------------


def test_small_request_needs_one_controller(customer, users):
    request = _request(customer, users["sales"], amount="300000")
    assert request.steps_required == 1
    services.approve_limit_request(request=request, actor=users["credit"], reason="ok")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    decision = request.decisions.get()
    assert decision.actor == users["credit"] and decision.before is None
    assert decision.after["amount"] == "300000.00"
    assert services.current_limit(customer).amount == Decimal("300000")


def test_large_request_needs_controller_then_risk_manager(customer, users, make_user):
    request = _request(customer, users["sales"], amount="800000")
    assert request.steps_required == 2
    services.approve_limit_request(request=request, actor=users["credit"])
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert services.current_limit(customer) is None
    with pytest.raises(PermissionDenied):
        services.approve_limit_request(
            request=request, actor=make_user("credit2", "credit_controller")
        )
    services.approve_limit_request(request=request, actor=users["risk"])
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert services.current_limit(customer).amount == Decimal("800000")


def test_the_same_person_cannot_approve_two_steps(customer, users):
    request = _request(customer, users["sales"], amount="800000")
    services.approve_limit_request(request=request, actor=users["risk"])
    with pytest.raises(PermissionDenied):
        services.approve_limit_request(request=request, actor=users["risk"])


def test_nobody_approves_their_own_request(customer, users):
    request = _request(customer, users["credit"])
    with pytest.raises(PermissionDenied):
        services.approve_limit_request(request=request, actor=users["credit"])
    with pytest.raises(PermissionDenied):
        services.reject_limit_request(request=request, actor=users["credit"], reason="撤回")


@pytest.mark.parametrize("role", ["sales", "auditor", "teammate"])
def test_sales_and_auditors_cannot_approve(customer, users, role):
    request = _request(customer, users["risk"])
    with pytest.raises(PermissionDenied):
        services.approve_limit_request(request=request, actor=users[role])
    with pytest.raises(PermissionDenied):
        services.reject_limit_request(request=request, actor=users[role], reason="no")
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_request_rules(customer, users):
    with pytest.raises(PermissionDenied):
        _request(customer, users["other_sales"])  # not their customer
    with pytest.raises(PermissionDenied):
        _request(customer, users["auditor"])
    with pytest.raises(ValidationError):
        _request(customer, users["sales"], kind=RequestKind.TEMPORARY)  # no expiry
    with pytest.raises(ValidationError):
        services.request_limit_change(
            customer=customer, kind="raise", amount=Decimal(1), reason=" ", actor=users["sales"]
        )
    assert not LimitRequest.objects.exists()


def test_reject_needs_a_reason_and_records_the_decision(customer, users):
    request = _request(customer, users["sales"])
    with pytest.raises(ValidationError):
        services.reject_limit_request(request=request, actor=users["credit"], reason="")
    services.reject_limit_request(request=request, actor=users["credit"], reason="逾期过多")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert request.decisions.get().reason == "逾期过多"
    with pytest.raises(ValidationError):
        services.approve_limit_request(request=request, actor=users["risk"])
    assert services.current_limit(customer) is None


def test_temporary_request_grants_a_limit_with_expiry(customer, users):
    expiry = business_today() + dt.timedelta(days=30)
    request = _request(customer, users["sales"], kind=RequestKind.TEMPORARY, valid_to=expiry)
    services.approve_limit_request(request=request, actor=users["credit"])
    limit = services.current_limit(customer)
    assert limit.source == LimitSource.TEMPORARY and limit.valid_to == expiry


# --- order credit check ---------------------------------------------------------------------


def _check(customer, reference, amount, actor):
    return services.check_order(
        customer=customer, order_reference=reference, amount=Decimal(amount), actor=actor
    )


def test_order_within_limit_is_approved_and_counts_in_exposure(customer, users, grant):
    grant(customer, "100000")
    check = _check(customer, "SO-1", "60000", users["credit"])
    assert check.decision == "approve" and check.reasons == []
    assert services.customer_exposure(customer).total == Decimal("60000")
    second = _check(customer, "SO-2", "50000", users["credit"])
    assert second.decision == "hold" and second.reasons == ["over_limit"]
    assert second.exposure == Decimal("60000")


def test_order_counts_once_when_the_erp_order_arrives(customer, users, grant):
    grant(customer, "100000")
    _check(customer, "SO-1", "60000", users["credit"])
    Order.objects.create(
        customer=customer,
        number="SO-1",
        order_date=business_today(),
        amount=Decimal("60000"),
        status="open",
    )
    assert services.customer_exposure(customer).total == Decimal("60000")


def test_check_is_idempotent_per_order_reference(customer, users, grant):
    grant(customer, "100000")
    first = _check(customer, "SO-1", "60000", users["credit"])
    again = _check(customer, "SO-1", "60000", users["credit"])
    assert again.pk == first.pk and again.decision == "approve"
    assert CreditCheck.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREDIT_CHECKED).count() == 1


def test_missing_and_expired_limits_hold(customer, users, make_customer, grant):
    assert _check(customer, "SO-1", "1", users["credit"]).reasons == ["no_limit"]
    other = make_customer()
    grant(
        other,
        "100000",
        valid_from=business_today() - dt.timedelta(days=60),
        valid_to=business_today() - dt.timedelta(days=1),
    )
    assert _check(other, "SO-2", "1", users["credit"]).reasons == ["limit_expired"]


def test_blacklist_grade_d_and_overdue_hold(customer, users, grant, invoice_for):
    grant(customer, "1000000")
    _assessment(customer, limit=None, grade="D", list_="blacklist")
    today = business_today()
    invoice_for(
        customer,
        issue=today - dt.timedelta(days=90),
        due=today - dt.timedelta(days=60),
        amount="1000",
    )
    check = _check(customer, "SO-1", "1", users["credit"])
    assert check.decision == "hold"
    assert check.reasons == ["overdue", "blacklist", "grade_d"]


def test_overdue_within_tolerance_passes(customer, users, grant, invoice_for):
    grant(customer, "1000000")
    today = business_today()
    invoice_for(
        customer,
        issue=today - dt.timedelta(days=40),
        due=today - dt.timedelta(days=5),
        amount="1000",
    )
    CreditSettings.objects.filter(pk=CreditSettings.load().pk).update(overdue_tolerance_days=10)
    assert _check(customer, "SO-1", "1", users["credit"]).decision == "approve"


def test_check_scope(customer, users, grant):
    grant(customer, "100000")
    for role in ("auditor", "other_sales"):
        with pytest.raises(PermissionDenied):
            _check(customer, f"SO-{role}", "1", users[role])
    assert _check(customer, "SO-own", "1", users["sales"]).decision == "approve"
    assert not CreditCheck.objects.exclude(order_reference="SO-own").exists()


def test_release_and_reject_holds(customer, users, grant):
    grant(customer, "100")
    held = _check(customer, "SO-1", "500", users["credit"])
    other = _check(customer, "SO-2", "500", users["credit"])
    for role in ("sales", "auditor"):
        with pytest.raises(PermissionDenied):
            services.release_hold(check=held, actor=users[role], reason="客户已付款")
    with pytest.raises(ValidationError):
        services.release_hold(check=held, actor=users["credit"], reason="")
    services.release_hold(check=held, actor=users["credit"], reason="客户已预付")
    services.reject_hold(check=other, actor=users["credit"], reason="超额")
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.status == CheckStatus.RELEASED and held.resolved_by == users["credit"]
    assert other.status == CheckStatus.REJECTED
    assert services.customer_exposure(customer).total == Decimal("500")  # released counts
    with pytest.raises(ValidationError):
        services.release_hold(check=other, actor=users["credit"], reason="again")


def test_a_monitoring_hold_flag_holds_new_orders_until_released(customer, users, grant):
    from riskdesk.monitoring import services as monitoring
    from riskdesk.monitoring.models import CreditHoldFlag

    grant(customer, "1000000")
    flag = CreditHoldFlag.objects.create(customer=customer, reason="失信被执行人")

    held = _check(customer, "SO-flagged", "1", users["credit"])
    assert held.decision == "hold"
    assert held.reasons == ["monitoring"]

    monitoring.release_credit_hold(flag=flag, actor=users["credit"], reason="已核实")
    assert _check(customer, "SO-after", "1", users["credit"]).decision == "approve"

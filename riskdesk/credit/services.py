"""Credit limits, limit requests with their approval chain, exposure and the ERP order check.

Every state change is a keyword-only, atomic function taking the actor; it re-checks the
permission inside its transaction and writes its audit event there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, DecimalField, F, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.assessments import services as assessments
from riskdesk.assessments.models import Assessment
from riskdesk.assessments.queries import ids_subquery
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.credit.choices import (
    CheckDecision,
    CheckStatus,
    HoldReason,
    LimitSource,
    RequestKind,
    RequestStatus,
    Verdict,
)
from riskdesk.credit.models import (
    CreditCheck,
    CreditLimit,
    CreditSettings,
    LimitDecision,
    LimitRequest,
)
from riskdesk.customers.aggregates import WINDOW_DAYS
from riskdesk.customers.choices import InvoiceStatus, OrderStatus
from riskdesk.customers.models import Customer, Invoice, Order
from riskdesk.customers.services import business_today
from riskdesk.intel import services as intel

SYSTEM = intel.SYSTEM
CENT = Decimal("0.01")
# Who may decide each step of the chain: a first step, then a risk manager above the threshold.
STEP_ROLES = {
    1: (Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER),
    2: (Role.ADMIN, Role.RISK_MANAGER),
}


def _authorize(actor, action: str, customer: Customer | None = None) -> None:
    if actor is not SYSTEM:
        permissions.require(actor, action, customer)


def _user(actor):
    return None if actor is SYSTEM else actor


def _money(value: float | Decimal | None) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


# --- limits and exposure --------------------------------------------------------------------


def _valid_on(limits: QuerySet[CreditLimit], on: dt.date) -> QuerySet[CreditLimit]:
    """The limits whose validity covers ``on``, each customer's current one first."""
    return (
        limits.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("customer_id", "-created_at", "-id")
    )


def current_limit(customer: Customer, *, on: dt.date | None = None) -> CreditLimit | None:
    """The latest granted limit whose validity covers ``on`` (today by default)."""
    return _valid_on(CreditLimit.objects.filter(customer=customer), on or business_today()).first()


def limits_changed_by(proposals: Mapping[int, Decimal]) -> set[int]:
    """The customers (of ``{customer id: proposed amount}``) whose current limit differs from
    the proposed amount and who have no pending request for it already; set-based, for a
    batch chunk of thousands of customers."""
    if not proposals:
        return set()
    limits = CreditLimit.objects.filter(customer_id__in=ids_subquery(proposals))
    current: dict[int, Decimal] = {}
    for customer_id, amount in _valid_on(limits, business_today()).values_list(
        "customer_id", "amount"
    ):
        current.setdefault(customer_id, amount)
    pending = set(
        LimitRequest.objects.filter(
            customer_id__in=ids_subquery(proposals), status=RequestStatus.PENDING
        ).values_list("customer_id", "amount")
    )
    return {
        pk
        for pk, amount in proposals.items()
        if current.get(pk) != amount and (pk, amount) not in pending
    }


def _pending_checks_amount(customer: Customer) -> Decimal:
    """Orders approved by a check (or released) that the trading data does not show yet.

    Once the ERP's order arrives under the same number it counts as an open order instead.
    """
    known = Order.objects.filter(customer=customer).values("number")
    total = (
        CreditCheck.objects.filter(
            customer=customer, status__in=[CheckStatus.APPROVED, CheckStatus.RELEASED]
        )
        .exclude(order_reference__in=known)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0")


@dataclass(frozen=True)
class Exposure:
    open_receivables: Decimal
    open_orders: Decimal
    pending_checks: Decimal
    limit: CreditLimit | None
    overdue_amount: Decimal
    max_overdue_days: int

    @property
    def unbilled_orders(self) -> Decimal:
        return self.open_orders + self.pending_checks

    @property
    def total(self) -> Decimal:
        return self.open_receivables + self.unbilled_orders

    @property
    def utilisation_pct(self) -> Decimal | None:
        if self.limit is None or not self.limit.amount:
            return None
        return (self.total / self.limit.amount * 100).quantize(Decimal("0.1"))


def _longest_payment_delay(invoices, as_of: dt.date) -> int:
    """The most days a payment of the window came after its invoice's due date."""
    start = as_of - dt.timedelta(days=WINDOW_DAYS)
    paid_late = (
        invoices.filter(paid_amount__gte=F("amount"), paid_date__gt=start)
        .filter(paid_date__gt=F("due_date"))
        .values_list("due_date", "paid_date")
    )
    return max(((paid - due).days for due, paid in paid_late), default=0)


def trading_exposure(customer_id: int, *, as_of: dt.date) -> dict[str, Decimal | int]:
    """The four trading facts the order check needs, in three SQL queries: it runs for every
    ERP order, and ``customer_aggregates`` loads the customer's whole history into Polars for
    the full catalogue. A differential test proves both give the same values."""
    invoices = Invoice.objects.filter(customer_id=customer_id, issue_date__lte=as_of).exclude(
        status=InvoiceStatus.CANCELLED
    )
    unpaid = Q(amount__gt=F("paid_amount"))
    outstanding = Case(
        When(unpaid, then=F("amount") - F("paid_amount")),
        default=Value(Decimal("0")),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    facts = invoices.aggregate(
        open_receivables=Sum(outstanding),
        overdue_amount=Sum(outstanding, filter=Q(due_date__lt=as_of)),
        oldest_overdue=Min("due_date", filter=unpaid & Q(due_date__lt=as_of)),
    )
    open_orders = Order.objects.filter(
        customer_id=customer_id, status=OrderStatus.OPEN, order_date__lte=as_of
    ).aggregate(total=Sum("amount"))["total"]
    oldest = facts["oldest_overdue"]
    return {
        "open_receivables": _money(facts["open_receivables"]),
        "open_orders": _money(open_orders),
        "overdue_amount": _money(facts["overdue_amount"]),
        "max_overdue_days_12m": max(
            (as_of - oldest).days if oldest else 0, _longest_payment_delay(invoices, as_of)
        ),
    }


def customer_exposure(customer: Customer, *, as_of: dt.date | None = None) -> Exposure:
    """Exposure = open receivables + open orders (+ approved checks not yet in the orders)."""
    as_of = as_of or business_today()
    facts = trading_exposure(customer.pk, as_of=as_of)
    return Exposure(
        open_receivables=facts["open_receivables"],
        open_orders=facts["open_orders"],
        pending_checks=_pending_checks_amount(customer),
        limit=current_limit(customer, on=as_of),
        overdue_amount=facts["overdue_amount"],
        max_overdue_days=facts["max_overdue_days_12m"],
    )


def _limit_snapshot(limit: CreditLimit | None) -> dict | None:
    if limit is None:
        return None
    return {
        "id": limit.pk,
        "amount": str(limit.amount),
        "currency": limit.currency,
        "valid_from": limit.valid_from.isoformat(),
        "valid_to": limit.valid_to.isoformat() if limit.valid_to else None,
        "source": limit.source,
    }


def _grant(*, customer, amount, currency, source, actor, valid_to=None, **links) -> CreditLimit:
    before = current_limit(customer)
    limit = CreditLimit.objects.create(
        customer=customer,
        amount=amount,
        currency=currency,
        valid_from=business_today(),
        valid_to=valid_to,
        source=source,
        created_by=_user(actor),
        **links,
    )
    record_event(
        actor=_user(actor),
        actor_name="" if actor is not SYSTEM else "system",
        action=AuditAction.CREDIT_LIMIT_GRANTED,
        obj=limit,
        before=_limit_snapshot(before),
        after=_limit_snapshot(limit),
    )
    return limit


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _within_auto_bounds(amount: Decimal, current: CreditLimit | None) -> bool:
    bounds = CreditSettings.load()
    if amount > bounds.max_auto_amount:
        return False
    if current is None or amount <= current.amount:
        return True
    return amount <= current.amount * (1 + bounds.max_auto_increase_pct / 100)


@transaction.atomic
def apply_proposed_limit(*, assessment: Assessment, actor) -> CreditLimit | LimitRequest | None:
    """Grant the policy's proposed limit when it is within the auto-approval bounds, otherwise
    open a limit request for it. None when the policy proposes no limit."""
    customer = Customer.objects.select_for_update().get(pk=assessment.customer_id)
    _authorize(actor, "request_limit", customer)
    amount = assessment.proposed_limit
    if amount is None or amount < 0:
        return None
    outputs = assessment.outputs
    currency = outputs.get("currency") or "CNY"
    current = current_limit(customer)
    if _within_auto_bounds(amount, current):
        months = outputs.get("valid_months")
        valid_to = add_months(business_today(), int(months)) if months else None
        return _grant(
            customer=customer,
            amount=amount,
            currency=currency,
            source=LimitSource.POLICY,
            actor=actor,
            valid_to=valid_to,
            assessment=assessment,
        )
    kind = RequestKind.LOWER if current and amount < current.amount else RequestKind.RAISE
    return _open_request(
        customer=customer,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=_("策略建议额度超出自动审批范围 / The policy's proposal exceeds the auto bounds"),
        actor=actor,
        assessment=assessment,
    )


# --- limit requests -------------------------------------------------------------------------


def steps_for(amount: Decimal) -> int:
    return 1 if amount <= CreditSettings.load().controller_max_amount else 2


def _open_request(
    *, customer, kind, amount, currency, reason, actor, valid_to=None, assessment=None
):
    request = LimitRequest(
        customer=customer,
        kind=kind,
        amount=amount,
        currency=currency,
        valid_to=valid_to,
        reason=reason,
        steps_required=steps_for(amount),
        requested_by=_user(actor),
        assessment=assessment,
    )
    request.full_clean()
    request.save()
    record_event(
        actor=_user(actor),
        actor_name="" if actor is not SYSTEM else "system",
        action=AuditAction.LIMIT_REQUESTED,
        obj=request,
        after={
            "kind": kind,
            "amount": str(amount),
            "valid_to": valid_to,
            "steps": request.steps_required,
            "reason": reason,
        },
    )
    return request


def _check_requested(*, customer, kind: str, amount: Decimal, valid_to) -> None:
    """A raise must exceed the current limit, a lower stay below it, a temporary limit end
    in the future; errors name the field so forms show them in place."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("未知的申请类型 / Unknown request kind.")})
    if amount < 0:
        raise ValidationError({"amount": _("额度不能为负数 / The amount cannot be negative.")})
    current = current_limit(customer)
    if kind == RequestKind.RAISE and current is not None and amount <= current.amount:
        raise ValidationError(
            {"amount": _("提额需高于当前额度 / A raise must exceed the current limit.")}
        )
    if kind == RequestKind.LOWER and (current is None or amount >= current.amount):
        raise ValidationError(
            {"amount": _("降额需低于当前额度 / A lower limit must be below the current one.")}
        )
    if kind == RequestKind.TEMPORARY and (valid_to is None or valid_to <= business_today()):
        raise ValidationError(
            {"valid_to": _("临时额度需要将来的到期日期 / A temporary limit needs a future expiry.")}
        )


@transaction.atomic
def request_limit_change(
    *,
    customer: Customer,
    kind: str,
    amount: Decimal,
    reason: str,
    actor,
    valid_to: dt.date | None = None,
    currency: str = "CNY",
) -> LimitRequest:
    """Ask for a raised, lowered or temporary limit; it then goes through the approval chain."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _authorize(actor, "request_limit", customer)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写理由 / A reason is required.")})
    amount = Decimal(amount)
    _check_requested(customer=customer, kind=kind, amount=amount, valid_to=valid_to)
    if kind != RequestKind.TEMPORARY:
        valid_to = None
    return _open_request(
        customer=customer,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason.strip(),
        actor=actor,
        valid_to=valid_to,
    )


def _locked_pending(request: LimitRequest) -> LimitRequest:
    locked = LimitRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RequestStatus.PENDING:
        raise ValidationError(_("该申请已处理 / This request has already been decided."))
    return locked


def _check_decider(request: LimitRequest, actor) -> int:
    """The step ``actor`` would decide; raises unless they may decide it."""
    permissions.require(actor, "approve_limit", request.customer)
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批自己的申请 / You cannot decide your own request."))
    approvals = list(request.decisions.filter(verdict=Verdict.APPROVE))
    if any(decision.actor_id == actor.pk for decision in approvals):
        raise PermissionDenied(
            _("同一申请的下一级需由另一人审批 / The next step needs another approver.")
        )
    step = len(approvals) + 1
    if not actor.has_role(*STEP_ROLES[step]):
        raise PermissionDenied(
            _("此级审批需要风控经理 / This step needs a risk manager's approval.")
        )
    return step


def may_decide(request: LimitRequest, actor) -> bool:
    """Whether ``actor`` may decide the next step of ``request`` now."""
    if request.status != RequestStatus.PENDING:
        return False
    try:
        _check_decider(request, actor)
    except PermissionDenied:
        return False
    return True


def requests_awaiting(actor) -> QuerySet[LimitRequest]:
    """Pending requests whose next step ``actor`` may decide: not their own, not one they
    approved an earlier step of, and at a step their role covers."""
    if not permissions.may(actor, "approve_limit"):
        return LimitRequest.objects.none()
    steps = [step - 1 for step, roles in STEP_ROLES.items() if actor.has_role(*roles)]
    pending = (
        LimitRequest.objects.filter(status=RequestStatus.PENDING)
        .exclude(requested_by=actor)
        .exclude(decisions__actor=actor)
        .annotate(approvals=Count("decisions", filter=Q(decisions__verdict=Verdict.APPROVE)))
        .filter(approvals__in=steps)
    )
    return permissions.restrict(pending, actor, "approve_limit", "customer__")


def limit_before(request: LimitRequest) -> dict | None:
    """The limit the request started from: as recorded by its first decision once decided,
    the current limit while it is pending."""
    first = request.decisions.order_by("step", "id").first()
    if request.status != RequestStatus.PENDING and first is not None:
        return first.before
    return _limit_snapshot(current_limit(request.customer))


def approval_chain(request: LimitRequest) -> list[dict]:
    """Every step of the chain: its decision when taken, else who may take it."""
    decisions = {decision.step: decision for decision in request.decisions.all()}
    return [
        {
            "step": step,
            "decision": decisions.get(step),
            "roles": [Role(role).label for role in STEP_ROLES[step]],
        }
        for step in range(1, request.steps_required + 1)
    ]


@transaction.atomic
def approve_limit_request(*, request: LimitRequest, actor, reason: str = "") -> LimitRequest:
    """Approve the next step; the last step grants the requested limit."""
    request = _locked_pending(request)
    step = _check_decider(request, actor)
    before = current_limit(request.customer)
    after = None
    if step >= request.steps_required:
        limit = _grant(
            customer=request.customer,
            amount=request.amount,
            currency=request.currency,
            source=LimitSource.TEMPORARY
            if request.kind == RequestKind.TEMPORARY
            else LimitSource.MANUAL,
            actor=actor,
            valid_to=request.valid_to,
            request=request,
            assessment=request.assessment,
        )
        after = _limit_snapshot(limit)
        request.status, request.decided_at = RequestStatus.APPROVED, timezone.now()
        request.save(update_fields=["status", "decided_at"])
    LimitDecision.objects.create(
        request=request,
        step=step,
        verdict=Verdict.APPROVE,
        actor=actor,
        reason=reason,
        before=_limit_snapshot(before),
        after=after,
    )
    record_event(
        actor=actor,
        action=AuditAction.LIMIT_REQUEST_APPROVED,
        obj=request,
        before=_limit_snapshot(before),
        after=after,
        extra={"step": step, "steps": request.steps_required, "reason": reason},
    )
    return request


@transaction.atomic
def reject_limit_request(*, request: LimitRequest, actor, reason: str) -> LimitRequest:
    request = _locked_pending(request)
    step = _check_decider(request, actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写理由 / A reason is required.")})
    before = _limit_snapshot(current_limit(request.customer))
    request.status, request.decided_at = RequestStatus.REJECTED, timezone.now()
    request.save(update_fields=["status", "decided_at"])
    LimitDecision.objects.create(
        request=request,
        step=step,
        verdict=Verdict.REJECT,
        actor=actor,
        reason=reason,
        before=before,
        after=before,
    )
    record_event(
        actor=actor,
        action=AuditAction.LIMIT_REQUEST_REJECTED,
        obj=request,
        before=before,
        extra={"step": step, "reason": reason},
    )
    return request


# --- the order credit check -----------------------------------------------------------------


@dataclass(frozen=True)
class _OrderFacts:
    """What the hold rules look at for one order."""

    customer: Customer
    exposure: Exposure
    amount: Decimal
    latest: Assessment | None
    settings: CreditSettings


def _limit_hold(facts: _OrderFacts) -> str | None:
    limit = facts.exposure.limit
    if limit is None:
        expired = CreditLimit.objects.filter(customer=facts.customer).exists()
        return HoldReason.LIMIT_EXPIRED if expired else HoldReason.NO_LIMIT
    if facts.exposure.total + facts.amount > limit.amount:
        return HoldReason.OVER_LIMIT
    return None


def _overdue_hold(facts: _OrderFacts) -> str | None:
    exposure, tolerance = facts.exposure, facts.settings.overdue_tolerance_days
    if exposure.overdue_amount > 0 and exposure.max_overdue_days > tolerance:
        return HoldReason.OVERDUE
    return None


def _blacklist_hold(facts: _OrderFacts) -> str | None:
    listed = facts.latest is not None and facts.latest.list == "blacklist"
    return HoldReason.BLACKLIST if listed else None


def _grade_hold(facts: _OrderFacts) -> str | None:
    graded_d = facts.latest is not None and facts.latest.grade == "D"
    return HoldReason.GRADE_D if graded_d else None


def _monitoring_hold(facts: _OrderFacts) -> str | None:
    from riskdesk.monitoring.services import hold_active  # monitoring reads credit's models

    return HoldReason.MONITORING if hold_active(facts.customer) else None


# Each rule returns a HoldReason or None; a new reason to hold orders is one more entry here.
HOLD_RULES = (_limit_hold, _overdue_hold, _blacklist_hold, _grade_hold, _monitoring_hold)


def _hold_reasons(customer: Customer, exposure: Exposure, amount: Decimal) -> list[str]:
    facts = _OrderFacts(
        customer=customer,
        exposure=exposure,
        amount=amount,
        latest=assessments.latest_assessment(customer),
        settings=CreditSettings.load(),
    )
    return [str(reason) for rule in HOLD_RULES if (reason := rule(facts)) is not None]


@transaction.atomic
def check_order(*, customer: Customer, order_reference: str, amount: Decimal, actor) -> CreditCheck:
    """Approve or hold one ERP order. A repeat of the same order reference returns the stored
    check. The customer row is locked, so concurrent orders of one customer are checked one
    after the other and each sees the ones approved before it."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _authorize(actor, "credit_check", customer)
    existing = CreditCheck.objects.filter(order_reference=order_reference).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise ValidationError(
                {
                    "order_reference": _(
                        "该订单号属于另一个客户 / This order belongs to another customer."
                    )
                }
            )
        return existing
    amount = Decimal(amount).quantize(CENT)
    if amount <= 0:
        raise ValidationError({"amount": _("订单金额必须大于 0 / The amount must be positive.")})
    exposure = customer_exposure(customer)
    reasons = _hold_reasons(customer, exposure, amount)
    check = CreditCheck.objects.create(
        customer=customer,
        order_reference=order_reference,
        amount=amount,
        decision=CheckDecision.HOLD if reasons else CheckDecision.APPROVE,
        status=CheckStatus.HELD if reasons else CheckStatus.APPROVED,
        reasons=reasons,
        exposure=exposure.total,
        limit_amount=exposure.limit.amount if exposure.limit else None,
        requested_by=_user(actor),
    )
    record_event(
        actor=_user(actor),
        action=AuditAction.CREDIT_CHECKED,
        obj=check,
        after={"decision": check.decision, "reasons": reasons, "amount": str(amount)},
    )
    return check


def _resolve_hold(*, check: CreditCheck, actor, reason: str, status: str, action: str):
    check = CreditCheck.objects.select_for_update().get(pk=check.pk)
    permissions.require(actor, "release_hold", check.customer)
    if check.status != CheckStatus.HELD:
        raise ValidationError(_("该订单不在冻结队列中 / This order is not on hold."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写理由 / A reason is required.")})
    check.status, check.resolved_by, check.resolved_at = status, actor, timezone.now()
    check.resolution_reason = reason.strip()
    check.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_reason"])
    record_event(
        actor=actor,
        action=action,
        obj=check,
        before={"status": CheckStatus.HELD},
        after={"status": status, "reason": check.resolution_reason},
    )
    return check


@transaction.atomic
def release_hold(*, check: CreditCheck, actor, reason: str) -> CreditCheck:
    """Let a held order through; it then counts in the exposure like an approved one."""
    return _resolve_hold(
        check=check,
        actor=actor,
        reason=reason,
        status=CheckStatus.RELEASED,
        action=AuditAction.HOLD_RELEASED,
    )


@transaction.atomic
def reject_hold(*, check: CreditCheck, actor, reason: str) -> CreditCheck:
    return _resolve_hold(
        check=check,
        actor=actor,
        reason=reason,
        status=CheckStatus.REJECTED,
        action=AuditAction.HOLD_REJECTED,
    )

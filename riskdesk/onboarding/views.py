"""Admission pages: start from a prospect candidate, the case page and the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from riskdesk.accounts import permissions
from riskdesk.credit import services as credit
from riskdesk.intel import services as intel
from riskdesk.onboarding import services
from riskdesk.onboarding.choices import CaseStatus
from riskdesk.onboarding.models import AdmissionCase


def visible_cases(user):
    queryset = AdmissionCase.objects.select_related(
        "customer", "assessment", "requested_by", "decided_by"
    )
    return permissions.restrict(queryset, user, "view", "customer__")


@login_required
@require_POST
def start(request):
    try:
        case = services.start_admission(
            actor=request.user,
            uscc=request.POST.get("uscc", ""),
            name=request.POST.get("name", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("intel:prospects")
    return redirect("onboarding:case", pk=case.pk)


@login_required
@require_GET
def case_detail(request, pk: int):
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    context = {
        "nav": "onboarding",
        "case": case,
        "limit": credit.current_limit(case.customer),
        "may_decide": case.is_open and permissions.may(request.user, "decide_admission"),
    }
    return render(request, "onboarding/case.html", context)


@login_required
@require_GET
def queue(request):
    if not permissions.may(request.user, "onboard") and not permissions.may(
        request.user, "decide_admission"
    ):
        raise PermissionDenied
    cases = visible_cases(request.user).filter(status=CaseStatus.REVIEW)
    return render(request, "onboarding/queue.html", {"nav": "onboarding", "cases": cases})


@login_required
@require_POST
def decide(request, pk: int, verdict: str):
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    try:
        services.decide_admission(
            case=case,
            actor=request.user,
            approve=verdict == "approve",
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    return redirect("onboarding:case", pk=case.pk)


# --- the admission wizard (新建准入): search → pick a candidate → dossier, screening, outcome ---


def _require_onboard(user) -> None:
    if not permissions.may(user, "onboard"):
        raise PermissionDenied


@login_required
@require_GET
def wizard(request):
    _require_onboard(request.user)
    return render(request, "onboarding/wizard.html", {"nav": "prospects"})


@login_required
@require_GET
def wizard_candidates(request):
    """Step 2: the providers' candidates for a name or USCC (and our own matches)."""
    _require_onboard(request.user)
    query = request.GET.get("q", "").strip()
    candidates = intel.search_prospects(query=query, actor=request.user) if query else []
    context = {"query": query, "candidates": candidates}
    return render(request, "onboarding/_wizard_candidates.html", context)


@login_required
@require_POST
def wizard_run(request):
    """Step 3 and the outcome: dossier, screening, admission checks and the first assessment."""
    _require_onboard(request.user)
    try:
        case = services.start_admission(
            actor=request.user,
            uscc=request.POST.get("uscc", ""),
            name=request.POST.get("name", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        errors = getattr(exc, "messages", [str(exc)])
        return render(request, "onboarding/_wizard_result.html", {"errors": errors})
    context = {"case": case, "steps": services.admission_steps(case)}
    return render(request, "onboarding/_wizard_result.html", context)

"""The re-assess button of the risk profile, the batch re-assessment button and its progress."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from riskdesk.accounts import permissions
from riskdesk.assessments import services
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import BatchRun
from riskdesk.assessments.profile import panel_context
from riskdesk.assessments.simulation import simulate_policy, simulation_workbook
from riskdesk.customers.api.views import xlsx_response
from riskdesk.customers.models import Customer
from riskdesk.policies.models import PolicyVersion

AFFECTED_SHOWN = 200


@login_required
@require_POST
def reassess(request, pk: int):
    """Assess the customer now and answer with the refreshed panel."""
    customer = get_object_or_404(Customer.objects.restrict(request.user, "view"), pk=pk)
    error = ""
    try:
        services.assess_customer(customer=customer, actor=request.user, trigger=Trigger.MANUAL)
    except PermissionDenied as exc:
        return render(request, "assessments/_error.html", {"error": str(exc)}, status=403)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    context = {**panel_context(customer=customer, user=request.user), "error": error}
    return render(request, "assessments/_profile_panel.html", context)


@login_required
@require_POST
def start_batch(request):
    """Start (or continue) the batch re-assessment and answer with its job progress."""
    if not permissions.may(request.user, "assess_all"):
        raise PermissionDenied
    try:
        batch = services.assess_portfolio(actor=request.user, trigger=Trigger.BATCH)
    except ValidationError as exc:
        return render(request, "assessments/_error.html", {"error": " ".join(exc.messages)})
    return _batch_progress(request, batch)


@login_required
@require_GET
def batch_progress(request, pk: int):
    """htmx partial: the batch's progress bar, counts and first failures, polling until done."""
    if not permissions.may(request.user, "assess_all"):
        raise PermissionDenied
    return _batch_progress(request, get_object_or_404(BatchRun, pk=pk))


def _batch_progress(request, batch: BatchRun):
    context = {
        "batch": batch,
        "job": batch.job,
        "summary": services.batch_summary(batch),
        "failures": services.batch_failures(batch),
    }
    return render(request, "assessments/_batch_progress.html", context)


@login_required
@require_GET
def simulate(request, pk: int):
    """A policy version against the published one over the whole portfolio (or as Excel)."""
    if not permissions.may(request.user, "publish_policy"):
        raise PermissionDenied
    version = get_object_or_404(PolicyVersion, pk=pk)
    result = simulate_policy(candidate=version, actor=request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(simulation_workbook(result), f"simulation-v{version.number}.xlsx")
    grades = [*result.grade_codes, "—"]
    matrix = [
        (before, [(after, result.migration.get((before, after), 0)) for after in grades])
        for before in grades
    ]
    context = {
        "result": result,
        "version": version,
        "grades": grades,
        "matrix": matrix,
        "admission_changes": sorted(
            ((b, a, n) for (b, a), n in result.admission.items() if b != a), key=lambda x: -x[2]
        ),
        "affected": list(result.affected.head(AFFECTED_SHOWN).iter_rows(named=True)),
        "shown": AFFECTED_SHOWN,
        "nav": "policies",
    }
    return render(request, "assessments/simulation.html", context)

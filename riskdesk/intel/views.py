"""The risk profile page (风险画像), its htmx partials and the prospect search."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from riskdesk.accounts import permissions
from riskdesk.customers import services as customer_services
from riskdesk.customers.models import Customer
from riskdesk.intel import services
from riskdesk.intel.profile import TAB_KEYS, TABS, risk_profile, tab_context, timeline
from riskdesk.jobs.models import Job


def _visible_customer(request, pk: int) -> Customer:
    queryset = Customer.objects.restrict(request.user, "view").select_related("owner", "team")
    return get_object_or_404(queryset, pk=pk)


def as_of_override_allowed() -> bool:
    """A data date other than today may be chosen only in the demo and in tests."""
    return bool(settings.DEMO_MODE or settings.TESTING)


@login_required
@require_GET
def profile(request, pk: int):
    customer = _visible_customer(request, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TAB_KEYS:
        tab = "overview"
    data = risk_profile(customer=customer)
    context = {
        "customer": customer,
        "profile": data,
        "dossier": data.dossier,
        "snapshot": data.snapshot,
        "tab": tab,
        "tabs": TABS,
        "nav": "customers",
        "may_refresh": _may_refresh(request.user, customer),
        "as_of_override": as_of_override_allowed(),
        **tab_context(data, tab, request.GET),
    }
    if tab == "overview":
        context["events"] = timeline(customer)
        context["facts"] = customer_services.trading_summary(customer=customer)
    template = "intel/_profile_body.html" if request.htmx else "intel/profile.html"
    return render(request, template, context)


def _may_refresh(user, customer: Customer) -> bool:
    try:
        permissions.require(user, "change", customer)
    except PermissionDenied:
        return False
    return True


def _as_of(request) -> dt.date | None:
    if not as_of_override_allowed():
        return None
    try:
        return dt.date.fromisoformat(request.POST.get("as_of", "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def refresh(request, pk: int):
    """Start a background refresh; answer with the job's progress and a timeline poller."""
    customer = _visible_customer(request, pk)
    job = services.start_refresh(actor=request.user, customer=customer, as_of=_as_of(request))
    return render(request, "intel/_refresh_started.html", {"customer": customer, "job": job})


@login_required
@require_GET
def timeline_partial(request, pk: int):
    """The change timeline; while ``job`` runs it polls itself until the job has finished."""
    customer = _visible_customer(request, pk)
    job = None
    if request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), created_by=request.user).first()
    context = {
        "customer": customer,
        "events": timeline(customer),
        "waiting_for": job if job is not None and not job.is_finished else None,
        "refreshed": job is not None and job.is_finished,
    }
    return render(request, "intel/_timeline.html", context)


@login_required
@require_GET
def prospect_search(request):
    if not permissions.may(request.user, "create"):
        return render(request, "intel/prospects.html", {"forbidden": True}, status=403)
    query = request.GET.get("q", "")
    candidates = services.search_prospects(query=query, actor=request.user) if query else []
    context = {"query": query, "candidates": candidates, "nav": "prospects"}
    template = "intel/_candidates.html" if request.htmx else "intel/prospects.html"
    return render(request, template, context)


@login_required
@require_POST
def prospect_create(request):
    try:
        customer = services.create_prospect(
            actor=request.user,
            uscc=request.POST.get("uscc", ""),
            name=request.POST.get("name", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("intel:prospects")
    return redirect("intel:profile", pk=customer.pk)

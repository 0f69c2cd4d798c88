from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from riskdesk.customers.models import Customer
from riskdesk.jobs.models import Job


@login_required
@require_GET
def home(request):
    customers = Customer.objects.restrict(request.user, "view")
    by_industry = list(
        customers.exclude(industry="")
        .values("industry")
        .annotate(n=Count("id"))
        .order_by("-n")[:12]
    )
    by_status = {
        row["status"]: row["n"] for row in customers.values("status").annotate(n=Count("id"))
    }
    chart = {
        "labels": [row["industry"] for row in by_industry],
        "values": [row["n"] for row in by_industry],
    }
    context = {
        "nav": "home",
        "customer_count": sum(by_status.values()),
        "active_count": by_status.get("active", 0),
        "chart": chart,
        "recent": customers.order_by("-updated_at")[:8],
    }
    return render(request, "web/home.html", context)


@login_required
@require_GET
def job_progress(request, pk: int):
    """htmx partial: a progress bar that polls itself until the job finishes."""
    job = get_object_or_404(Job, pk=pk)
    if job.created_by_id not in (None, request.user.pk) and not request.user.has_role(
        "admin", "risk_manager", "auditor"
    ):
        raise Http404
    return render(request, "web/_job_progress.html", {"job": job})

"""The credit page: the holds queue and the limit requests awaiting a decision (htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from riskdesk.accounts import permissions
from riskdesk.credit import services
from riskdesk.credit.choices import CheckStatus, RequestStatus
from riskdesk.credit.models import CreditCheck, LimitRequest


def _holds(user):
    queryset = CreditCheck.objects.filter(status=CheckStatus.HELD).select_related("customer")
    return permissions.restrict(queryset, user, "view_credit", "customer__")


def _requests(user):
    queryset = LimitRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "customer", "requested_by"
    )
    return permissions.restrict(queryset, user, "view_credit", "customer__")


@login_required
def queue(request):
    if not permissions.may(request.user, "view_credit"):
        raise PermissionDenied
    context = {"nav": "credit", "holds": _holds(request.user), "requests": _requests(request.user)}
    return render(request, "credit/queue.html", context)


def _decide(request, obj, service, keyword: str, template: str, name: str):
    """Call ``service`` and answer with the refreshed row, or the row with the error."""
    error = ""
    try:
        obj = service(**{keyword: obj}, actor=request.user, reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        return render(request, template, {name: obj, "error": str(exc)}, status=403)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    obj.refresh_from_db()
    return render(request, template, {name: obj, "error": error})


@login_required
@require_POST
def decide_hold(request, pk: int, verdict: str):
    check = get_object_or_404(_holds(request.user), pk=pk)
    service = services.release_hold if verdict == "release" else services.reject_hold
    return _decide(request, check, service, "check", "credit/_hold_row.html", "check")


@login_required
@require_POST
def decide_request(request, pk: int, verdict: str):
    limit_request = get_object_or_404(_requests(request.user), pk=pk)
    service = (
        services.approve_limit_request if verdict == "approve" else services.reject_limit_request
    )
    return _decide(
        request, limit_request, service, "request", "credit/_request_row.html", "limit_request"
    )

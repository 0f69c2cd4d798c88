"""Credit pages: the queue (holds, requests awaiting me), limit requests and periodic reviews."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.accounts.models import User
from riskdesk.credit import reviews, services
from riskdesk.credit.choices import CheckStatus, RequestStatus, ReviewReason
from riskdesk.credit.forms import LimitRequestForm
from riskdesk.credit.models import CreditCheck, LimitRequest
from riskdesk.credit.profile import panel_context
from riskdesk.customers.models import Customer

REVIEWS_PER_PAGE = 50


def _require_view(user) -> None:
    if not permissions.may(user, "view_credit"):
        raise PermissionDenied


def _holds(user):
    queryset = CreditCheck.objects.filter(status=CheckStatus.HELD).select_related("customer")
    return permissions.restrict(queryset, user, "view_credit", "customer__")


def _requests(user, status: str | None = RequestStatus.PENDING):
    queryset = LimitRequest.objects.select_related("customer", "requested_by")
    if status:
        queryset = queryset.filter(status=status)
    return permissions.restrict(queryset, user, "view_credit", "customer__")


@login_required
def queue(request):
    _require_view(request.user)
    awaiting = services.requests_awaiting(request.user).select_related("customer", "requested_by")
    others = _requests(request.user).exclude(pk__in=awaiting.values("pk"))
    context = {
        "nav": "credit",
        "holds": _holds(request.user),
        "awaiting": awaiting,
        "others": others,
        "form": LimitRequestForm(user=request.user),
    }
    return render(request, "credit/queue.html", context)


def _no_extra(obj) -> dict:
    return {}


def _decide(request, obj, service, keyword: str, template: str, name: str, row=_no_extra):
    """Call ``service`` and answer with the refreshed row, or the row with the error;
    ``row(obj)`` adds what the row template needs besides the object."""
    error = ""
    try:
        obj = service(**{keyword: obj}, actor=request.user, reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        context = {name: obj, "error": str(exc), **row(obj)}
        return render(request, template, context, status=403)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    obj.refresh_from_db()
    return render(request, template, {name: obj, "error": error, **row(obj)})


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
    if request.htmx:
        return _decide(
            request,
            limit_request,
            service,
            "request",
            "credit/_request_row.html",
            "limit_request",
            row=lambda obj: {"decidable": services.may_decide(obj, request.user)},
        )
    try:
        service(request=limit_request, actor=request.user, reason=request.POST.get("reason", ""))
    except (PermissionDenied, ValidationError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    return redirect("credit:request", pk=pk)


@login_required
@require_GET
def request_detail(request, pk: int):
    limit_request = get_object_or_404(_requests(request.user, status=None), pk=pk)
    context = {
        "nav": "credit",
        "limit_request": limit_request,
        "before": services.limit_before(limit_request),
        "chain": services.approval_chain(limit_request),
        "may_decide": services.may_decide(limit_request, request.user),
    }
    return render(request, "credit/request.html", context)


def _fixed_customer(request) -> Customer | None:
    """The customer of a form posted from the profile panel (``customer_id``), if any."""
    pk = request.POST.get("customer_id") or request.GET.get("customer_id")
    if not pk:
        return None
    visible = Customer.objects.restrict(request.user, "view_credit")
    return get_object_or_404(visible, pk=pk)


def _request_form_response(request, form, customer, notice=None):
    if customer is not None:
        context = panel_context(customer=customer, user=request.user, form=form, notice=notice)
        return render(request, "credit/_profile_panel.html", context)
    return render(request, "credit/_request_form.html", {"form": form, "notice": notice})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    """The limit request form (htmx): from the queue by customer name/USCC, or from a profile."""
    customer = _fixed_customer(request)
    if request.method == "GET":
        form = LimitRequestForm(user=request.user, customer=customer)
        return _request_form_response(request, form, customer)
    form = LimitRequestForm(request.POST, user=request.user, customer=customer)
    if not form.is_valid():
        return _request_form_response(request, form, customer)
    values = dict(form.cleaned_data)
    try:
        created = services.request_limit_change(actor=request.user, **values)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _request_form_response(request, form, customer)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _request_form_response(request, form, customer)
    blank = LimitRequestForm(user=request.user, customer=customer)
    return _request_form_response(request, blank, customer, notice=created)


# --- periodic reviews -----------------------------------------------------------------------


def _review_filters(request) -> dict:
    owner = request.GET.get("owner", "")
    return {
        "reason": request.GET.get("reason", "")
        if request.GET.get("reason") in ReviewReason.values
        else "",
        "grade": request.GET.get("grade", "")[:16],
        "owner_id": int(owner) if owner.isdigit() else None,
        "query": request.GET.get("q", "")[:100],
    }


def _owners(user):
    owner_ids = permissions.restrict(Customer.objects.all(), user, "view_credit").values("owner_id")
    return User.objects.filter(pk__in=owner_ids).order_by("username")


@login_required
@require_GET
def review_queue(request):
    _require_view(request.user)
    filters = _review_filters(request)
    window = reviews.ReviewWindow.on()
    due = reviews.due_customers(actor=request.user, window=window, **filters)
    page = Paginator(due, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "nav": "credit",
        "page": page,
        "rows": [reviews.review_row(customer, window) for customer in page],
        "filters": filters,
        "reasons": ReviewReason.choices,
        "grades": list(window.months_by_grade),
        "owners": _owners(request.user),
        "may_assess": permissions.may(request.user, "assess"),
    }
    template = "credit/_review_table.html" if request.htmx else "credit/reviews.html"
    return render(request, template, context)


@login_required
@require_POST
def review_reassess(request, pk: int):
    """ "Re-assess now" for one row; answers with the row showing the new grade and limit."""
    customer = get_object_or_404(Customer.objects.restrict(request.user, "view_credit"), pk=pk)
    context = {"customer": customer}
    try:
        context["result"] = reviews.reassess_customer(customer=customer, actor=request.user)
    except PermissionDenied as exc:
        return render(
            request, "credit/_review_done.html", {**context, "error": str(exc)}, status=403
        )
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
    return render(request, "credit/_review_done.html", context)

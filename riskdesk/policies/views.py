"""The policies page: versions, YAML, diff, new drafts, publish and archive (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from riskdesk.accounts import permissions
from riskdesk.engine import PolicyValidationError
from riskdesk.policies import services, trial
from riskdesk.policies.editing import SECTIONS
from riskdesk.policies.models import PolicyVersion

MAX_UPLOAD_BYTES = 1024 * 1024


def _require_view(user) -> None:
    if not permissions.may(user, "view_policy"):
        raise PermissionDenied(_("您没有查看策略的权限 / You may not view policies."))


def _page_context(request) -> dict:
    user = request.user
    return {
        "nav": "policies",
        "may_change": permissions.may(user, "change_policy"),
        "may_publish": permissions.may(user, "publish_policy"),
        "may_assess_all": permissions.may(user, "assess_all"),
    }


@login_required
@require_GET
def version_list(request):
    _require_view(request.user)
    versions = PolicyVersion.objects.select_related("author", "published_by")
    return render(request, "policies/list.html", {**_page_context(request), "versions": versions})


@login_required
@require_GET
def version_detail(request, pk: int):
    _require_view(request.user)
    version = get_object_or_404(
        PolicyVersion.objects.select_related("author", "published_by"), pk=pk
    )
    context = {**_page_context(request), "version": version, "sections": SECTIONS.values()}
    return render(request, "policies/detail.html", context)


@login_required
@require_GET
def version_yaml(request, pk: int):
    version = get_object_or_404(PolicyVersion, pk=pk)
    text = services.export_yaml(version=version, actor=request.user)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services.export_filename(version)}"'
    return response


@login_required
@require_GET
def version_diff(request):
    _require_view(request.user)
    old = get_object_or_404(PolicyVersion, pk=_int(request.GET.get("old")))
    new = get_object_or_404(PolicyVersion, pk=_int(request.GET.get("new")))
    lines = services.diff_versions(old=old, new=new)
    context = {**_page_context(request), "old": old, "new": new, "lines": lines}
    return render(request, "policies/diff.html", context)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def problem_messages(exc: Exception) -> list[str]:
    """What to tell the user about a refused change: each of the engine's errors, a
    ``ValidationError``'s messages, or the text of any other refusal."""
    if isinstance(exc, PolicyValidationError):
        return [str(error) for error in exc.errors]
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)]


def report_problems(request, exc: Exception) -> None:
    for message in problem_messages(exc):
        messages.error(request, message)


def _uploaded_text(request) -> str | None:
    upload = request.FILES.get("yaml_file")
    if upload is None:
        return None
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大（最大 1 MB）/ The file is too large (1 MB at most)."))
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(_("文件必须是 UTF-8 编码 / The file must be UTF-8.")) from None


def _based_on(request) -> PolicyVersion | None:
    pk = _int(request.POST.get("based_on"))
    return get_object_or_404(PolicyVersion, pk=pk) if pk else None


@login_required
@require_POST
def draft_create(request):
    try:
        version = services.create_draft(
            actor=request.user,
            yaml_text=_uploaded_text(request),
            based_on=_based_on(request),
            notes=request.POST.get("notes", "").strip(),
        )
    except (PolicyValidationError, ValidationError, PermissionDenied) as exc:
        report_problems(request, exc)
        return redirect("policies:list")
    messages.success(
        request,
        _("已创建草稿 v%(n)s，现在可以逐部分编辑 / Draft created: edit it section by section.")
        % {"n": version.number},
    )
    return redirect("policies:detail", pk=version.pk)


def _transition(request, pk: int, service, done_message: str):
    version = get_object_or_404(PolicyVersion, pk=pk)
    try:
        service(version=version, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        report_problems(request, exc)
    else:
        messages.success(request, done_message % {"n": version.number})
    return redirect("policies:detail", pk=version.pk)


@login_required
@require_POST
def publish(request, pk: int):
    return _transition(
        request, pk, services.publish_version, _("已发布 v%(n)s / Version published.")
    )


@login_required
@require_POST
def archive(request, pk: int):
    return _transition(
        request, pk, services.archive_version, _("已归档 v%(n)s / Version archived.")
    )


@login_required
@require_GET
def trial_page(request, pk: int):
    """Try a version on one customer, its trace beside the published version's."""
    _require_view(request.user)
    version = get_object_or_404(PolicyVersion, pk=pk)
    result = None
    customer_id = _int(request.GET.get("customer"))
    if customer_id:
        customer = get_object_or_404(trial.visible_customers(request.user), pk=customer_id)
        result = trial.try_on_customer(version=version, customer=customer, actor=request.user)
    context = {**_page_context(request), "version": version, "result": result}
    return render(request, "policies/trial.html", context)


@login_required
@require_GET
def trial_customers(request, pk: int):
    """Autocomplete for the trial page: customers the user may see, by name or USCC."""
    _require_view(request.user)
    version = get_object_or_404(PolicyVersion, pk=pk)
    customers = trial.customers_for_trial(actor=request.user, query=request.GET.get("q", ""))
    context = {"version": version, "customers": customers, "query": request.GET.get("q", "")}
    return render(request, "policies/_trial_customers.html", context)

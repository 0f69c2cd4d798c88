"""The inbox, the rule editor, review tasks (thin views: parse, check, call a service, render)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.engine import ExpressionError
from riskdesk.intel.choices import Dimension, Severity
from riskdesk.monitoring import services
from riskdesk.monitoring.forms import MonitoringRuleForm
from riskdesk.monitoring.models import CreditHoldFlag, MonitoringRule, compile_customer_filter
from riskdesk.monitoring.preview import preview_rule

PAGE_SIZE = 200


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _filter_alerts(alerts, params):
    """The inbox filters: unread, severity, dimension, customer name or code, date range."""
    if params.get("status") == "unread":
        alerts = alerts.unread()
    if params.get("severity") in Severity.values:
        alerts = alerts.filter(event__severity=params["severity"])
    if params.get("dimension") in Dimension.values:
        alerts = alerts.filter(event__dimension=params["dimension"])
    customer = params.get("customer", "").strip()
    if customer:
        alerts = alerts.filter(event__customer__name__icontains=customer)
    since, until = _date(params.get("since", "")), _date(params.get("until", ""))
    if since:
        alerts = alerts.filter(created_at__date__gte=since)
    if until:
        alerts = alerts.filter(created_at__date__lte=until)
    return alerts


@login_required
@require_GET
def inbox(request):
    alerts = _filter_alerts(services.inbox(user=request.user), request.GET)
    context = {
        "nav": "alerts",
        "alerts": alerts.prefetch_related("rules")[:PAGE_SIZE],
        "status": request.GET.get("status", ""),
        "severity": request.GET.get("severity", ""),
        "dimension": request.GET.get("dimension", ""),
        "customer": request.GET.get("customer", ""),
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
        "severities": Severity.choices,
        "dimensions": Dimension.choices,
    }
    return render(request, "monitoring/inbox.html", context)


def _alert_row(request, alert):
    return render(request, "monitoring/_alert_row.html", {"alert": alert})


@login_required
@require_POST
def alert_read(request, pk: int):
    alert = get_object_or_404(services.inbox(user=request.user), pk=pk)
    return _alert_row(request, services.mark_read(alert=alert, actor=request.user))


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = get_object_or_404(services.inbox(user=request.user), pk=pk)
    comment = request.POST.get("comment", "")
    alert = services.acknowledge_alert(alert=alert, actor=request.user, comment=comment)
    return _alert_row(request, alert)


# --- rules ----------------------------------------------------------------------------------


def _require_manage(user) -> None:
    if not permissions.may(user, "manage_monitoring"):
        raise PermissionDenied(_("您没有管理监控规则的权限 / You may not manage monitoring rules."))


@login_required
@require_GET
def rule_list(request):
    _require_manage(request.user)
    rules = MonitoringRule.objects.prefetch_related("recipient_users")
    return render(request, "monitoring/rules.html", {"nav": "alerts", "rules": rules})


def _rule_form(request, rule: MonitoringRule) -> MonitoringRuleForm:
    return MonitoringRuleForm(
        request.POST or None,
        instance=rule,
        filter_check_url=reverse("monitoring:rule_check_filter"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int | None = None):
    _require_manage(request.user)
    rule = get_object_or_404(MonitoringRule, pk=pk) if pk is not None else MonitoringRule()
    form = _rule_form(request, rule)
    if request.method == "POST" and form.is_valid():
        services.save_rule(
            rule=form.instance,
            actor=request.user,
            recipient_users=form.cleaned_data["recipient_users"],
            channels=form.cleaned_data["channels"],
        )
        messages.success(request, _("监控规则已保存 / Monitoring rule saved."))
        return redirect("monitoring:rules")
    test_url = (
        reverse("monitoring:rule_test", args=[rule.pk])
        if rule.pk
        else reverse("monitoring:rule_test_new")
    )
    context = {"nav": "alerts", "form": form, "test_url": test_url}
    return render(request, "monitoring/rule_form.html", context)


@login_required
@require_POST
def rule_check_filter(request):
    """htmx: the customer filter's bilingual error as the user types, or an OK."""
    _require_manage(request.user)
    text = request.POST.get("customer_filter", "").strip()
    error = ""
    if text:
        try:
            compile_customer_filter(text)
        except ExpressionError as exc:
            error = str(exc)
    return render(request, "monitoring/_filter_check.html", {"text": text, "error": error})


@login_required
@require_POST
def rule_test(request, pk: int | None = None):
    """htmx: what the rule as currently typed would have sent over the last 30 days."""
    _require_manage(request.user)
    rule = get_object_or_404(MonitoringRule, pk=pk) if pk is not None else MonitoringRule()
    form = _rule_form(request, rule)
    if not form.is_valid():
        return render(request, "monitoring/_rule_test.html", {"form_errors": form.errors})
    try:
        result = preview_rule(
            rule=form.instance,
            actor=request.user,
            recipient_users=form.cleaned_data["recipient_users"],
        )
    except ValidationError as exc:
        return render(request, "monitoring/_rule_test.html", {"form_errors": exc.message_dict})
    return render(request, "monitoring/_rule_test.html", {"result": result})


@login_required
@require_POST
def rule_toggle(request, pk: int):
    rule = get_object_or_404(MonitoringRule, pk=pk)
    services.set_rule_enabled(rule=rule, actor=request.user, enabled=not rule.enabled)
    return redirect("monitoring:rules")


@login_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(MonitoringRule, pk=pk)
    services.delete_rule(rule=rule, actor=request.user)
    messages.success(request, _("监控规则已删除 / Monitoring rule deleted."))
    return redirect("monitoring:rules")


# --- review tasks ---------------------------------------------------------------------------


@login_required
@require_GET
def review_task_list(request):
    tasks = services.review_tasks(user=request.user)
    status = request.GET.get("status", "open")
    if status in ("open", "done"):
        tasks = tasks.filter(status=status)
    context = {"nav": "alerts", "tasks": tasks[:PAGE_SIZE], "status": status}
    return render(request, "monitoring/review_tasks.html", context)


@login_required
@require_POST
def review_task_close(request, pk: int):
    task = get_object_or_404(services.review_tasks(user=request.user), pk=pk)
    try:
        services.close_review_task(
            task=task, actor=request.user, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("monitoring:review_tasks")


@login_required
@require_POST
def hold_release(request, pk: int):
    flag = get_object_or_404(CreditHoldFlag, pk=pk)
    try:
        services.release_credit_hold(
            flag=flag, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("信用冻结已解除 / Credit hold released."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("intel:profile", flag.customer_id)

"""The inbox and the rule editor (thin views: parse, check, call a service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.intel.choices import Dimension, Severity
from riskdesk.monitoring import services
from riskdesk.monitoring.forms import MonitoringRuleForm
from riskdesk.monitoring.models import MonitoringRule

PAGE_SIZE = 200


@login_required
@require_GET
def inbox(request):
    alerts = services.inbox(user=request.user)
    status = request.GET.get("status", "")
    severity = request.GET.get("severity", "")
    dimension = request.GET.get("dimension", "")
    if status == "unread":
        alerts = alerts.unread()
    if severity in Severity.values:
        alerts = alerts.filter(event__severity=severity)
    if dimension in Dimension.values:
        alerts = alerts.filter(event__dimension=dimension)
    context = {
        "nav": "alerts",
        "alerts": alerts.prefetch_related("rules")[:PAGE_SIZE],
        "status": status,
        "severity": severity,
        "dimension": dimension,
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


def _require_manage(user) -> None:
    if not permissions.may(user, "manage_monitoring"):
        raise PermissionDenied(_("您没有管理监控规则的权限 / You may not manage monitoring rules."))


@login_required
@require_GET
def rule_list(request):
    _require_manage(request.user)
    rules = MonitoringRule.objects.prefetch_related("recipient_users")
    return render(request, "monitoring/rules.html", {"nav": "alerts", "rules": rules})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int | None = None):
    _require_manage(request.user)
    rule = get_object_or_404(MonitoringRule, pk=pk) if pk is not None else MonitoringRule()
    form = MonitoringRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        services.save_rule(
            rule=form.instance,
            actor=request.user,
            recipient_users=form.cleaned_data["recipient_users"],
            channels=form.cleaned_data["channels"],
        )
        messages.success(request, _("监控规则已保存 / Monitoring rule saved."))
        return redirect("monitoring:rules")
    return render(request, "monitoring/rule_form.html", {"nav": "alerts", "form": form})

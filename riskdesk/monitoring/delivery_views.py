"""Delivery pages: settings and channels, the delivery log, the user's in-app digests (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.monitoring import delivery
from riskdesk.monitoring.choices import DeliveryStatus, Transport
from riskdesk.monitoring.delivery_forms import ChannelForm, DigestDefaultsForm
from riskdesk.monitoring.models import Delivery, DigestDefaults, NotificationChannel

LOG_PAGE_SIZE = 200


def _require_delivery(user) -> None:
    if not permissions.may(user, "manage_delivery"):
        raise PermissionDenied(
            _("您没有管理通知发送的权限 / You may not manage notification delivery.")
        )


@login_required
@require_http_methods(["GET", "POST"])
def delivery_settings(request):
    _require_delivery(request.user)
    defaults = DigestDefaults.current()
    form = DigestDefaultsForm(
        request.POST or None,
        initial={
            "digest_time": defaults.digest_time,
            "digest_timezone": defaults.digest_timezone,
            "digest_weekday": defaults.digest_weekday,
            "apply_to_rules": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        delivery.save_digest_defaults(actor=request.user, **form.cleaned_data)
        messages.success(request, _("汇总默认设置已保存 / Digest defaults saved."))
        return redirect("monitoring:delivery_settings")
    context = {
        "nav": "alerts",
        "form": form,
        "channels": NotificationChannel.objects.all(),
        "failing": delivery.failing_channels(),
    }
    return render(request, "monitoring/delivery_settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, pk: int | None = None):
    _require_delivery(request.user)
    channel = get_object_or_404(NotificationChannel, pk=pk) if pk else NotificationChannel()
    form = ChannelForm(
        request.POST or None,
        instance=channel,
        may_allow_private=request.user.has_role(Role.ADMIN),
    )
    if request.method == "POST" and form.is_valid():
        try:
            delivery.save_channel(
                channel=form.instance,
                actor=request.user,
                new_secret=form.cleaned_data["new_secret"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("通知渠道已保存 / Channel saved."))
            return redirect("monitoring:delivery_settings")
    return render(
        request, "monitoring/channel_form.html", {"nav": "alerts", "form": form, "channel": channel}
    )


@login_required
@require_GET
def delivery_log(request):
    _require_delivery(request.user)
    rows = Delivery.objects.select_related("digest", "channel", "digest__recipient_user")
    status = request.GET.get("status", "")
    transport = request.GET.get("transport", "")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    if transport in Transport.values:
        rows = rows.filter(transport=transport)
    context = {
        "nav": "alerts",
        "deliveries": rows[:LOG_PAGE_SIZE],
        "failing": delivery.failing_channels(),
        "status": status,
        "transport": transport,
        "statuses": DeliveryStatus.choices,
        "transports": Transport.choices,
    }
    return render(request, "monitoring/delivery_log.html", context)


@login_required
@require_POST
def delivery_retry_dead(request):
    _require_delivery(request.user)
    channel = None
    if request.POST.get("channel"):
        channel = get_object_or_404(NotificationChannel, pk=request.POST["channel"])
    count = delivery.retry_dead(actor=request.user, channel=channel)
    messages.success(request, _("已重新排队 %(n)d 条 / %(n)d requeued.") % {"n": count})
    return redirect("monitoring:delivery_log")


@login_required
@require_GET
def digest_list(request):
    digests = delivery.inbox_digests(user=request.user)[:LOG_PAGE_SIZE]
    return render(request, "monitoring/digests.html", {"nav": "alerts", "digests": digests})


@login_required
@require_GET
def digest_detail(request, pk: int):
    digest = get_object_or_404(delivery.inbox_digests(user=request.user), pk=pk)
    delivery.mark_digest_read(digest=digest, actor=request.user)
    return render(request, "monitoring/digest_detail.html", {"nav": "alerts", "digest": digest})

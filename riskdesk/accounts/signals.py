"""Logins, logouts and failed logins land in the audit trail (and drive login throttling)."""

from django.contrib.auth import signals
from django.dispatch import receiver

from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event


def _ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


@receiver(signals.user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    record_event(actor=user, action=AuditAction.LOGIN, obj=user, ip=_ip(request))


@receiver(signals.user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(actor=user, action=AuditAction.LOGOUT, obj=user, ip=_ip(request))


@receiver(signals.user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    record_event(actor=None, actor_name=username, action=AuditAction.LOGIN_FAILED, ip=_ip(request))

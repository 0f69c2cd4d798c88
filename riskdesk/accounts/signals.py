"""Logins, logouts and failed logins land in the audit trail (and drive login throttling)."""

from django.contrib.auth import signals
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from riskdesk.accounts.models import User
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


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change_from_admin(sender, instance, action, pk_set, **kwargs) -> None:
    """Role changes made outside ``services.set_roles`` (the Django admin) are audited too."""
    if action not in {"post_add", "post_remove", "post_clear"} or getattr(
        instance, "_roles_audited", False
    ):
        return
    request = getattr(HistoricalRecords.context, "request", None)
    actor = getattr(request, "user", None)
    record_event(
        actor=actor,
        action=AuditAction.ROLES_CHANGED,
        obj=instance,
        after={"roles": sorted(instance.groups.values_list("name", flat=True))},
        extra={"via": "admin", "change": action},
    )

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts import services
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses a user name after too many recent failures, before checking the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "登录失败次数过多，请 %(minutes)s 分钟后再试 / "
            "Too many failed logins, try again in %(minutes)s minutes."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and services.is_login_locked(username=username):
            from django.conf import settings

            record_event(
                actor=None,
                actor_name=username,
                action=AuditAction.LOGIN_LOCKED,
                ip=self.request.META.get("REMOTE_ADDR") if self.request else None,
            )
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        return super().clean()

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from riskdesk.accounts import services
from riskdesk.accounts.forms import ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        from riskdesk.audit.choices import AuditAction
        from riskdesk.audit.services import record_event

        response = super().form_valid(form)
        record_event(
            actor=self.request.user, action=AuditAction.PASSWORD_CHANGED, obj=self.request.user
        )
        messages.success(self.request, _("密码已修改 / Password changed."))
        return response


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/profile.html", {"token": token, "new_token": None})


@login_required
@require_POST
def create_token(request):
    token = services.create_api_token(user=request.user, actor=request.user)
    return render(request, "accounts/profile.html", {"token": token, "new_token": token.key})


@login_required
@require_POST
def revoke_token(request):
    services.revoke_api_token(user=request.user, actor=request.user)
    messages.success(request, _("API 令牌已撤销 / API token revoked."))
    return redirect("accounts:profile")

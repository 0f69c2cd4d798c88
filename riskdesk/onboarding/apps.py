from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "riskdesk.onboarding"
    label = "onboarding"
    verbose_name = _("新建准入")

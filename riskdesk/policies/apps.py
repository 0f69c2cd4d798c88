from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "riskdesk.policies"
    label = "policies"
    verbose_name = _("风险策略")

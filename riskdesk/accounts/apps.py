from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "riskdesk.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from riskdesk.accounts import signals  # noqa: F401

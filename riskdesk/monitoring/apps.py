from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "riskdesk.monitoring"
    label = "monitoring"
    verbose_name = _("监控预警")

    def ready(self) -> None:
        from riskdesk.monitoring import signals  # noqa: F401

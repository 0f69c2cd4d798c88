from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "riskdesk.monitoring"
    label = "monitoring"
    verbose_name = _("监控预警")

    def ready(self) -> None:
        from riskdesk.jobs.services import register_schedulable_task
        from riskdesk.monitoring import signals  # noqa: F401

        register_schedulable_task(
            "riskdesk.monitoring.tasks.scan_internal_events_task",
            "扫描内部预警事件 / Scan internal alert events",
        )
        register_schedulable_task(
            "riskdesk.monitoring.tasks.run_digests_task",
            "预警汇总与发送 / Build and send alert digests",
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelConfig(AppConfig):
    name = "riskdesk.intel"
    label = "intel"
    verbose_name = _("企业情报")

    def ready(self) -> None:
        from riskdesk.jobs.services import register_schedulable_task

        register_schedulable_task(
            "riskdesk.intel.tasks.refresh_all_task", "刷新全部企业档案 / Refresh all dossiers"
        )

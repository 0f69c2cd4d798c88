from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "riskdesk.credit"
    label = "credit"
    verbose_name = _("授信")

    def ready(self) -> None:
        from riskdesk.jobs.services import register_schedulable_task

        register_schedulable_task(
            "riskdesk.credit.tasks.periodic_review_task",
            "定期复评到期客户 / Re-assess customers due for review",
        )

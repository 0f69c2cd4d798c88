from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "riskdesk.assessments"
    label = "assessments"
    verbose_name = _("风险评估")

    def ready(self) -> None:
        from riskdesk.jobs.services import register_schedulable_task

        register_schedulable_task(
            "riskdesk.assessments.tasks.nightly_assessment_task",
            "全量重新评估 / Re-assess the whole portfolio",
        )

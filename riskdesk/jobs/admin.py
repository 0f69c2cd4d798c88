from django.contrib import admin

from riskdesk.jobs.models import Job, Schedule
from riskdesk.jobs.services import save_schedule


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "kind",
        "time_of_day",
        "timezone",
        "enabled",
        "next_run_at",
        "last_run_at",
    ]
    readonly_fields = ["next_run_at", "last_run_at", "last_error", "run_count"]

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so the next run is recomputed and only known tasks are accepted.
        save_schedule(
            name=obj.name,
            label=obj.label,
            task_path=obj.task_path,
            kind=obj.kind,
            time_of_day=obj.time_of_day,
            weekday=obj.weekday,
            interval_minutes=obj.interval_minutes,
            timezone_name=obj.timezone,
            enabled=obj.enabled,
            kwargs=obj.kwargs,
        )
        obj.refresh_from_db()

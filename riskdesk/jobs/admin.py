from django.contrib import admin

from riskdesk.jobs.models import Job, Schedule


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

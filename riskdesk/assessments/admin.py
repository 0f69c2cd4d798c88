from django.contrib import admin

from riskdesk.assessments.models import Assessment, BatchRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["customer", "grade", "score", "proposed_limit", "trigger", "created_at"]
    list_filter = ["grade", "trigger", "admission"]
    raw_id_fields = ["customer", "batch_run"]


@admin.register(BatchRun)
class BatchRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "as_of", "policy_version", "status", "done", "total", "created_at"]
    list_filter = ["status"]

from django.contrib import admin

from riskdesk.policies.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Read-only: versions change only through the services (validated, audited)."""

    list_display = ["number", "name", "status", "author", "published_by", "published_at"]
    list_filter = ["status"]
    search_fields = ["name", "notes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from riskdesk.monitoring.models import Alert, MonitoringRule


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "enabled", "min_severity", "delivery_mode", "error_count"]
    list_filter = ["enabled", "delivery_mode"]
    search_fields = ["name"]
    readonly_fields = ["last_error", "last_error_at", "error_count", "created_by"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "created_at", "read_at", "acknowledged_at"]
    list_filter = ["read_at", "acknowledged_at"]
    raw_id_fields = ["event", "recipient"]

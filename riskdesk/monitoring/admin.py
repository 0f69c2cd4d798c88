from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from riskdesk.monitoring.models import Alert, CreditHoldFlag, MonitoringRule, ReviewTask


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "enabled", "min_severity", "delivery_mode", "error_count"]
    list_filter = ["enabled", "delivery_mode"]
    search_fields = ["name"]
    readonly_fields = ["last_error", "last_error_at", "error_count", "created_by"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "created_at", "read_at", "acknowledged_at"]
    list_filter = ["read_at", "acknowledged_at"]
    raw_id_fields = ["event", "recipient"]


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    list_display = ["customer", "reason", "role", "status", "created_at", "closed_by"]
    list_filter = ["status", "role"]
    raw_id_fields = ["customer", "event", "rule", "assignee", "closed_by"]


@admin.register(CreditHoldFlag)
class CreditHoldFlagAdmin(admin.ModelAdmin):
    list_display = ["customer", "reason", "created_at", "released_at", "released_by"]
    raw_id_fields = ["customer", "event", "rule", "released_by"]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from riskdesk.monitoring.models import (
    Alert,
    CreditHoldFlag,
    Delivery,
    Digest,
    MonitoringRule,
    NotificationChannel,
    ReviewTask,
)


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


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    """The secret is set on the delivery settings page; here it is only shown masked."""

    list_display = ["name", "kind", "enabled", "failure_count", "last_success_at"]
    list_filter = ["kind", "enabled"]
    exclude = ["secret"]
    readonly_fields = [
        "masked_secret",
        "failure_count",
        "last_error",
        "last_failure_at",
        "last_success_at",
        "created_by",
    ]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["recipient_key", "transport", "period_key", "event_count", "created_at"]
    list_filter = ["transport", "period"]
    search_fields = ["recipient_key", "period_key"]
    raw_id_fields = ["recipient_user", "channel"]
    readonly_fields = ["uid"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["digest", "transport", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "transport"]
    raw_id_fields = ["digest", "channel"]

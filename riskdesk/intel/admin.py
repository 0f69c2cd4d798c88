from django.contrib import admin

from riskdesk.intel.models import (
    ChangeEvent,
    DossierSnapshot,
    ProviderCall,
    ProviderConfig,
    QuarantinedPayload,
)


@admin.register(ProviderConfig)
class ProviderConfigAdmin(admin.ModelAdmin):
    """Settings are validated against the provider's schema by ``ProviderConfig.clean``."""

    list_display = ["provider_id", "priority", "enabled", "monthly_budget_cny", "max_age_days"]
    list_editable = ["priority", "enabled"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the intel services: visible, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DossierSnapshot)
class DossierSnapshotAdmin(_ReadOnlyAdmin):
    list_display = ["customer", "provider_id", "as_of", "checked_as_of", "check_count"]
    list_filter = ["provider_id"]
    search_fields = ["customer__name", "customer__uscc", "content_hash"]
    list_select_related = ["customer"]


@admin.register(ChangeEvent)
class ChangeEventAdmin(_ReadOnlyAdmin):
    list_display = ["customer", "type", "severity", "occurred_on", "detected_at"]
    list_filter = ["dimension", "severity", "type"]
    search_fields = ["customer__name", "customer__uscc", "dedup_key"]
    list_select_related = ["customer"]


@admin.register(ProviderCall)
class ProviderCallAdmin(_ReadOnlyAdmin):
    list_display = ["provider_id", "called_at", "outcome", "cost_cny", "duration_ms", "error_code"]
    list_filter = ["provider_id", "outcome"]


@admin.register(QuarantinedPayload)
class QuarantinedPayloadAdmin(_ReadOnlyAdmin):
    list_display = ["provider_id", "customer", "received_at", "error_code"]
    list_filter = ["provider_id", "error_code"]

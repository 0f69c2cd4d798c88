from django.contrib import admin

from riskdesk.onboarding.models import AdmissionCase


@admin.register(AdmissionCase)
class AdmissionCaseAdmin(admin.ModelAdmin):
    list_display = ["customer", "status", "outcome", "requested_by", "decided_by", "created_at"]
    readonly_fields = [f.name for f in AdmissionCase._meta.fields]

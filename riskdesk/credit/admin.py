from django.contrib import admin

from riskdesk.credit.models import CreditCheck, CreditLimit, CreditSettings, LimitRequest


@admin.register(CreditSettings)
class CreditSettingsAdmin(admin.ModelAdmin):
    list_display = ["max_auto_amount", "max_auto_increase_pct", "controller_max_amount"]


@admin.register(CreditLimit)
class CreditLimitAdmin(admin.ModelAdmin):
    list_display = ["customer", "amount", "currency", "valid_from", "valid_to", "source"]
    readonly_fields = [f.name for f in CreditLimit._meta.fields]


@admin.register(LimitRequest)
class LimitRequestAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "amount", "status", "requested_by", "created_at"]
    readonly_fields = [f.name for f in LimitRequest._meta.fields]


@admin.register(CreditCheck)
class CreditCheckAdmin(admin.ModelAdmin):
    list_display = ["order_reference", "customer", "amount", "decision", "status", "created_at"]
    readonly_fields = [f.name for f in CreditCheck._meta.fields]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from riskdesk.customers.models import (
    Customer,
    ImportBatch,
    Invoice,
    Order,
    Payment,
    PaymentAllocation,
    Tag,
)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "uscc", "owner", "team", "industry", "province", "status"]
    list_filter = ["status", "industry", "province", "team"]
    search_fields = ["name", "uscc", "external_id"]
    autocomplete_fields = ["owner", "team", "tags"]
    list_select_related = ["owner", "team"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class _DocumentAdmin(SimpleHistoryAdmin):
    search_fields = ["number", "customer__name", "customer__uscc"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(Order)
class OrderAdmin(_DocumentAdmin):
    list_display = ["number", "customer", "order_date", "amount", "currency", "status"]
    list_filter = ["status", "currency"]


@admin.register(Invoice)
class InvoiceAdmin(_DocumentAdmin):
    list_display = [
        "number",
        "customer",
        "issue_date",
        "due_date",
        "amount",
        "paid_amount",
        "status",
    ]
    list_filter = ["status", "currency"]


class AllocationInline(admin.TabularInline):
    model = PaymentAllocation
    raw_id_fields = ["invoice"]
    extra = 0


@admin.register(Payment)
class PaymentAdmin(_DocumentAdmin):
    list_display = ["number", "customer", "payment_date", "amount", "currency"]
    inlines = [AllocationInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["kind", "filename", "created_by", "created_at", "applied_at"]
    exclude = ["content"]
    readonly_fields = [
        "kind",
        "filename",
        "encoding",
        "valid_only",
        "preview",
        "result",
        "created_by",
        "applied_at",
    ]

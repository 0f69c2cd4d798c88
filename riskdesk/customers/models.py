from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from riskdesk.customers.choices import (
    INDUSTRY_SECTIONS,
    PROVINCES,
    Currency,
    CustomerStatus,
    InvoiceStatus,
    OrderStatus,
)
from riskdesk.dossier.uscc import UsccError, validate_uscc

MONEY = {"max_digits": 18, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> CustomerQuerySet:
        from riskdesk.accounts.permissions import restrict

        return restrict(self, user, action)


class Customer(models.Model):
    name = models.CharField(_("客户名称"), max_length=200, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    industry = models.CharField(_("行业"), max_length=40, blank=True, db_index=True)
    province = models.CharField(_("省份"), max_length=20, blank=True, db_index=True)
    city = models.CharField(_("城市"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    external_id = models.CharField(
        _("外部编码（ERP）"), max_length=64, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["name"]
        # The list page orders by (name, id): this index serves it without sorting the table.
        indexes = [models.Index(fields=["name", "id"], name="customer_name_id")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = (self.name or "").strip()
        if not self.name:
            errors["name"] = _("客户名称不能为空 / Name is required.")
        try:
            self.uscc = validate_uscc(self.uscc or "")
        except UsccError as exc:
            errors["uscc"] = str(exc)
        if self.industry and self.industry not in INDUSTRY_SECTIONS.values():
            errors["industry"] = _(
                "行业须为 GB/T 4754 门类 / Industry must be a GB/T 4754 section."
            )
        if self.province and self.province not in PROVINCES:
            errors["province"] = _("未知省份 / Unknown province.")
        if self.external_id == "":
            self.external_id = None
        if errors:
            raise ValidationError(errors)


class Order(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="orders"
    )
    number = models.CharField(_("订单号"), max_length=64, unique=True)
    order_date = models.DateField(_("下单日期"), db_index=True)
    amount = models.DecimalField(_("金额"), **MONEY, validators=NON_NEGATIVE)
    currency = models.CharField(_("币种"), max_length=3, choices=Currency.choices, default="CNY")
    status = models.CharField(
        _("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-order_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "order_date"]),
            models.Index(fields=["status", "order_date"]),
        ]

    def __str__(self) -> str:
        return self.number


class Invoice(models.Model):
    """A receivable. ``paid_amount`` is the ERP's figure unless payments are allocated to it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="invoices"
    )
    number = models.CharField(_("发票号"), max_length=64, unique=True)
    issue_date = models.DateField(_("开票日期"), db_index=True)
    due_date = models.DateField(_("到期日"))
    amount = models.DecimalField(_("金额"), **MONEY, validators=NON_NEGATIVE)
    paid_amount = models.DecimalField(
        _("已付金额"), **MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    paid_date = models.DateField(_("结清日期"), null=True, blank=True)
    currency = models.CharField(_("币种"), max_length=3, choices=Currency.choices, default="CNY")
    status = models.CharField(
        _("状态"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "issue_date"]),
            models.Index(fields=["status", "issue_date"]),
            models.Index(fields=["paid_date"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        if self.status == InvoiceStatus.CANCELLED:
            return Decimal("0")
        return max(Decimal("0"), self.amount - self.paid_amount)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.due_date and self.issue_date and self.due_date < self.issue_date:
            errors["due_date"] = _("到期日早于开票日期 / Due date is before the issue date.")
        if (
            self.amount is not None
            and self.paid_amount is not None
            and self.paid_amount > self.amount
        ):
            errors["paid_amount"] = _(
                "已付金额超过发票金额 / Paid amount exceeds the invoice amount."
            )
        if errors:
            raise ValidationError(errors)


class Payment(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="payments"
    )
    number = models.CharField(_("收款单号"), max_length=64, unique=True)
    payment_date = models.DateField(_("收款日期"), db_index=True)
    amount = models.DecimalField(_("金额"), **MONEY, validators=NON_NEGATIVE)
    currency = models.CharField(_("币种"), max_length=3, choices=Currency.choices, default="CNY")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["-payment_date", "-id"]

    def __str__(self) -> str:
        return self.number


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    amount = models.DecimalField(_("核销金额"), **MONEY, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("收款核销")
        verbose_name_plural = _("收款核销")
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="one_allocation_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class ImportBatch(models.Model):
    """An uploaded file waiting for confirmation in the web import flow (preview → confirm)."""

    kind = models.CharField(_("导入类型"), max_length=20)
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"))
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    valid_only = models.BooleanField(_("仅导入有效行"), default=False)
    preview = models.JSONField(_("预览结果"), default=dict)
    result = models.JSONField(_("导入结果"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"

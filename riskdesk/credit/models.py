from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.credit.choices import (
    CheckDecision,
    CheckStatus,
    LimitSource,
    RequestKind,
    RequestStatus,
    Verdict,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


def _actor_fk(verbose_name, **extra):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **extra,
    )


class CreditSettings(models.Model):
    """The auto-approval bounds and approval thresholds risk managers set (one row, pk 1)."""

    max_auto_amount = models.DecimalField(
        _("自动授信上限"), default=Decimal("1000000"), validators=[MinValueValidator(0)], **MONEY
    )
    max_auto_increase_pct = models.DecimalField(
        _("自动提额上限（%）"), max_digits=6, decimal_places=2, default=Decimal("20")
    )
    controller_max_amount = models.DecimalField(
        _("信用控制可单独审批的额度上限"), default=Decimal("500000"), **MONEY
    )
    overdue_tolerance_days = models.PositiveIntegerField(_("逾期容忍天数"), default=15)
    utilisation_warning_pct = models.PositiveIntegerField(_("额度使用率预警（%）"), default=80)
    review_expiry_days = models.PositiveIntegerField(
        _("额度到期前提前复评天数"),
        default=30,
        help_text=_("额度在此天数内到期的客户进入复评队列 / limits expiring within these days"),
    )
    updated_by = _actor_fk(_("修改人"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("授信设置")
        verbose_name_plural = _("授信设置")

    def __str__(self) -> str:
        return str(_("授信设置"))

    @classmethod
    def load(cls) -> CreditSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class CreditLimit(models.Model):
    """One granted limit. Rows are never changed: the current limit of a customer is the latest
    row whose validity covers the day, so a temporary limit ends by itself."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="credit_limits",
    )
    amount = models.DecimalField(_("额度"), validators=[MinValueValidator(0)], **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("到期日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=LimitSource.choices)
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("来源评估"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        "credit.LimitRequest",
        verbose_name=_("额度申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = _actor_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用额度")
        verbose_name_plural = _("信用额度")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount} {self.currency}"


class LimitRequest(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="limit_requests",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=RequestKind.choices)
    amount = models.DecimalField(_("申请额度"), validators=[MinValueValidator(0)], **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    valid_to = models.DateField(_("到期日期"), null=True, blank=True)
    reason = models.TextField(_("申请理由"))
    steps_required = models.PositiveSmallIntegerField(_("审批级数"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("来源评估"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = _actor_fk(_("申请人"))
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("额度申请")
        verbose_name_plural = _("额度申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.amount}"


class LimitDecision(models.Model):
    """One step of the approval chain: who decided, when, why, and the limit before/after."""

    request = models.ForeignKey(LimitRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField(_("审批级"))
    verdict = models.CharField(_("结论"), max_length=10, choices=Verdict.choices)
    actor = _actor_fk(_("审批人"))
    reason = models.TextField(_("理由"), blank=True)
    before = models.JSONField(_("调整前"), null=True, blank=True)
    after = models.JSONField(_("调整后"), null=True, blank=True)
    created_at = models.DateTimeField(_("审批时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("额度审批")
        verbose_name_plural = _("额度审批")
        ordering = ["request", "step", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.step} {self.verdict}"


class CreditCheck(models.Model):
    """The credit check of one ERP order; the order reference makes repeats return this row."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="credit_checks",
    )
    order_reference = models.CharField(_("订单号"), max_length=64, unique=True)
    amount = models.DecimalField(_("订单金额"), validators=[MinValueValidator(0)], **MONEY)
    decision = models.CharField(_("结论"), max_length=10, choices=CheckDecision.choices)
    reasons = models.JSONField(_("原因"), default=list)
    status = models.CharField(_("状态"), max_length=12, choices=CheckStatus.choices)
    exposure = models.DecimalField(_("检查时信用占用"), **MONEY)
    limit_amount = models.DecimalField(_("检查时额度"), null=True, blank=True, **MONEY)
    requested_by = _actor_fk(_("请求人"))
    created_at = models.DateTimeField(_("检查时间"), auto_now_add=True)
    resolved_by = _actor_fk(_("处理人"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_reason = models.TextField(_("处理理由"), blank=True)

    class Meta:
        verbose_name = _("订单信用检查")
        verbose_name_plural = _("订单信用检查")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.order_reference} {self.decision}"

"""Enterprise intelligence: provider configuration, spend, dossier snapshots and change events."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as PydanticValidationError

from riskdesk.dossier.providers import PROVIDERS, create_provider
from riskdesk.dossier.schema import Dossier, dossier_from_canonical
from riskdesk.intel.choices import CallOutcome, Dimension, Severity

MONEY = {"max_digits": 14, "decimal_places": 2}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


class ProviderConfig(models.Model):
    """One configured data provider. Enabled rows are tried in ``priority`` order (lowest first)."""

    provider_id = models.CharField(_("数据源"), max_length=40, unique=True)
    priority = models.PositiveSmallIntegerField(_("优先级（小者优先）"), default=100)
    enabled = models.BooleanField(_("启用"), default=True)
    settings = models.JSONField(_("配置"), default=dict, blank=True)
    monthly_budget_cny = models.DecimalField(
        _("每月预算（元，空为不限）"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_age_days = models.PositiveIntegerField(_("数据有效期（天）"), default=7)
    push_secret = models.CharField(
        _("推送签名密钥"),
        max_length=128,
        blank=True,
        help_text=_("为空则不接受该数据源的推送"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据源配置")
        verbose_name_plural = _("数据源配置")
        ordering = ["priority", "provider_id"]

    def __str__(self) -> str:
        return self.provider_id

    @property
    def label(self) -> str:
        cls = PROVIDERS.get(self.provider_id)
        if cls is None:
            return self.provider_id
        return cls.label_en if _english() else cls.label_zh

    def provider_settings(self) -> dict:
        """The settings handed to the provider class, with the budget from its own field."""
        merged = dict(self.settings or {})
        if self.monthly_budget_cny is not None:
            merged["monthly_budget_cny"] = str(self.monthly_budget_cny)
        return merged

    def clean(self) -> None:
        if self.provider_id not in PROVIDERS:
            raise ValidationError(
                {"provider_id": _("未知的数据源 / Unknown provider: %s") % self.provider_id}
            )
        if not isinstance(self.settings, dict):
            raise ValidationError(
                {"settings": _("配置须为 JSON 对象 / Settings must be an object.")}
            )
        if "monthly_budget_cny" in self.settings:
            raise ValidationError(
                {
                    "settings": _(
                        "预算请填写在“每月预算”字段 / Set the budget in the monthly budget field."
                    )
                }
            )
        try:
            create_provider(self.provider_id, self.provider_settings())
        except PydanticValidationError as exc:
            messages = [
                f"{'.'.join(str(p) for p in error['loc']) or '-'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            ]
            raise ValidationError({"settings": messages}) from exc


class ProviderCall(models.Model):
    """One call to a provider: the spend accounting and the error log."""

    provider_id = models.CharField(_("数据源"), max_length=40, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_calls",
    )
    called_at = models.DateTimeField(_("调用时间"), default=timezone.now, db_index=True)
    as_of = models.DateField(_("数据日期"))
    outcome = models.CharField(_("结果"), max_length=20, choices=CallOutcome.choices)
    cost_cny = models.DecimalField(_("费用（元）"), **MONEY, default=Decimal("0"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True)
    error = models.TextField(_("错误"), blank=True)
    snapshot = models.ForeignKey(
        "intel.DossierSnapshot",
        verbose_name=_("快照"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("数据源调用")
        verbose_name_plural = _("数据源调用")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["provider_id", "called_at"])]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.called_at:%Y-%m-%d %H:%M} {self.outcome}"


class SnapshotQuerySet(models.QuerySet):
    def current_for(self, customer_id: int) -> DossierSnapshot | None:
        """The customer's current snapshot: the newest one stored."""
        return self.filter(customer_id=customer_id).order_by("-id").first()

    def current(self) -> SnapshotQuerySet:
        """The current snapshot of every customer that has one."""
        latest = (
            self.model.objects.values("customer_id")
            .annotate(latest=models.Max("id"))
            .values("latest")
        )
        return self.filter(id__in=models.Subquery(latest))


class DossierSnapshot(models.Model):
    """An immutable dossier as a provider delivered it: canonical JSON and its SHA-256.

    Only the "last checked" fields ever change: an unchanged refresh records that it looked.
    """

    MUTABLE_FIELDS = frozenset({"checked_at", "checked_as_of", "check_count"})

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="dossier_snapshots",
    )
    provider_id = models.CharField(_("数据源"), max_length=40)
    content = models.TextField(_("档案（规范 JSON）"))
    content_hash = models.CharField(_("哈希（SHA-256）"), max_length=64, db_index=True)
    schema_version = models.CharField(_("结构版本"), max_length=10)
    section_sources = models.JSONField(_("各部分来源"), default=dict)
    as_of = models.DateField(_("数据日期"))
    fetched_at = models.DateTimeField(_("获取时间"))
    checked_at = models.DateTimeField(_("最近核对时间"))
    checked_as_of = models.DateField(_("最近核对的数据日期"))
    check_count = models.PositiveIntegerField(_("核对次数"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("档案快照")
        verbose_name_plural = _("档案快照")
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "provider_id", "fetched_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.provider_id} {self.as_of}"

    def save(self, *args, **kwargs) -> None:
        changing = kwargs.get("update_fields")
        if self.pk is not None and (
            changing is None or not self.MUTABLE_FIELDS.issuperset(changing)
        ):
            raise ValueError("档案快照不可修改 / dossier snapshots are immutable")
        super().save(*args, **kwargs)

    @property
    def dossier(self) -> Dossier:
        cached = getattr(self, "_dossier", None)
        if cached is None:
            cached = dossier_from_canonical(self.content.encode())
            self._dossier = cached
        return cached


class QuarantinedPayload(models.Model):
    """A provider answer that did not fit the schema: kept with its errors, never shown as data."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quarantined_payloads",
    )
    provider_id = models.CharField(_("数据源"), max_length=40)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    as_of = models.DateField(_("数据日期"))
    error_code = models.CharField(_("错误代码"), max_length=40)
    message = models.TextField(_("说明"))
    errors = models.JSONField(_("校验错误"), default=list, blank=True)
    raw = models.TextField(_("原始内容（节选）"), blank=True)

    class Meta:
        verbose_name = _("隔离的数据")
        verbose_name_plural = _("隔离的数据")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.received_at:%Y-%m-%d %H:%M} {self.error_code}"


class ChangeEvent(models.Model):
    """A typed change of a customer's dossier (or an internal fact), stored once per fact."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="change_events",
    )
    type = models.CharField(_("事件类型"), max_length=60, db_index=True)
    dimension = models.CharField(_("风险维度"), max_length=20, choices=Dimension.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(_("严重程度序号"), default=0)
    title_zh = models.CharField(_("标题（中文）"), max_length=200)
    title_en = models.CharField(_("标题（英文）"), max_length=200)
    text_zh = models.TextField(_("内容（中文）"), blank=True)
    text_en = models.TextField(_("内容（英文）"), blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    item_id = models.CharField(_("条目标识"), max_length=80, blank=True)
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    as_of = models.DateField(_("数据日期"))
    provider_id = models.CharField(_("数据源"), max_length=40, blank=True)
    source_snapshot = models.ForeignKey(
        DossierSnapshot,
        verbose_name=_("来源快照"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    dedup_key = models.CharField(_("去重键"), max_length=200)
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("变更事件")
        verbose_name_plural = _("变更事件")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "dedup_key"], name="intel_event_once_per_fact"
            )
        ]
        indexes = [models.Index(fields=["customer", "detected_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.type} {self.dedup_key}"

    @property
    def title(self) -> str:
        return self.title_en if _english() else self.title_zh

    @property
    def text(self) -> str:
        return (self.text_en or self.text_zh) if _english() else (self.text_zh or self.text_en)


class PushReceipt(models.Model):
    """A provider push already accepted: a second request with the same signature is a replay."""

    provider_id = models.CharField(_("数据源"), max_length=40)
    signature = models.CharField(_("签名"), max_length=128)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id", "signature"], name="intel_push_once_per_signature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.received_at:%Y-%m-%d %H:%M}"

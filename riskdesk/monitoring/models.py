"""Monitoring rules (监控规则) and the alerts (预警) they raise."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from riskdesk.accounts.choices import Role
from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.engine import CompiledExpression, ExpressionError, compile_expression
from riskdesk.intel.choices import Severity
from riskdesk.monitoring.choices import (
    ActionStatus,
    DeliveryMode,
    ReviewTaskStatus,
    RuleErrorCode,
)

DEFAULT_DIGEST_TIME = dt.time(21, 0)
DEFAULT_DIGEST_TIMEZONE = "Asia/Shanghai"
FILTER_OUTPUTS = frozenset({"grade", "score"})
"""Policy outputs a filter may name: they mean the customer's latest assessment."""


def compile_customer_filter(text: str) -> CompiledExpression:
    """The rule's customer filter as a boolean expression; raises ``ExpressionError``."""
    return compile_expression(text, expected_type="boolean", available_outputs=FILTER_OUTPUTS)


def _clean_words(value, field: str, *, fold: bool = False) -> list[str]:
    """A list of distinct non-empty strings (NFKC-normalised), in the order given."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        message = _("须为文本列表 / Must be a list of texts.")
        raise ValidationError({field: ValidationError(message, code=RuleErrorCode.INVALID_LIST)})
    words: list[str] = []
    for item in value:
        word = unicodedata.normalize("NFKC", item).strip()
        if fold:
            word = word.casefold()
        if word and word not in words:
            words.append(word)
    return words


def _listed(value) -> list:
    return value if isinstance(value, list) else []


class MonitoringRule(models.Model):
    """What to watch, for which customers, and who hears about it.

    Every list is stored in its canonical form (``clean()`` normalises it); an empty list
    means "no restriction" (all event types, any text, any province or tag).
    """

    name = models.CharField(_("规则名称"), max_length=100)
    enabled = models.BooleanField(_("启用"), default=True)
    event_types = models.JSONField(_("事件类型"), default=list, blank=True)
    min_severity = models.CharField(
        _("最低严重程度"), max_length=10, choices=Severity.choices, default=Severity.INFO
    )
    include_keywords = models.JSONField(_("包含关键词（任一）"), default=list, blank=True)
    exclude_keywords = models.JSONField(_("排除关键词"), default=list, blank=True)
    customer_filter = models.TextField(
        _("客户筛选表达式"),
        blank=True,
        help_text=_("策略语言，例如 industry IN ('建筑业','房地产业') AND grade IN ('C','D')"),
    )
    provinces = models.JSONField(_("省份"), default=list, blank=True)
    tags = models.JSONField(_("客户标签（任一）"), default=list, blank=True)
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定接收人"),
        blank=True,
        related_name="monitoring_rules",
    )
    recipient_roles = models.JSONField(_("接收角色"), default=list, blank=True)
    notify_owner = models.BooleanField(_("通知客户负责人"), default=True)
    notify_owner_manager = models.BooleanField(_("通知负责人的主管"), default=False)
    delivery_mode = models.CharField(
        _("发送方式"),
        max_length=20,
        choices=DeliveryMode.choices,
        default=DeliveryMode.DAILY_DIGEST,
    )
    digest_time = models.TimeField(_("汇总发送时间"), default=DEFAULT_DIGEST_TIME)
    digest_timezone = models.CharField(
        _("汇总时区"), max_length=50, default=DEFAULT_DIGEST_TIMEZONE
    )
    action_reassess = models.BooleanField(_("重新评估客户"), default=False)
    action_review_task = models.BooleanField(_("创建复核任务"), default=False)
    review_task_role = models.CharField(
        _("复核任务负责角色"), max_length=20, choices=Role.choices, default=Role.RISK_MANAGER
    )
    action_credit_hold = models.BooleanField(_("新订单信用冻结"), default=False)
    last_error = models.TextField(_("最近错误"), blank=True)
    last_error_at = models.DateTimeField(_("最近出错时间"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("出错次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "last_error", "last_error_at", "error_count"]
    )

    class Meta:
        verbose_name = _("监控规则")
        verbose_name_plural = _("监控规则")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_actions(self) -> bool:
        return self.action_reassess or self.action_review_task or self.action_credit_hold

    def clean(self) -> None:
        errors: dict[str, list] = {}
        for field, fold in (
            ("event_types", False),
            ("include_keywords", True),
            ("exclude_keywords", True),
            ("provinces", False),
            ("tags", False),
            ("recipient_roles", False),
        ):
            try:
                setattr(self, field, _clean_words(getattr(self, field), field, fold=fold))
            except ValidationError as exc:
                errors.update(exc.error_dict)
        errors.update(self._check_choices())
        errors.update(self._check_filter())
        errors.update(self._check_timezone())
        if errors:
            raise ValidationError(errors)

    def _check_choices(self) -> dict[str, list]:
        errors: dict[str, list] = {}
        unknown_types = [t for t in _listed(self.event_types) if t not in EVENT_TYPES]
        if unknown_types:
            message = _("未知的事件类型 / Unknown event types: %s") % ", ".join(unknown_types)
            errors["event_types"] = [
                ValidationError(message, code=RuleErrorCode.UNKNOWN_EVENT_TYPE)
            ]
        unknown_roles = [r for r in _listed(self.recipient_roles) if r not in Role.values]
        if unknown_roles:
            message = _("未知的角色 / Unknown roles: %s") % ", ".join(unknown_roles)
            errors["recipient_roles"] = [ValidationError(message, code=RuleErrorCode.UNKNOWN_ROLE)]
        return errors

    def _check_filter(self) -> dict[str, list]:
        self.customer_filter = self.customer_filter.strip()
        if not self.customer_filter:
            return {}
        try:
            compiled = compile_customer_filter(self.customer_filter)
        except ExpressionError as exc:
            return {
                "customer_filter": [ValidationError(str(exc), code=RuleErrorCode.INVALID_FILTER)]
            }
        self.customer_filter = compiled.text
        return {}

    def _check_timezone(self) -> dict[str, list]:
        try:
            zoneinfo.ZoneInfo(self.digest_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            message = _("未知的时区 / Unknown time zone: %s") % self.digest_timezone
            return {
                "digest_timezone": [ValidationError(message, code=RuleErrorCode.INVALID_TIMEZONE)]
            }
        return {}


class AlertQuerySet(models.QuerySet):
    def unread(self) -> AlertQuerySet:
        return self.filter(read_at__isnull=True)


class Alert(models.Model):
    """One change event for one person, whatever the number of rules that matched it."""

    event = models.ForeignKey(
        "intel.ChangeEvent",
        verbose_name=_("变更事件"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    rules = models.ManyToManyField(
        MonitoringRule, verbose_name=_("命中规则"), related_name="alerts"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledgement = models.TextField(_("确认意见"), blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="monitoring_alert_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.event_id}"


class RuleActionRun(models.Model):
    """The follow-up actions of one rule for one event: claimed once, so they run once."""

    rule = models.ForeignKey(
        MonitoringRule, verbose_name=_("监控规则"), on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "intel.ChangeEvent", verbose_name=_("变更事件"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PENDING
    )
    results = models.JSONField(_("执行结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规则后续动作")
        verbose_name_plural = _("规则后续动作")
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="monitoring_action_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.event_id} {self.status}"


class ReviewTask(models.Model):
    """A customer to look at again, opened by a rule's follow-up action."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="review_tasks",
    )
    reason = models.CharField(_("原因"), max_length=300)
    event = models.ForeignKey(
        "intel.ChangeEvent",
        verbose_name=_("变更事件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.ForeignKey(
        MonitoringRule,
        verbose_name=_("监控规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("负责角色"), max_length=20, choices=Role.choices, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ReviewTaskStatus.choices,
        default=ReviewTaskStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    comment = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("复核任务")
        verbose_name_plural = _("复核任务")
        ordering = ["status", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason}"


class CreditHoldFlag(models.Model):
    """New orders of the customer go on credit hold while a flag is active (not released)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="monitoring_holds",
    )
    reason = models.CharField(_("原因"), max_length=300)
    event = models.ForeignKey(
        "intel.ChangeEvent",
        verbose_name=_("变更事件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.ForeignKey(
        MonitoringRule,
        verbose_name=_("监控规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用冻结标记")
        verbose_name_plural = _("信用冻结标记")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "released_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason}"

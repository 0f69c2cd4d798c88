"""Monitoring rules (监控规则) and the alerts (预警) they raise."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from riskdesk.accounts.choices import Role
from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.engine import CompiledExpression, ExpressionError, compile_expression
from riskdesk.intel.choices import Severity
from riskdesk.monitoring.choices import (
    ActionStatus,
    ChannelErrorCode,
    ChannelKind,
    DeliveryMode,
    DeliveryStatus,
    Period,
    ReviewTaskStatus,
    RuleErrorCode,
    Transport,
)
from riskdesk.monitoring.urlcheck import check_webhook_url

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
    digest_weekday = models.PositiveSmallIntegerField(
        _("每周汇总星期（0=周一）"), default=0, choices=[(d, str(d)) for d in range(7)]
    )
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    email_recipients = models.BooleanField(_("同时发邮件给接收人"), default=True)
    external_emails = models.JSONField(_("外部邮箱"), default=list, blank=True)
    channels = models.ManyToManyField(
        "monitoring.NotificationChannel",
        verbose_name=_("通知渠道"),
        blank=True,
        related_name="rules",
    )
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
        errors.update(self._check_delivery())
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

    def _check_delivery(self) -> dict[str, list]:
        """External addresses are valid e-mail addresses; quiet hours have both ends or none."""
        errors: dict[str, list] = {}
        try:
            self.external_emails = _clean_words(self.external_emails, "external_emails", fold=True)
        except ValidationError as exc:
            return exc.message_dict
        bad = []
        for address in self.external_emails:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            message = _("邮箱地址无效 / Invalid e-mail addresses: %s") % ", ".join(bad)
            errors["external_emails"] = [
                ValidationError(message, code=ChannelErrorCode.INVALID_EMAIL)
            ]
        if (self.quiet_start is None) != (self.quiet_end is None):
            errors["quiet_end"] = [
                ValidationError(
                    _("免打扰须同时填写开始和结束 / Quiet hours need both a start and an end."),
                    code=RuleErrorCode.INVALID_QUIET_HOURS,
                )
            ]
        return errors


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


class RuleFollowUp(models.Model):
    """What a rule's follow-up action opened on a customer: why, and which rule and event.

    Each subclass declares its own ``customer`` key: their reverse names differ.
    """

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

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason}"


class ReviewTask(RuleFollowUp):
    """A customer to look at again, opened by a rule's follow-up action."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="review_tasks",
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


class CreditHoldFlag(RuleFollowUp):
    """New orders of the customer go on credit hold while a flag is active (not released)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="monitoring_holds",
    )
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


# --- delivery: channels, digests and the delivery log ----------------------------------------


class NotificationChannel(models.Model):
    """A chat group or webhook that rules can route their alerts to.

    The URL is checked on save (HTTPS, public address) and again before every send. The secret
    signs the messages (DingTalk, Feishu, generic webhook); it is never shown back in full.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    url = models.CharField(_("Webhook 地址"), max_length=1000)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    allow_private = models.BooleanField(
        _("允许内网地址"),
        default=False,
        help_text=_("仅用于内网部署的聊天服务器 / only for on-premises chat servers"),
    )
    failure_count = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("最近成功时间"), null=True, blank=True)
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

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.url = self.url.strip()
        self.secret = self.secret.strip()
        try:
            check_webhook_url(self.url, allow_private=self.allow_private)
        except ValidationError as exc:
            raise ValidationError({"url": exc.error_list}) from None

    @property
    def masked_secret(self) -> str:
        if not self.secret:
            return ""
        return f"{self.secret[:3]}…{'*' * 6}" if len(self.secret) > 8 else "*" * 6

    @property
    def transport(self) -> str:
        return Transport(self.kind).value


class DigestDefaults(models.Model):
    """The digest time new rules start with (one row); edited on the delivery settings page."""

    digest_time = models.TimeField(_("默认汇总时间"), default=DEFAULT_DIGEST_TIME)
    digest_timezone = models.CharField(
        _("默认汇总时区"), max_length=50, default=DEFAULT_DIGEST_TIMEZONE
    )
    digest_weekday = models.PositiveSmallIntegerField(_("默认每周汇总星期（0=周一）"), default=0)

    class Meta:
        verbose_name = _("汇总默认设置")
        verbose_name_plural = _("汇总默认设置")

    def __str__(self) -> str:
        return f"{self.digest_time:%H:%M} {self.digest_timezone}"

    @classmethod
    def current(cls) -> DigestDefaults:
        defaults, _created = cls.objects.get_or_create(pk=1)
        return defaults


class Digest(models.Model):
    """What one recipient gets for one period on one transport, rendered once and stored.

    Built before it is sent: the unique (recipient, transport, period) key makes building
    idempotent, and the :class:`DigestItem` rows make an event part of one digest only.
    """

    recipient_key = models.CharField(_("接收方"), max_length=300)
    transport = models.CharField(_("发送方式"), max_length=20, choices=Transport.choices)
    period = models.CharField(_("周期"), max_length=20, choices=Period.choices)
    period_key = models.CharField(_("周期标识"), max_length=120)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digests",
    )
    recipient_email = models.EmailField(_("邮箱"), blank=True)
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("通知渠道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digests",
    )
    period_end = models.DateTimeField(_("截止时间"))
    subject = models.CharField(_("标题"), max_length=300)
    content = models.JSONField(_("内容"), default=dict)
    text = models.TextField(_("纯文本"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    markdown = models.TextField(_("Markdown"), blank=True)
    event_count = models.PositiveIntegerField(_("事件数"), default=0)
    uid = models.UUIDField(_("幂等键"), default=uuid.uuid4, unique=True, editable=False)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True, db_index=True)
    events = models.ManyToManyField(
        "intel.ChangeEvent", through="DigestItem", related_name="digests"
    )

    class Meta:
        verbose_name = _("汇总")
        verbose_name_plural = _("汇总")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "transport", "period_key"],
                name="monitoring_digest_once_per_period",
            )
        ]
        indexes = [models.Index(fields=["recipient_user", "transport", "created_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_key} {self.transport} {self.period_key}"


class DigestItem(models.Model):
    """An event included in a digest; unique per recipient and transport, so never sent twice."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items")
    event = models.ForeignKey("intel.ChangeEvent", on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_items"
    )
    recipient_key = models.CharField(max_length=300)
    transport = models.CharField(max_length=20, choices=Transport.choices)

    class Meta:
        verbose_name = _("汇总条目")
        verbose_name_plural = _("汇总条目")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "transport", "event"],
                name="monitoring_event_once_per_recipient_transport",
            )
        ]

    def __str__(self) -> str:
        return f"{self.digest_id}:{self.event_id}"


class Delivery(models.Model):
    """Sending one digest: the delivery log row, claimed by one sender at a time."""

    digest = models.OneToOneField(
        Digest, verbose_name=_("汇总"), on_delete=models.CASCADE, related_name="delivery"
    )
    transport = models.CharField(_("发送方式"), max_length=20, choices=Transport.choices)
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("通知渠道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    claim_token = models.CharField(_("领取标记"), max_length=32, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.digest_id} {self.status}"


class DigestRun(models.Model):
    """A scheduled digest slot that was built completely (so later ticks skip it)."""

    period_key = models.CharField(_("周期标识"), max_length=120, unique=True)
    digests = models.PositiveIntegerField(_("汇总数"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("汇总批次")
        verbose_name_plural = _("汇总批次")
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return self.period_key

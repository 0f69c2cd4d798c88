from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryMode(models.TextChoices):
    """When a rule's alerts go out (the digest sender is a later slice of issue 6)."""

    IMMEDIATE = "immediate", _("立即")
    DAILY_DIGEST = "daily_digest", _("每日汇总")
    WEEKLY_DIGEST = "weekly_digest", _("每周汇总")


class RuleErrorCode(models.TextChoices):
    """Why a rule could not be saved; returned beside the bilingual message."""

    UNKNOWN_EVENT_TYPE = "unknown_event_type", _("未知的事件类型")
    UNKNOWN_ROLE = "unknown_role", _("未知的角色")
    INVALID_LIST = "invalid_list", _("须为文本列表")
    INVALID_FILTER = "invalid_filter", _("筛选表达式有误")
    INVALID_TIMEZONE = "invalid_timezone", _("未知的时区")
    REQUIRED = "required", _("必填")
    UNKNOWN_FIELD = "unknown_field", _("未知的字段")
    UNKNOWN_USER = "unknown_user", _("未知的用户")
    INVALID_VALUE = "invalid_value", _("取值无效")
    DUPLICATE_NAME = "duplicate_name", _("规则名称重复")


class ActionStatus(models.TextChoices):
    PENDING = "pending", _("执行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReviewTaskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已完成")


class FollowUpAction(models.TextChoices):
    """What a rule may do besides alerting (run once per rule and event, after commit)."""

    REASSESS = "reassess", _("重新评估客户")
    REVIEW_TASK = "review_task", _("创建复核任务")
    CREDIT_HOLD = "credit_hold", _("新订单信用冻结")
    INVALID_QUIET_HOURS = "invalid_quiet_hours", _("免打扰时段不完整")


class Transport(models.TextChoices):
    """How a digest reaches its recipient: the in-app inbox, e-mail or a chat webhook."""

    INBOX = "inbox", _("站内")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉")
    WECOM = "wecom", _("企业微信")
    FEISHU = "feishu", _("飞书")
    SLACK = "slack", _("Slack")
    WEBHOOK = "webhook", _("通用 Webhook")


WEBHOOK_TRANSPORTS = (
    Transport.DINGTALK,
    Transport.WECOM,
    Transport.FEISHU,
    Transport.SLACK,
    Transport.WEBHOOK,
)


class ChannelKind(models.TextChoices):
    """The chat platforms a configured channel may post to."""

    DINGTALK = "dingtalk", _("钉钉机器人")
    WECOM = "wecom", _("企业微信群机器人")
    FEISHU = "feishu", _("飞书机器人")
    SLACK = "slack", _("Slack Incoming Webhook")
    WEBHOOK = "webhook", _("通用 JSON Webhook")


class Period(models.TextChoices):
    """The span a digest covers; IMMEDIATE is the one-event digest sent on creation."""

    IMMEDIATE = "immediate", _("立即")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MANUAL = "manual", _("手动")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败待重试")
    DEAD = "dead", _("已放弃")


class ChannelErrorCode(models.TextChoices):
    """Why a channel could not be saved; returned beside the bilingual message."""

    INVALID_URL = "invalid_url", _("地址无效")
    INSECURE_URL = "insecure_url", _("须使用 HTTPS")
    UNRESOLVABLE = "unresolvable", _("无法解析主机")
    PRIVATE_TARGET = "private_target", _("内网地址")
    INVALID_EMAIL = "invalid_email", _("邮箱地址无效")

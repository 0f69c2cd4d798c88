from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryMode(models.TextChoices):
    """When a rule's alerts go out (the digest sender is a later slice of issue 6)."""

    IMMEDIATE = "immediate", _("立即")
    DAILY_DIGEST = "daily_digest", _("每日汇总")


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

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

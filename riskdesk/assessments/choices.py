from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    MANUAL = "manual", _("手动")
    ONBOARDING = "onboarding", _("准入")
    EVENT = "event", _("事件触发")
    SCHEDULE = "schedule", _("定时")
    BATCH = "batch", _("批量")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class ChunkStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")

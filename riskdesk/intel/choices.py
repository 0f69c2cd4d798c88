from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.dossier.events import EVENT_TYPES


class Dimension(models.TextChoices):
    """风险维度, the same values as :class:`riskdesk.dossier.events.Dimension`."""

    REGISTRATION = "registration", _("工商")
    JUDICIAL = "judicial", _("司法")
    OPERATIONS = "operations", _("经营")
    TAX = "tax", _("税务")
    NEWS = "news", _("舆情")
    INTERNAL = "internal", _("内部")


class Severity(models.TextChoices):
    """严重程度, ordered from info to critical (``SEVERITY_RANK``)."""

    INFO = "info", _("提示")
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    CRITICAL = "critical", _("严重")


SEVERITY_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Severity.values)}


class CallOutcome(models.TextChoices):
    """What one provider call gave: the spend report groups by this."""

    CHANGED = "changed", _("有变化")
    UNCHANGED = "unchanged", _("无变化")
    QUARANTINED = "quarantined", _("已隔离")
    FAILED = "failed", _("失败")
    BUDGET_REFUSED = "budget_refused", _("预算不足")


class RefreshStatus(models.TextChoices):
    """The result of one :func:`riskdesk.intel.services.refresh_dossier` call."""

    FRESH = "fresh", _("数据仍在有效期内")
    CREATED = "created", _("已更新")
    UNCHANGED = "unchanged", _("无变化")
    FAILED = "failed", _("获取失败")


class PushRejection(models.TextChoices):
    """Why a provider push was refused (error codes returned beside the message)."""

    UNKNOWN_PROVIDER = "unknown_provider", _("未知或未启用推送的数据源")
    UNSIGNED = "unsigned", _("缺少签名")
    BAD_SIGNATURE = "bad_signature", _("签名无效")
    STALE = "stale", _("时间戳过期")
    REPLAYED = "replayed", _("重复的推送")
    BAD_PAYLOAD = "bad_payload", _("推送内容无效")


EVENT_TYPE_CHOICES: list[tuple[str, str]] = [
    (spec.type, spec.label_zh) for spec in EVENT_TYPES.values()
]

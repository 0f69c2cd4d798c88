from django.db import models
from django.utils.translation import gettext_lazy as _


class LimitSource(models.TextChoices):
    POLICY = "policy", _("策略公式")
    MANUAL = "manual", _("人工审批")
    TEMPORARY = "temporary", _("临时额度")


class RequestKind(models.TextChoices):
    RAISE = "raise", _("提额")
    LOWER = "lower", _("降额")
    TEMPORARY = "temporary", _("临时额度")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已拒绝")


class Verdict(models.TextChoices):
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("拒绝")


class CheckDecision(models.TextChoices):
    APPROVE = "approve", _("通过")
    HOLD = "hold", _("冻结")


class CheckStatus(models.TextChoices):
    APPROVED = "approved", _("已通过")
    HELD = "held", _("冻结待处理")
    RELEASED = "released", _("已放行")
    REJECTED = "rejected", _("已拒绝")


class HoldReason(models.TextChoices):
    OVER_LIMIT = "over_limit", _("超出信用额度")
    NO_LIMIT = "no_limit", _("没有信用额度")
    LIMIT_EXPIRED = "limit_expired", _("信用额度已过期")
    OVERDUE = "overdue", _("逾期超过容忍天数")
    BLACKLIST = "blacklist", _("客户在黑名单中")
    GRADE_D = "grade_d", _("风险等级为 D")
    MONITORING = "monitoring", _("监控规则冻结")


class ReviewReason(models.TextChoices):
    GRADE_REVIEW = "grade_review", _("等级复评到期")
    LIMIT_EXPIRING = "limit_expiring", _("额度即将到期")
    LIMIT_EXPIRED = "limit_expired", _("额度已过期")
    NOT_ASSESSED = "not_assessed", _("尚未评估")

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    PASS = "pass", _("通过")
    REVIEW = "review", _("待人工审核")
    REJECT = "reject", _("拒绝")
    APPROVED = "approved", _("人工批准")
    REJECTED = "rejected", _("人工拒绝")


OPEN_STATUSES = (CaseStatus.REVIEW,)

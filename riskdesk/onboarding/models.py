"""An admission case (准入案例): one attempt to admit a prospect, with its outcome and decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.onboarding.choices import CaseStatus


class AdmissionCase(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="admission_cases",
    )
    status = models.CharField(_("状态"), max_length=12, choices=CaseStatus.choices)
    outcome = models.CharField(
        _("策略结论"),
        max_length=12,
        choices=CaseStatus.choices[:3],
        help_text=_("策略给出的准入结论 / the policy's admission outcome"),
    )
    reasons = models.JSONField(_("原因"), default=list, blank=True)
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("评估"),
        on_delete=models.PROTECT,
        related_name="admission_cases",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批理由"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("准入案例")
        verbose_name_plural = _("准入案例")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status=CaseStatus.REVIEW),
                name="onboarding_one_open_case_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.REVIEW

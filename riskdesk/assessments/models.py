from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.assessments.choices import BatchStatus, ChunkStatus, Trigger


class ImmutableError(Exception):
    """An attempt to change or delete a stored assessment."""


class BatchRun(models.Model):
    """One re-assessment of the whole portfolio, split into chunks that workers take one by one.

    Re-running an unfinished batch processes only the chunks not yet done, so a crash never
    leaves duplicates (``Assessment`` is unique per batch run and customer as a backstop).
    A customer whose features or evaluation fail is counted in ``failed`` (the errors are on
    its chunk) and the batch goes on with the others.
    """

    policy_version = models.ForeignKey(
        "policies.PolicyVersion", verbose_name=_("策略版本"), on_delete=models.PROTECT
    )
    as_of = models.DateField(_("数据日期"))
    trigger = models.CharField(_("触发方式"), max_length=12, choices=Trigger.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chunk_size = models.PositiveIntegerField(_("每批客户数"))
    total = models.PositiveIntegerField(_("客户总数"), default=0)
    done = models.PositiveIntegerField(_("已评估"), default=0)
    failed = models.PositiveIntegerField(_("评估失败"), default=0)
    limits_granted = models.PositiveIntegerField(_("自动授信"), default=0)
    limits_requested = models.PositiveIntegerField(_("额度申请"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量评估")
        verbose_name_plural = _("批量评估")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of:%Y-%m-%d} ({self.get_status_display()})"


class BatchChunk(models.Model):
    batch_run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("序号"))
    customer_ids = models.JSONField(_("客户编号"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    assessed = models.PositiveIntegerField(_("已评估"), default=0)
    # [{"customer_id": …, "stage": "evaluate" | "limit", "error": …}], written with the chunk
    failures = models.JSONField(_("失败记录"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量评估分块")
        verbose_name_plural = _("批量评估分块")
        ordering = ["batch_run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch_run", "index"], name="assessments_chunk_once")
        ]

    def __str__(self) -> str:
        return f"{self.batch_run_id}/{self.index}"


class Assessment(models.Model):
    """One evaluation of the policy on one customer: inputs, version and outputs, immutable.

    ``features`` and ``policy_version`` are enough to replay it; ``outputs`` is what the
    replay must give. ``trace`` may be empty for batch rows: it is rebuilt from the stored
    features on demand, as a replay would. ``grade`` … ``proposed_limit`` repeat outputs as
    columns for lists, filters and charts.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("策略版本"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    as_of = models.DateField(_("数据日期"))
    features = models.JSONField(_("特征向量"))
    outputs = models.JSONField(_("评估结果"))
    trace = models.JSONField(_("评估过程"), null=True, blank=True)
    trigger = models.CharField(_("触发方式"), max_length=12, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch_run = models.ForeignKey(
        BatchRun,
        verbose_name=_("批量评估"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    admission = models.CharField(_("准入结论"), max_length=10)
    grade = models.CharField(_("等级"), max_length=16, blank=True)
    list = models.CharField(_("名单"), max_length=16, blank=True)
    score = models.FloatField(_("评分"), null=True, blank=True)
    proposed_limit = models.DecimalField(
        _("建议额度"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("评估时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("风险评估")
        verbose_name_plural = _("风险评估")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["batch_run", "customer"], name="assessments_once_per_batch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.grade or '-'} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableError("评估记录不可修改 / An assessment cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("评估记录不可删除 / An assessment cannot be deleted.")

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.jobs.choices import JobStatus, ScheduleKind


class Job(models.Model):
    """A long-running piece of work with progress that the UI and CLI can follow."""

    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    message = models.CharField(_("进度说明"), max_length=300, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}


class Schedule(models.Model):
    """A recurring task whose timing users may change at run time (read by the scheduler tick).

    Times of day are wall-clock times in ``timezone``; ``next_run_at`` is stored in UTC.
    """

    name = models.SlugField(_("标识"), max_length=80, unique=True)
    label = models.CharField(_("名称"), max_length=200)
    task_path = models.CharField(_("任务"), max_length=200)
    kwargs = models.JSONField(_("参数"), default=dict, blank=True)
    kind = models.CharField(_("频率"), max_length=10, choices=ScheduleKind.choices)
    time_of_day = models.TimeField(_("执行时间"), default=dt.time(21, 0))
    weekday = models.PositiveSmallIntegerField(_("星期（0=周一）"), default=0)
    interval_minutes = models.PositiveIntegerField(_("间隔（分钟）"), default=60)
    timezone = models.CharField(_("时区"), max_length=60, default="Asia/Shanghai")
    enabled = models.BooleanField(_("启用"), default=True)
    next_run_at = models.DateTimeField(_("下次执行"), null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(_("上次执行"), null=True, blank=True)
    last_error = models.TextField(_("上次错误"), blank=True)
    run_count = models.PositiveIntegerField(_("执行次数"), default=0)

    class Meta:
        verbose_name = _("计划任务")
        verbose_name_plural = _("计划任务")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

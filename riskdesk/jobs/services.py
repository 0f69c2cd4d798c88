from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from riskdesk.jobs.choices import JobStatus, ScheduleKind
from riskdesk.jobs.models import Job, Schedule
from riskdesk.jobs.schedule import next_run_after

logger = logging.getLogger("riskdesk.jobs")

# Only these tasks may be named by a Schedule row; a row can never point at arbitrary code.
SCHEDULABLE_TASKS: dict[str, str] = {
    "riskdesk.jobs.tasks.clear_expired_sessions": "清理过期会话 / Clear expired sessions",
}


def register_schedulable_task(task_path: str, label: str) -> None:
    SCHEDULABLE_TASKS[task_path] = label


# --- Jobs (progress of long work) -------------------------------------------------------------


def start_job(*, kind: str, title: str, actor=None, total: int = 0) -> Job:
    return Job.objects.create(
        kind=kind,
        title=title,
        total=total,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
    )


def report_progress(*, job_id: int, done: int, total: int | None = None, message: str = "") -> None:
    """Cheap progress update (one UPDATE, outside any business transaction)."""
    fields: dict[str, object] = {"done": done, "message": message[:300]}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def finish_job(*, job_id: int, result: dict | None = None, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED,
        result=result or {},
        message=message[:300],
        done=F("total"),
        finished_at=timezone.now(),
    )


def fail_job(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now()
    )


# --- Schedules ------------------------------------------------------------------------------


def compute_next_run(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    return next_run_after(
        kind=schedule.kind,
        after=after,
        time_of_day=schedule.time_of_day,
        weekday=schedule.weekday,
        interval_minutes=schedule.interval_minutes,
        timezone=schedule.timezone,
    )


@transaction.atomic
def save_schedule(
    *,
    name: str,
    label: str,
    task_path: str,
    kind: str = ScheduleKind.DAILY,
    time_of_day: dt.time = dt.time(21, 0),
    weekday: int = 0,
    interval_minutes: int = 60,
    timezone_name: str = "Asia/Shanghai",
    enabled: bool = True,
    kwargs: dict | None = None,
    now: dt.datetime | None = None,
) -> Schedule:
    """Create or update a schedule; the next run is recomputed so changes apply at once."""
    if task_path not in SCHEDULABLE_TASKS:
        raise ValueError(f"任务不可计划 / task cannot be scheduled: {task_path}")
    schedule, _ = Schedule.objects.select_for_update().get_or_create(
        name=name, defaults={"label": label, "task_path": task_path, "kind": kind}
    )
    schedule.label, schedule.task_path, schedule.kind = label, task_path, kind
    schedule.time_of_day, schedule.weekday = time_of_day, weekday
    schedule.interval_minutes, schedule.timezone = interval_minutes, timezone_name
    schedule.enabled, schedule.kwargs = enabled, kwargs or {}
    schedule.next_run_at = compute_next_run(schedule, now or timezone.now())
    schedule.full_clean()
    schedule.save()
    return schedule


def _claim(schedule: Schedule, now: dt.datetime) -> bool:
    """Move the schedule to its next slot; only one scheduler wins a given slot."""
    claimed = Schedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
        next_run_at=compute_next_run(schedule, now),
        last_run_at=now,
        run_count=F("run_count") + 1,
    )
    return claimed == 1


def run_due_schedules(*, now: dt.datetime) -> int:
    """Enqueue every enabled schedule whose time has come; returns how many were started."""
    for fresh in Schedule.objects.filter(enabled=True, next_run_at__isnull=True):
        Schedule.objects.filter(pk=fresh.pk, next_run_at__isnull=True).update(
            next_run_at=compute_next_run(fresh, now)
        )
    started = 0
    due = Schedule.objects.filter(enabled=True, next_run_at__lte=now)
    for schedule in due:
        if schedule.task_path not in SCHEDULABLE_TASKS or not _claim(schedule, now):
            continue
        try:
            import_string(schedule.task_path).enqueue(**schedule.kwargs)
        except Exception as exc:  # one broken schedule never stops the others
            logger.exception("schedule %s failed to enqueue", schedule.name)
            Schedule.objects.filter(pk=schedule.pk).update(last_error=str(exc)[:2000])
            continue
        Schedule.objects.filter(pk=schedule.pk).update(last_error="")
        started += 1
    return started

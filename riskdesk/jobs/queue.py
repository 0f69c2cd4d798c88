"""The huey instance behind django.tasks: SqliteHuey embedded, RedisHuey when Redis is set.

App code never imports this module; it defines ``django.tasks`` tasks and enqueues them.
Here live the single huey task that runs any django task by its module path, and the
per-minute scheduler tick that reads :class:`~riskdesk.jobs.models.Schedule` rows.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

logger = logging.getLogger("riskdesk.jobs")


def build_huey(*, immediate: bool, redis_url: str | None, sqlite_path: str) -> Huey:
    # utc=False as DESIGN §4 asks: huey's own clock is local; our schedules live in the DB.
    if immediate:
        return MemoryHuey("riskdesk", immediate=True, utc=False)
    if redis_url:
        return RedisHuey("riskdesk", url=redis_url, utc=False)
    return SqliteHuey("riskdesk", filename=sqlite_path, utc=False)


def _run_django_task(module_path: str, args: list, kwargs: dict) -> object:
    task = import_string(module_path)
    logger.info("running task %s", module_path)
    # Wrapped so that a task returning None still leaves a result behind (huey drops None).
    return {"value": normalize_json(task.call(*args, **kwargs))}


def _scheduler_tick() -> int:
    from riskdesk.jobs.services import run_due_schedules

    return run_due_schedules(now=timezone.now())


def register_tasks(huey: Huey) -> tuple[TaskWrapper, TaskWrapper]:
    run = huey.task(name="riskdesk.run_django_task", retries=0)(_run_django_task)
    tick = huey.periodic_task(crontab(minute="*"), name="riskdesk.scheduler_tick")(_scheduler_tick)
    return run, tick


HUEY = build_huey(
    immediate=settings.TASKS_IMMEDIATE,
    redis_url=settings.REDIS_URL,
    sqlite_path=settings.HUEY_SQLITE_PATH,
)
run_django_task, scheduler_tick = register_tasks(HUEY)

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

logger = logging.getLogger("riskdesk.jobs")


def build_huey() -> Huey:
    # utc=False: huey then reads crontabs in local time; our own schedules are in the DB anyway.
    if settings.TASKS_IMMEDIATE:
        return MemoryHuey("riskdesk", immediate=True, utc=False)
    if settings.REDIS_URL:
        return RedisHuey("riskdesk", url=settings.REDIS_URL, utc=False)
    return SqliteHuey("riskdesk", filename=settings.HUEY_SQLITE_PATH, utc=False)


HUEY = build_huey()


@HUEY.task(name="riskdesk.run_django_task")
def run_django_task(module_path: str, args: list, kwargs: dict) -> object:
    task = import_string(module_path)
    logger.info("running task %s", module_path)
    return normalize_json(task.call(*args, **kwargs))


@HUEY.periodic_task(crontab(minute="*"), name="riskdesk.scheduler_tick")
def scheduler_tick() -> int:
    from riskdesk.jobs.services import run_due_schedules

    return run_due_schedules(now=timezone.now())

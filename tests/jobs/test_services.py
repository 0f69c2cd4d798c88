import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from riskdesk.jobs import services
from riskdesk.jobs.models import Schedule

pytestmark = pytest.mark.django_db
SESSIONS = "riskdesk.jobs.tasks.clear_expired_sessions"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_default_schedule_is_installed_and_initialised_by_the_first_tick():
    schedule = Schedule.objects.get(name="clear-expired-sessions")
    assert schedule.next_run_at is None
    assert services.run_due_schedules(now=utc(2026, 11, 28, 12, 0)) == 0
    schedule.refresh_from_db()
    assert schedule.next_run_at == utc(2026, 11, 28, 19, 30)  # 03:30 Shanghai


def test_due_schedule_runs_exactly_once_even_with_two_schedulers():
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    services.save_schedule(
        name="clear-expired-sessions",
        label="x",
        task_path=SESSIONS,
        time_of_day=dt.time(21, 0),
        now=utc(2026, 11, 28, 12, 0),
    )
    tick = utc(2026, 11, 28, 13, 0, 30)
    assert services.run_due_schedules(now=tick) == 1
    assert services.run_due_schedules(now=tick) == 0  # a second scheduler finds the slot taken
    schedule = Schedule.objects.get(name="clear-expired-sessions")
    assert schedule.run_count == 1 and schedule.next_run_at == utc(2026, 11, 29, 13, 0)
    assert not Session.objects.filter(session_key="old").exists(), "the task really ran"


def test_changing_the_time_applies_without_restart():
    services.save_schedule(
        name="clear-expired-sessions",
        label="x",
        task_path=SESSIONS,
        time_of_day=dt.time(21, 0),
        now=utc(2026, 11, 28, 12, 0),
    )
    services.save_schedule(
        name="clear-expired-sessions",
        label="x",
        task_path=SESSIONS,
        time_of_day=dt.time(20, 15),
        now=utc(2026, 11, 28, 12, 0),
    )
    assert services.run_due_schedules(now=utc(2026, 11, 28, 12, 15)) == 1


def test_disabled_schedules_do_not_run():
    services.save_schedule(
        name="clear-expired-sessions",
        label="x",
        task_path=SESSIONS,
        enabled=False,
        now=utc(2026, 11, 28, 12, 0),
    )
    assert services.run_due_schedules(now=utc(2026, 12, 28, 12, 0)) == 0


def test_only_registered_tasks_can_be_scheduled():
    with pytest.raises(ValueError):
        services.save_schedule(name="evil", label="x", task_path="os.system")
    Schedule.objects.create(
        name="evil", label="x", task_path="os.system", kind="interval", next_run_at=utc(2026, 1, 1)
    )
    assert services.run_due_schedules(now=utc(2026, 1, 2)) == 0


def test_job_progress_lifecycle(users):
    job = services.start_job(kind="import", title="导入", actor=users["risk"], total=10)
    services.report_progress(job_id=job.pk, done=4, message="4/10")
    job.refresh_from_db()
    assert job.percent == 40 and not job.is_finished
    services.finish_job(job_id=job.pk, result={"rows": 10})
    job.refresh_from_db()
    assert job.percent == 100 and job.is_finished and job.done == 10

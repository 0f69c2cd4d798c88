"""django.tasks on huey: immediate (tests), SQLite (embedded) and Redis (production) modes."""

from __future__ import annotations

import time

import pytest
from django.tasks.base import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist

from riskdesk.jobs import queue
from tests.jobs import sample_tasks
from tests.services import need, redis_url


def test_immediate_mode_runs_and_reports_results():
    result = sample_tasks.add.enqueue(2, 3)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    again = sample_tasks.add.get_backend().get_result(result.id)
    assert again.return_value == 5 and again.args == [2, 3]


def test_a_task_returning_none_still_finishes():
    assert sample_tasks.nothing.enqueue().status == TaskResultStatus.SUCCESSFUL


def test_failures_are_reported_not_raised():
    result = sample_tasks.explode.enqueue()
    assert result.status == TaskResultStatus.FAILED
    assert "boom" in result.errors[0].traceback


def test_unknown_result_id():
    with pytest.raises(TaskResultDoesNotExist):
        sample_tasks.add.get_backend().get_result("no-such-id")


def _through_real_queue(monkeypatch, huey) -> None:
    huey.flush()
    run, _tick = queue.register_tasks(huey)
    monkeypatch.setattr(queue, "HUEY", huey)
    monkeypatch.setattr(queue, "run_django_task", run)
    queued = sample_tasks.add.enqueue(20, 22)
    failing = sample_tasks.explode.enqueue()
    assert queued.status == TaskResultStatus.READY, "nothing runs before a worker picks it up"
    consumer = huey.create_consumer(workers=2, periodic=False, worker_type="thread")
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = sample_tasks.add.get_result(queued.id)
            failed = sample_tasks.explode.get_result(failing.id)
            if done.status != TaskResultStatus.READY and failed.status != TaskResultStatus.READY:
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == 42
    assert failed.status == TaskResultStatus.FAILED
    huey.flush()


@pytest.mark.redis
def test_redis_mode_runs_tasks_in_a_worker(monkeypatch):
    url = redis_url()
    need(url, "Redis")
    _through_real_queue(
        monkeypatch, queue.build_huey(immediate=False, redis_url=url, sqlite_path="")
    )


def test_embedded_sqlite_mode_runs_tasks_in_a_worker(monkeypatch, tmp_path):
    huey = queue.build_huey(
        immediate=False, redis_url=None, sqlite_path=str(tmp_path / "q.sqlite3")
    )
    _through_real_queue(monkeypatch, huey)

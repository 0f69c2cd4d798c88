"""The whole alert pipeline through a real task queue on Redis: a change event is stored, a worker
turns it into an alert, another task builds the immediate digest and posts it to a webhook —
once, also when the same work is queued twice."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from riskdesk.jobs import queue
from riskdesk.monitoring import delivery
from riskdesk.monitoring.models import Alert, Delivery, Digest, NotificationChannel
from riskdesk.monitoring.tasks import process_events_task
from tests.monitoring import webhook_server
from tests.services import need, redis_url

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_queue(monkeypatch):
    url = redis_url()
    need(url, "Redis")
    huey = queue.build_huey(immediate=False, redis_url=url, sqlite_path="")
    huey.flush()
    run, _tick = queue.register_tasks(huey)
    monkeypatch.setattr(queue, "HUEY", huey)
    monkeypatch.setattr(queue, "run_django_task", run)

    @huey.post_execute()
    def close_worker_connections(task, task_value, exc) -> None:
        connections.close_all()  # or PostgreSQL cannot drop the test database at the end

    consumer = huey.create_consumer(workers=2, periodic=False, worker_type="thread")
    consumer.start()
    yield huey
    consumer.stop(graceful=True)
    huey.flush()


@pytest.fixture
def server(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    state, stop = webhook_server.start()
    yield state
    stop()


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


def test_event_to_webhook_through_a_redis_worker_exactly_once(
    redis_queue, server, make_customer, make_event, make_rule, users
):
    channel = NotificationChannel(kind="webhook", name="hook", url=f"{server.url}/hook")
    channel.allow_private = True
    channel = delivery.save_channel(channel=channel, actor=users["admin"])
    rule = make_rule(recipient_users=[users["risk"]], delivery_mode="immediate")
    rule.channels.set([channel])
    customer = make_customer(owner=users["sales"])

    event = make_event(customer, "lawsuit.added", text_zh="新增诉讼：买卖合同纠纷")
    _wait_for(lambda: len(server.on("/hook")) == 1)
    process_events_task.enqueue(event_ids=[event.pk])  # the same work queued again
    _wait_for(lambda: Delivery.objects.filter(status="sent").count() == 1)
    time.sleep(1)  # time for a wrongly repeated send to arrive

    assert list(Alert.objects.values_list("recipient__username", flat=True)) == [
        users["risk"].username
    ]
    assert Digest.objects.filter(channel=channel).count() == 1
    [received] = server.on("/hook")
    assert "新增诉讼" in received.body.decode()

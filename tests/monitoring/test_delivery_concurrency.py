"""Two senders at the same moment, in threads with their own connections (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from riskdesk.monitoring import delivery, digests, services, tasks
from riskdesk.monitoring.choices import DeliveryStatus
from riskdesk.monitoring.models import Alert, Delivery, NotificationChannel
from tests.monitoring import webhook_server

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-level concurrency is proven on PostgreSQL (the PostgreSQL run of make test)",
    ),
    # Transactional: the threads need committed rows; the defaults come back after a flush.
    pytest.mark.usefixtures("installed_defaults"),
]


def test_two_concurrent_senders_send_each_digest_once(
    settings, monkeypatch, make_customer, make_event, make_rule, users
):
    settings.WEBHOOK_ALLOW_HTTP = True
    # Committed alerts would be sent at once by the on-commit task; here the threads send them.
    monkeypatch.setattr(tasks, "deliver_immediate_task", SimpleNamespace(enqueue=lambda **kw: 0))
    server, stop = webhook_server.start()
    try:
        channels = []
        for n in range(4):
            channel = NotificationChannel(kind="webhook", name=f"hook{n}", url=f"{server.url}/h")
            channel.allow_private = True
            channels.append(delivery.save_channel(channel=channel, actor=users["admin"]))
        rule = make_rule(recipient_users=[users["risk"]], delivery_mode="immediate")
        rule.channels.set(channels)
        for n in range(10):
            services.process_event(event=make_event(make_customer(), text_zh=f"事件{n}"))
        digests.build_immediate(alert_ids=Alert.objects.values_list("id", flat=True))
        assert Delivery.objects.count() == 40

        barrier = threading.Barrier(2)
        results: list[delivery.SendSummary] = []

        def sender() -> None:
            try:
                barrier.wait()
                results.append(delivery.send_due_deliveries())
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop()
    received = Counter(r.headers["idempotency-key"] for r in server.received)
    assert len(received) == 40
    assert set(received.values()) == {1}
    assert sum(r.sent for r in results) == 40
    assert len(results) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}

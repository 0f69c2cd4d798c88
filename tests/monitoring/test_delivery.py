"""Claims, leases, retries and dead deliveries (SQLite: interleavings played one after another)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from riskdesk.monitoring import delivery, digests, services
from riskdesk.monitoring.choices import DeliveryStatus
from riskdesk.monitoring.models import Delivery, NotificationChannel
from tests.monitoring import webhook_server

UTC = dt.UTC
T0 = dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def server(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    state, stop = webhook_server.start()
    yield state
    stop()


@pytest.fixture
def built(server, make_customer, make_event, make_rule, users):
    """Three webhook digests built (one per customer event, immediate rule) and not yet sent."""
    channel = NotificationChannel(kind="webhook", name="hook", url=f"{server.url}/hook")
    channel.allow_private = True
    channel = delivery.save_channel(channel=channel, actor=users["admin"])
    rule = make_rule(recipient_users=[users["risk"]], delivery_mode="immediate")
    rule.channels.set([channel])
    with time_machine.travel(T0, tick=False):
        alert_ids = []
        for n in range(3):
            event = make_event(make_customer(), text_zh=f"事件{n}")
            alert_ids += [a.pk for a in services.process_event(event=event)]
        assert digests.build_immediate(alert_ids=alert_ids) == 3
    return channel


def keys(server) -> list[str]:
    return sorted(r.headers["idempotency-key"] for r in server.received)


def test_a_delivery_is_claimed_by_one_sender_only(built):
    first = Delivery.objects.order_by("id").first()
    with time_machine.travel(T0, tick=False):
        token = delivery.claim(delivery_id=first.pk)
        assert token is not None
        assert delivery.claim(delivery_id=first.pk) is None  # the second sender loses
    first.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.SENDING, 1)


def test_crash_between_building_and_sending_is_resumed_by_the_next_run(built, server):
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        summary = delivery.run_digests()
    assert summary.sent.sent == 3
    assert len(keys(server)) == len(set(keys(server))) == 3


def test_a_sender_killed_mid_send_is_replaced_after_its_lease(built, server, settings):
    row = Delivery.objects.order_by("id").first()
    with time_machine.travel(T0, tick=False):
        dead_token = delivery.claim(delivery_id=row.pk)  # …and the process dies here
        delivery.send_due_deliveries()
    assert row.digest.uid.hex not in {k.replace("-", "") for k in keys(server)}
    lease = dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    with time_machine.travel(T0 + lease - dt.timedelta(seconds=1), tick=False):
        assert delivery.send_due_deliveries().sent == 0
    with time_machine.travel(T0 + lease + dt.timedelta(seconds=1), tick=False):
        assert delivery.send_due_deliveries().sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    # The old sender waking up cannot overwrite the newer attempt's outcome.
    assert not delivery.mark_sent(delivery_id=row.pk, token=dead_token)
    assert len(keys(server)) == len(set(keys(server))) == 3


def test_failures_back_off_1_5_30_120_360_minutes_then_dead(built, server):
    server.reply("/hook", 503, "busy")
    row = Delivery.objects.order_by("id").first()
    Delivery.objects.exclude(pk=row.pk).delete()
    now = T0
    waits = []
    for _attempt in range(delivery.MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            delivery.send_due_deliveries()
        row.refresh_from_db()
        if row.status == DeliveryStatus.DEAD:
            break
        assert row.status == DeliveryStatus.FAILED
        wait = row.next_attempt_at - now
        with time_machine.travel(row.next_attempt_at - dt.timedelta(seconds=1), tick=False):
            assert delivery.send_due_deliveries().failed == 0  # not due yet
        waits.append(wait)
        now = row.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 5, 30, 120, 360]
    assert (row.status, row.attempts) == (DeliveryStatus.DEAD, 6)
    assert "HTTP 503" in row.last_error
    assert len(server.on("/hook")) == 6


def test_a_channel_that_keeps_failing_is_reported(built, server, users):
    server.reply("/hook", 500, "down")
    with time_machine.travel(T0, tick=False):
        delivery.send_due_deliveries()
    built.refresh_from_db()
    assert built.failure_count == 3
    assert list(delivery.failing_channels()) == [built]
    server.reply("/hook", 200, "{}")
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert delivery.send_due_deliveries().sent == 3
    built.refresh_from_db()
    assert built.failure_count == 0
    assert list(delivery.failing_channels()) == []


def test_dead_deliveries_can_be_retried_by_an_admin(built, server, users):
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=6)
    assert list(delivery.failing_channels()) == [built]
    assert delivery.retry_dead(actor=users["admin"]) == 3
    assert delivery.send_due_deliveries().sent == 3


def test_rebuilding_creates_nothing_twice(built):
    alert_ids = services.inbox(user=built.rules.get().recipient_users.get()).values_list(
        "id", flat=True
    )
    assert digests.build_immediate(alert_ids=list(alert_ids)) == 0
    assert Delivery.objects.count() == 3

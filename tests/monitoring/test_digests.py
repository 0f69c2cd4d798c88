"""Digest periods, building and content, all on frozen time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from riskdesk.monitoring import delivery, services
from riskdesk.monitoring.choices import DeliveryStatus, Period, Transport
from riskdesk.monitoring.digests import DigestSchedule, quiet_until
from riskdesk.monitoring.models import Delivery, Digest, DigestItem, DigestRun, MonitoringRule

UTC = dt.UTC


def at(*args) -> time_machine.travel:
    return time_machine.travel(dt.datetime(*args, tzinfo=UTC), tick=False)


@pytest.fixture
def watcher(users):
    user = users["risk"]
    user.email = "risk@example.com"
    user.save(update_fields=["email"])
    return user


def alert(make_event, customer, *args, **fields):
    event = make_event(customer, *args, **fields)
    return services.process_event(event=event)


def inbox_digests(user):
    return list(Digest.objects.filter(recipient_user=user, transport=Transport.INBOX))


# --- when ------------------------------------------------------------------------------------


def test_default_daily_digest_fires_at_21_00_shanghai_not_21_00_utc(
    make_customer, make_event, make_rule, watcher
):
    make_rule(recipient_users=[watcher])
    customer = make_customer()
    with at(2026, 6, 1, 3, 0):
        alert(make_event, customer)
    with at(2026, 6, 1, 12, 59):
        delivery.run_digests()
        assert inbox_digests(watcher) == []
    with at(2026, 6, 1, 13, 0):  # 21:00 in Shanghai
        delivery.run_digests()
        (digest,) = inbox_digests(watcher)
    assert digest.period == Period.DAILY
    assert digest.period_key == "daily:2026-06-01T21:00:Asia/Shanghai"
    assert digest.event_count == 1
    assert digest.delivery.status == DeliveryStatus.SENT
    with at(2026, 6, 1, 21, 0):  # 21:00 UTC is not a slot, and nothing new happened anyway
        delivery.run_digests()
    assert len(inbox_digests(watcher)) == 1


def test_alerts_in_a_digest_are_not_sent_again_next_period(
    make_customer, make_event, make_rule, watcher
):
    make_rule(recipient_users=[watcher])
    customer = make_customer()
    with at(2026, 6, 1, 3, 0):
        alert(make_event, customer)
    with at(2026, 6, 1, 13, 0):
        delivery.run_digests()
    with at(2026, 6, 2, 1, 0):
        alert(make_event, customer, text_zh="第二条")
    with at(2026, 6, 2, 13, 0):
        delivery.run_digests()
    first, second = sorted(inbox_digests(watcher), key=lambda d: d.period_end)
    assert (first.event_count, second.event_count) == (1, 1)
    assert set(first.events.all()).isdisjoint(second.events.all())


def test_a_slot_built_once_is_skipped_by_later_ticks(make_customer, make_event, make_rule, watcher):
    make_rule(recipient_users=[watcher])
    with at(2026, 6, 1, 3, 0):
        alert(make_event, make_customer())
    with at(2026, 6, 1, 13, 0):
        delivery.run_digests()
    assert DigestRun.objects.filter(period_key="daily:2026-06-01T21:00:Asia/Shanghai").exists()
    with at(2026, 6, 1, 13, 30):
        alert(make_event, make_customer())  # after the slot: belongs to tomorrow's digest
        delivery.run_digests()
    assert [d.event_count for d in inbox_digests(watcher)] == [1]


def test_weekly_digest_on_its_weekday(make_customer, make_event, make_rule, watcher):
    make_rule(
        recipient_users=[watcher],
        delivery_mode="weekly_digest",
        digest_weekday=4,  # Friday
        digest_time=dt.time(9, 0),
    )
    with at(2026, 6, 1, 3, 0):  # Monday
        alert(make_event, make_customer())
    with at(2026, 6, 4, 1, 0):  # Thursday 09:00 Shanghai
        delivery.run_digests(now=dt.datetime(2026, 6, 4, 1, 0, tzinfo=UTC))
    assert Digest.objects.filter(period=Period.WEEKLY).count() == 0
    with at(2026, 6, 5, 1, 0):  # Friday 09:00 Shanghai
        delivery.run_digests()
    (digest,) = inbox_digests(watcher)
    assert digest.period_key == "weekly:2026-06-05T09:00:Asia/Shanghai"


def test_a_digest_time_changed_in_the_browser_applies_at_the_next_minute(
    make_customer, make_event, make_rule, watcher
):
    rule = make_rule(recipient_users=[watcher])
    with at(2026, 6, 1, 1, 0):
        alert(make_event, make_customer())
        rule.digest_time = dt.time(10, 0)
        rule.save()
    with at(2026, 6, 1, 2, 1):  # 10:01 Shanghai
        delivery.run_digests()
    (digest,) = inbox_digests(watcher)
    assert digest.period_key == "daily:2026-06-01T10:00:Asia/Shanghai"


def test_latest_slot_respects_the_rule_zone():
    schedule = DigestSchedule("daily", dt.time(21, 0), "Asia/Shanghai")
    now = dt.datetime(2026, 6, 1, 12, 59, tzinfo=UTC)
    assert schedule.latest_slot(now) == dt.datetime(2026, 5, 31, 13, 0, tzinfo=UTC)
    assert schedule.latest_slot(now + dt.timedelta(minutes=1)) == dt.datetime(
        2026, 6, 1, 13, 0, tzinfo=UTC
    )
    london = DigestSchedule("daily", dt.time(21, 0), "Europe/London")
    assert london.latest_slot(dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)) == dt.datetime(
        2026, 6, 1, 20, 0, tzinfo=UTC
    )


def test_old_alerts_are_not_mailed_out_late(make_customer, make_event, make_rule, watcher):
    make_rule(recipient_users=[watcher])
    with at(2026, 5, 1, 3, 0):
        alert(make_event, make_customer())
    with at(2026, 6, 1, 13, 0):
        delivery.run_digests()
    assert inbox_digests(watcher) == []


# --- content ---------------------------------------------------------------------------------


def test_content_grouped_by_customer_and_dimension_newest_first(
    make_customer, make_event, make_rule, watcher
):
    make_rule(recipient_users=[watcher])
    old, new = make_customer(name="甲公司"), make_customer(name="乙公司")
    with at(2026, 6, 1, 1, 0):
        alert(make_event, old, "lawsuit.added")
    with at(2026, 6, 1, 2, 0):
        alert(make_event, old, "tax_arrears.added")
    with at(2026, 6, 1, 3, 0):
        alert(make_event, new, "dishonest.added")
    with at(2026, 6, 1, 13, 0):
        delivery.run_digests()
    (digest,) = inbox_digests(watcher)
    customers = digest.content["customers"]
    assert [c["name"] for c in customers] == ["乙公司", "甲公司"]
    assert [d["key"] for d in customers[1]["dimensions"]] == ["tax", "judicial"]
    assert customers[0]["url"].endswith(f"/customers/{new.pk}/profile/")
    assert "甲公司" in digest.html and "#" in digest.html


def test_digest_now_command_builds_and_mails(
    make_customer, make_event, make_rule, watcher, settings
):
    settings.EMAIL_DELIVERY_ENABLED = True
    make_rule(recipient_users=[watcher])
    with at(2026, 6, 1, 3, 0):
        alert(make_event, make_customer())
        call_command("monitoring", "digest", "--now")
    assert len(inbox_digests(watcher)) == 1
    assert [m.to for m in mail.outbox] == [["risk@example.com"]]
    with at(2026, 6, 1, 3, 5):
        call_command("monitoring", "digest", "--now")
    assert len(mail.outbox) == 1  # nothing new: nothing sent twice


# --- immediate and quiet hours -------------------------------------------------------------------


def test_quiet_hours_span_midnight():
    rule = MonitoringRule(quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0))
    late = dt.datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 23:00 Shanghai
    assert quiet_until(rule=rule, now=late) == dt.datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    early = dt.datetime(2026, 6, 1, 22, 30, tzinfo=UTC)  # 06:30 Shanghai
    assert quiet_until(rule=rule, now=early) == dt.datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    assert quiet_until(rule=rule, now=dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)) is None


def test_immediate_alert_in_quiet_hours_is_held_until_they_end(
    make_customer, make_event, make_rule, watcher, settings
):
    settings.EMAIL_DELIVERY_ENABLED = True
    make_rule(
        recipient_users=[watcher],
        delivery_mode="immediate",
        quiet_start=dt.time(22, 0),
        quiet_end=dt.time(7, 0),
    )
    with at(2026, 6, 1, 15, 0):  # 23:00 Shanghai
        (created,) = alert(make_event, make_customer())
        delivery.run_digests()  # the tick's sweep builds the one-event digest
        (row,) = Delivery.objects.all()
        assert row.status == DeliveryStatus.PENDING
        assert row.next_attempt_at == dt.datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
        assert mail.outbox == []
    with at(2026, 6, 1, 22, 59):
        delivery.run_digests()
        assert mail.outbox == []
    with at(2026, 6, 1, 23, 0):
        delivery.run_digests()
    assert len(mail.outbox) == 1
    assert DigestItem.objects.get().alert == created
    assert not Digest.objects.filter(transport=Transport.INBOX).exists()


def test_immediate_alert_outside_quiet_hours_goes_at_once(
    make_customer, make_event, make_rule, watcher, settings
):
    settings.EMAIL_DELIVERY_ENABLED = True
    make_rule(recipient_users=[watcher], delivery_mode="immediate")
    with at(2026, 6, 1, 4, 0):
        alert(make_event, make_customer())
        delivery.run_digests()
        delivery.run_digests()
    assert len(mail.outbox) == 1
    assert Digest.objects.get().period_key.startswith("immediate:")


def test_new_immediate_alert_goes_out_when_its_transaction_commits(
    make_customer, make_event, make_rule, watcher, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_DELIVERY_ENABLED = True
    make_rule("立即", recipient_users=[watcher], delivery_mode="immediate")
    make_rule("每日", recipient_users=[watcher])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alert(make_event, make_customer(name="即时客户有限公司"))
    assert len(mail.outbox) == 1 and "即时客户有限公司" in mail.outbox[0].body
    assert len(callbacks) >= 1
    delivery.run_digests(force=True, periods=["daily"])
    assert len(mail.outbox) == 1


def test_the_scheduler_tick_builds_digests_from_the_database_schedule(
    make_customer, make_event, make_rule, watcher
):
    from riskdesk.jobs.models import Schedule
    from riskdesk.jobs.services import run_due_schedules

    schedule = Schedule.objects.get(name="monitoring-digests")
    assert (schedule.kind, schedule.interval_minutes) == ("interval", 1)
    make_rule(recipient_users=[watcher])
    with at(2026, 6, 1, 3, 0):
        alert(make_event, make_customer())
    run_due_schedules(now=dt.datetime(2026, 6, 1, 12, 58, tzinfo=UTC))  # first tick: next slot
    with at(2026, 6, 1, 13, 0):
        assert run_due_schedules(now=dt.datetime(2026, 6, 1, 13, 0, tzinfo=UTC)) == 1
    assert len(inbox_digests(watcher)) == 1


def test_deliveries_command_requeues_dead_ones(make_customer, make_event, make_rule, users):
    from io import StringIO

    make_rule(recipient_users=[users["risk"]])
    services.process_event(event=make_event(make_customer()))
    delivery.run_digests(force=True)
    Delivery.objects.update(status=DeliveryStatus.DEAD)
    out = StringIO()
    call_command("monitoring", "deliveries", "--retry-dead", stdout=out)
    assert "requeued 1" in out.getvalue()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

"""Internal events: grade/score after assessments, holds, the daily scan; each fact once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from riskdesk.assessments.models import Assessment
from riskdesk.credit import services as credit
from riskdesk.credit.choices import LimitSource
from riskdesk.credit.models import CreditLimit
from riskdesk.intel.models import ChangeEvent
from riskdesk.jobs.models import Schedule
from riskdesk.jobs.services import SCHEDULABLE_TASKS
from riskdesk.monitoring import internal_events
from riskdesk.monitoring.models import Alert
from riskdesk.policies import services as policies

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def assess(db):
    version = policies.require_published_version()

    def make(customer, *, grade: str, score: float | None) -> Assessment:
        outputs = {"admission": "pass", "grade": grade, "score": score, "limit": None}
        return Assessment.objects.create(
            customer=customer,
            policy_version=version,
            as_of=TODAY,
            features={},
            outputs=outputs,
            trigger="manual",
            admission="pass",
            grade=grade,
            score=score,
        )

    return make


def events_of(customer, event_type):
    return list(ChangeEvent.objects.filter(customer=customer, type=event_type))


def test_grade_change_and_score_drop_follow_a_new_assessment(
    make_customer, assess, django_capture_on_commit_callbacks
):
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        assess(customer, grade="B", score=72.0)
        latest = assess(customer, grade="C", score=55.5)

    [grade] = events_of(customer, "grade.changed")
    assert grade.dimension == "internal" and grade.source_snapshot is None
    assert grade.before["grade"] == "B" and grade.after["grade"] == "C"
    assert grade.dedup_key == f"grade.changed:{latest.pk}"
    assert "下调" in grade.title_zh and "downgraded" in grade.title_en
    [drop] = events_of(customer, "score.dropped")
    assert drop.after["drop"] == 16.5


def test_small_score_drops_and_unchanged_grades_raise_nothing(
    make_customer, assess, django_capture_on_commit_callbacks, settings
):
    settings.ALERT_SCORE_DROP = 20
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        assess(customer, grade="B", score=72.0)
        assess(customer, grade="B", score=55.0)

    assert ChangeEvent.objects.filter(customer=customer).count() == 0


def test_the_first_assessment_raises_nothing(
    make_customer, assess, django_capture_on_commit_callbacks
):
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        assess(customer, grade="D", score=10.0)
    assert not ChangeEvent.objects.filter(customer=customer).exists()


def test_a_held_order_raises_credit_hold_and_alerts_credit_controllers(
    make_customer, make_rule, users, django_capture_on_commit_callbacks
):
    customer = make_customer(owner=users["sales"])
    make_rule(event_types=["credit.hold"], recipient_roles=["credit_controller"])

    with django_capture_on_commit_callbacks(execute=True):
        check = credit.check_order(
            customer=customer, order_reference="SO-9", amount=Decimal("100"), actor=users["credit"]
        )

    assert check.status == "held"
    [event] = events_of(customer, "credit.hold")
    assert event.dedup_key == f"credit.hold:{check.pk}" and "SO-9" in event.title_zh
    assert set(Alert.objects.values_list("recipient__username", flat=True)) == {"credit_u"}


def test_approved_orders_raise_nothing(make_customer, users, django_capture_on_commit_callbacks):
    customer = make_customer(owner=users["sales"])
    CreditLimit.objects.create(
        customer=customer, amount=Decimal("1000"), valid_from=TODAY, source=LimitSource.MANUAL
    )
    with django_capture_on_commit_callbacks(execute=True):
        credit.check_order(
            customer=customer, order_reference="SO-1", amount=Decimal("10"), actor=users["credit"]
        )
    assert not ChangeEvent.objects.filter(customer=customer).exists()


def _limit(customer, amount: str, **fields) -> CreditLimit:
    return CreditLimit.objects.create(
        customer=customer,
        amount=Decimal(amount),
        valid_from=fields.pop("valid_from", TODAY - dt.timedelta(days=300)),
        source=LimitSource.MANUAL,
        **fields,
    )


def test_daily_scan_finds_expiring_limits_overdue_and_high_utilisation(make_customer, invoice_for):
    expiring, overdue, busy, calm = (make_customer() for _ in range(4))
    limit = _limit(expiring, "1000", valid_to=TODAY + dt.timedelta(days=10))
    _limit(calm, "1000", valid_to=TODAY + dt.timedelta(days=200))
    invoice_for(
        overdue, issue=TODAY - dt.timedelta(days=60), due=TODAY - dt.timedelta(days=5), amount="500"
    )
    invoice_for(
        overdue, issue=TODAY - dt.timedelta(days=50), due=TODAY - dt.timedelta(days=2), amount="300"
    )
    _limit(busy, "1000")
    invoice_for(
        busy, issue=TODAY - dt.timedelta(days=5), due=TODAY + dt.timedelta(days=25), amount="950"
    )

    report = internal_events.scan_internal_events(as_of=TODAY)

    assert report.created == {"limit.expiring": 1, "overdue.started": 1, "utilisation.high": 1}
    [event] = events_of(expiring, "limit.expiring")
    assert event.dedup_key == f"limit.expiring:{limit.pk}:{limit.valid_to.isoformat()}"
    [late] = events_of(overdue, "overdue.started")
    assert late.after["open_amount"] == "500.00"  # the oldest overdue invoice names the episode
    [high] = events_of(busy, "utilisation.high")
    assert high.after["utilisation_pct"] == "95.0"
    assert not ChangeEvent.objects.filter(customer=calm).exists()


def test_the_scan_is_idempotent(make_customer, invoice_for):
    customer = make_customer()
    _limit(customer, "100", valid_to=TODAY + dt.timedelta(days=3))
    invoice_for(
        customer, issue=TODAY - dt.timedelta(days=40), due=TODAY - dt.timedelta(days=1), amount="99"
    )

    first = internal_events.scan_internal_events(as_of=TODAY)
    second = internal_events.scan_internal_events(as_of=TODAY + dt.timedelta(days=1))

    assert first.total == 3 and second.total == 0
    assert ChangeEvent.objects.filter(customer=customer).count() == 3


def test_one_broken_check_does_not_stop_the_others(make_customer, invoice_for, monkeypatch):
    customer = make_customer()
    invoice_for(
        customer, issue=TODAY - dt.timedelta(days=40), due=TODAY - dt.timedelta(days=1), amount="99"
    )

    def broken(as_of):
        raise RuntimeError("boom")

    monkeypatch.setattr(internal_events, "expiring_limit_facts", broken)
    report = internal_events.scan_internal_events(as_of=TODAY)

    assert report.created["overdue.started"] == 1
    assert report.failures == ["limit.expiring: RuntimeError: boom"]


def test_the_scan_is_scheduled_daily(db):
    schedule = Schedule.objects.get(name="monitoring-internal-events")
    assert schedule.kind == "daily" and schedule.task_path in SCHEDULABLE_TASKS

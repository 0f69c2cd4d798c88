from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from riskdesk.assessments import services as assessments
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.models import AuditEvent
from riskdesk.credit import reviews
from riskdesk.credit.choices import ReviewReason
from riskdesk.credit.models import CreditLimit, CreditSettings, LimitRequest
from riskdesk.customers.services import business_today
from riskdesk.intel import services as intel
from riskdesk.jobs.models import Job, Schedule
from riskdesk.jobs.services import SCHEDULABLE_TASKS

pytestmark = pytest.mark.django_db


def _assessed(customer, *, days_ago: int) -> Assessment:
    """A stored assessment dated ``days_ago`` (assessments are immutable, so the date is moved
    with a queryset update, as a migration of old data would). The limit the re-assessment may
    grant is removed: these tests set the limits they need themselves."""
    assessment = assessments.assess_customer(customer=customer, actor=intel.SYSTEM)
    CreditLimit.objects.filter(customer=customer).delete()
    moved = timezone.now() - dt.timedelta(days=days_ago)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=moved)
    return Assessment.objects.get(pk=assessment.pk)


def _months(grade: str) -> int:
    return reviews.review_months_by_grade()[grade]


def _due(actor=intel.SYSTEM, **filters):
    return {row.customer.pk: row for row in reviews.due_reviews(actor=actor, **filters)}


def test_grades_come_from_the_published_policy():
    assert reviews.review_months_by_grade() == {"S": 12, "A": 12, "B": 6, "C": 3, "D": 1}


def test_due_when_the_grade_review_period_has_passed(make_customer, users):
    fresh, stale, never = (make_customer(owner=users["sales"]) for _ in range(3))
    _assessed(fresh, days_ago=1)
    old = _assessed(stale, days_ago=400)
    due = _due()
    assert fresh.pk not in due
    row = due[stale.pk]
    assert row.reasons == (ReviewReason.GRADE_REVIEW,) and row.last_grade == old.grade
    assert row.due_date <= business_today() - dt.timedelta(days=400 - 31 * _months(old.grade))
    assert due[never.pk].reasons == (ReviewReason.NOT_ASSESSED,)
    assert set(_due(reason=ReviewReason.GRADE_REVIEW)) == {stale.pk}
    assert set(_due(reason=ReviewReason.NOT_ASSESSED)) == {never.pk}
    assert list(_due()) == [never.pk, stale.pk]  # never assessed, then longest ago


def test_due_exactly_when_the_months_have_passed(make_customer):
    customer = make_customer()
    assessment = _assessed(customer, days_ago=0)
    today = business_today()
    months = _months(assessment.grade)
    day_before = reviews.credit.add_months(today, months) - dt.timedelta(days=1)
    assert customer.pk not in _due(today=day_before)
    assert _due(today=reviews.credit.add_months(today, months))[customer.pk].reasons == (
        ReviewReason.GRADE_REVIEW,
    )


def test_due_when_the_limit_expires_within_the_setting(make_customer, grant):
    soon, later, expired = (make_customer() for _ in range(3))
    for customer in (soon, later, expired):
        _assessed(customer, days_ago=0)
    today = business_today()
    grant(soon, "1000", valid_to=today + dt.timedelta(days=30))
    grant(later, "1000", valid_to=today + dt.timedelta(days=31))
    grant(
        expired, "1000", valid_from=today - dt.timedelta(days=9), valid_to=today - dt.timedelta(1)
    )
    due = _due()
    assert due[soon.pk].reasons == (ReviewReason.LIMIT_EXPIRING,)
    assert due[soon.pk].due_date == today + dt.timedelta(days=30)
    assert later.pk not in due
    assert due[expired.pk].reasons == (ReviewReason.LIMIT_EXPIRED,)
    CreditSettings.objects.filter(pk=CreditSettings.load().pk).update(review_expiry_days=60)
    assert later.pk in _due()


def test_filters_and_sales_scope(make_customer, users):
    mine = make_customer("宁波复评有限公司", owner=users["sales"])
    theirs = make_customer("广州复评有限公司", owner=users["other_sales"])
    assert set(_due(actor=users["sales"])) == {mine.pk}
    assert set(_due(actor=users["credit"])) == {mine.pk, theirs.pk}
    assert set(_due(actor=users["credit"], owner_id=users["other_sales"].pk)) == {theirs.pk}
    assert set(_due(actor=users["credit"], query="宁波")) == {mine.pk}
    assert _due(actor=users["credit"], reason=ReviewReason.LIMIT_EXPIRING) == {}
    _assessed(mine, days_ago=800)
    grade = Assessment.objects.get(customer=mine).grade
    assert set(_due(actor=users["credit"], grade=grade)) == {mine.pk}


def test_reassess_now_stores_a_schedule_assessment_and_applies_the_limit(make_customer, users):
    customer = make_customer(owner=users["sales"])
    intel.refresh_dossier(customer=customer, actor=intel.SYSTEM)
    result = reviews.reassess_customer(customer=customer, actor=users["credit"])
    assert result.assessment.trigger == Trigger.SCHEDULE
    limit = CreditLimit.objects.get(customer=customer)  # granted once, not twice
    assert result.granted == limit and limit.assessment == result.assessment
    assert limit.amount == result.assessment.proposed_limit
    assert AuditEvent.objects.filter(action=AuditAction.CREDIT_LIMIT_GRANTED).count() == 1
    assert customer.pk not in _due()
    again = reviews.reassess_customer(customer=customer, actor=users["credit"])
    assert again.outcome is None  # the same proposal changes nothing
    assert CreditLimit.objects.filter(customer=customer).count() == 1
    assert not LimitRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        reviews.reassess_customer(customer=customer, actor=users["auditor"])
    with pytest.raises(PermissionDenied):
        reviews.reassess_customer(customer=customer, actor=users["other_sales"])


def test_scheduled_run_counts_failures_and_goes_on(make_customer, monkeypatch, grant):
    customers = [make_customer() for _ in range(5)]
    waiting = customers[4]
    grant(waiting, "100")
    LimitRequest.objects.create(
        customer=waiting, kind="raise", amount=Decimal("900"), reason="x", steps_required=1
    )
    broken = customers[1].pk
    real = assessments.assess_customer

    def flaky(*, customer, **kwargs):
        if customer.pk == broken:
            raise RuntimeError("provider data broken")
        return real(customer=customer, **kwargs)

    monkeypatch.setattr(assessments, "assess_customer", flaky)
    summary = reviews.run_due_reviews(chunk_size=2)
    assert (summary.due, summary.assessed, summary.failed, summary.skipped) == (5, 3, 1, 1)
    assert (summary.granted, summary.requested) == (3, 0)
    assert CreditLimit.objects.filter(assessment__trigger=Trigger.SCHEDULE).count() == 3
    assert not Assessment.objects.filter(customer_id=broken).exists()
    assert Assessment.objects.filter(trigger=Trigger.SCHEDULE).count() == 3
    job = Job.objects.get(kind="credit_review")
    assert job.result == summary.as_dict() and job.status == "succeeded"
    assert set(_due()) == {broken, waiting.pk}


def test_the_task_is_schedulable_and_seeded_daily_at_two():
    schedule = Schedule.objects.get(name="credit-periodic-review")
    assert schedule.task_path in SCHEDULABLE_TASKS
    assert (schedule.kind, schedule.time_of_day, schedule.timezone) == (
        "daily",
        dt.time(2, 0),
        "Asia/Shanghai",
    )


def test_the_task_runs_the_review(make_customer):
    from riskdesk.credit.tasks import periodic_review_task

    make_customer()
    result = periodic_review_task.call()
    assert result["due"] == 1 and result["assessed"] == 1


# --- the page -----------------------------------------------------------------------------


def test_review_page_lists_and_filters(client, make_customer, users):
    mine = make_customer("宁波复评有限公司", owner=users["sales"])
    theirs = make_customer("广州复评有限公司", owner=users["other_sales"])
    client.force_login(users["credit"])
    page = client.get("/credit/reviews/").text
    assert mine.name in page and theirs.name in page and "尚未评估" in page
    assert 'data-testid="reassess-button"' in page
    partial = client.get("/credit/reviews/", {"q": "广州"}, headers={"HX-Request": "true"}).text
    assert theirs.name in partial and mine.name not in partial and "<html" not in partial
    client.force_login(users["sales"])
    page = client.get("/credit/reviews/").text
    assert mine.name in page and theirs.name not in page


def test_reassess_button_and_roles(client, make_customer, users):
    customer = make_customer(owner=users["sales"])
    client.force_login(users["auditor"])
    page = client.get("/credit/reviews/").text
    assert customer.name in page and 'data-testid="reassess-button"' not in page
    response = client.post(f"/credit/reviews/{customer.pk}/reassess/")
    assert response.status_code == 403 and not Assessment.objects.exists()
    client.force_login(users["other_sales"])
    assert client.post(f"/credit/reviews/{customer.pk}/reassess/").status_code == 404
    client.force_login(users["credit"])
    response = client.post(f"/credit/reviews/{customer.pk}/reassess/")
    assert response.status_code == 200 and 'data-testid="review-result"' in response.text
    assert Assessment.objects.get(customer=customer).trigger == Trigger.SCHEDULE
    client.force_login(users["nobody"])
    assert client.get("/credit/reviews/").status_code == 403


def test_review_page_is_paginated_in_the_database(client, make_customer, users, monkeypatch):
    from riskdesk.credit import views

    for _ in range(3):
        make_customer()
    client.force_login(users["risk"])
    monkeypatch.setattr(views, "REVIEWS_PER_PAGE", 2)
    first = client.get("/credit/reviews/").text
    second = client.get("/credit/reviews/", {"page": 2}).text
    assert "3 位客户待复评" in first
    assert first.count('data-testid="reassess-button"') == 2
    assert second.count('data-testid="reassess-button"') == 1

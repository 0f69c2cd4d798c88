"""Follow-up actions: re-assess, review task, credit hold — once per rule and event."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from riskdesk.assessments.models import Assessment
from riskdesk.audit.models import AuditEvent
from riskdesk.monitoring import services
from riskdesk.monitoring.models import CreditHoldFlag, MonitoringRule, ReviewTask, RuleActionRun


def test_actions_run_after_commit_once_per_rule_and_event(
    make_customer, make_event, make_rule, users, django_capture_on_commit_callbacks
):
    customer = make_customer(owner=users["sales"])
    rule = make_rule(
        event_types=["dishonest.added"],
        action_review_task=True,
        action_credit_hold=True,
        action_reassess=True,
    )

    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(customer, "dishonest.added", text_zh="列入失信被执行人名单")
    with django_capture_on_commit_callbacks(execute=True):
        services.process_event(event=event)  # a second delivery of the same event

    [task] = ReviewTask.objects.filter(customer=customer)
    assert task.rule == rule and task.event == event and task.role == "risk_manager"
    assert services.hold_active(customer)
    assert Assessment.objects.filter(customer=customer, trigger="event").count() == 1
    run = RuleActionRun.objects.get(rule=rule, event=event)
    assert run.status == "done" and set(run.results) == {"reassess", "review_task", "credit_hold"}
    assert AuditEvent.objects.filter(action="review_task_opened").count() == 1


def test_a_failing_action_is_recorded_and_the_others_still_run(
    make_customer, make_event, make_rule, monkeypatch
):
    customer = make_customer()
    rule = make_rule(action_reassess=True, action_review_task=True)
    event = make_event(customer, "lawsuit.added")

    def broken(**kwargs):
        raise RuntimeError("policy missing")

    monkeypatch.setattr(services.assessments, "assess_customer", broken)
    assert services.run_rule_actions(event_id=event.pk, rule_ids=[rule.pk]) == 1

    rule.refresh_from_db()
    assert rule.error_count == 1 and "policy missing" in rule.last_error
    assert ReviewTask.objects.filter(customer=customer).exists()
    assert RuleActionRun.objects.get(rule=rule).status == "failed"


def test_reassessing_on_a_grade_change_does_not_loop(make_customer, make_event, make_rule):
    customer = make_customer()
    rule = make_rule(action_reassess=True)
    event = make_event(customer, "grade.changed")

    services.run_rule_actions(event_id=event.pk, rule_ids=[rule.pk])

    assert not Assessment.objects.filter(customer=customer).exists()


def test_one_active_hold_per_customer_and_credit_staff_release_it(
    make_customer, make_event, make_rule, users
):
    customer = make_customer(owner=users["sales"])
    rule = make_rule(action_credit_hold=True)
    for _ in range(2):
        event = make_event(customer, "enforcement.added")
        services.run_rule_actions(event_id=event.pk, rule_ids=[rule.pk])
    [flag] = CreditHoldFlag.objects.filter(customer=customer)

    with pytest.raises(PermissionDenied):
        services.release_credit_hold(flag=flag, actor=users["sales"])
    services.release_credit_hold(flag=flag, actor=users["credit"], reason="已提供担保")

    assert not services.hold_active(customer)
    with pytest.raises(ValidationError):
        services.release_credit_hold(flag=flag, actor=users["credit"])


def test_review_tasks_are_scoped_and_closed_with_a_comment(
    make_customer, make_event, make_rule, users
):
    mine = make_customer(owner=users["sales"])
    theirs = make_customer(owner=users["other_sales"])
    rule = make_rule(action_review_task=True)
    for customer in (mine, theirs):
        event = make_event(customer, "lawsuit.added")
        services.run_rule_actions(event_id=event.pk, rule_ids=[rule.pk])

    visible = services.review_tasks(user=users["sales"])
    assert [task.customer for task in visible] == [mine]
    task = visible.get()
    with pytest.raises(PermissionDenied):
        services.close_review_task(task=task, actor=users["other_sales"])
    services.close_review_task(task=task, actor=users["sales"], comment="已电话沟通")
    task.refresh_from_db()
    assert task.status == "done" and task.closed_by == users["sales"]


def test_rules_without_actions_enqueue_nothing(make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    event = make_event(make_customer())
    services.process_event(event=event)
    assert not RuleActionRun.objects.exists()
    assert not MonitoringRule.objects.get().has_actions

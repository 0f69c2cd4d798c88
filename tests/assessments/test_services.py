from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError

from riskdesk.assessments import services
from riskdesk.assessments.choices import BatchStatus, ChunkStatus, Trigger
from riskdesk.assessments.models import Assessment, BatchChunk, BatchRun, ImmutableError
from riskdesk.audit.models import AuditEvent
from riskdesk.intel import services as intel
from riskdesk.policies import services as policies
from riskdesk.policies.choices import PolicyStatus
from riskdesk.policies.models import PolicyVersion
from tests.assessments.conftest import AS_OF

PREVIOUS = {"previous_grade", "previous_score"}


def assess(customer, actor, **kwargs):
    return services.assess_customer(customer=customer, actor=actor, as_of=AS_OF, **kwargs)


def test_assessment_stores_features_outputs_and_trace(portfolio, users):
    assessment = assess(portfolio[2], users["sales"])

    outputs = assessment.outputs
    assert set(outputs) == set(services.OUTPUT_KEYS)
    assert outputs["grade"] in {"S", "A", "B", "C", "D"} and 0 <= outputs["score"] <= 100
    assert assessment.grade == outputs["grade"] and assessment.score == outputs["score"]
    assert set(outputs["points"]) == set(outputs["contributions"]) and len(outputs["points"]) == 14
    assert assessment.features["as_of_date"] == AS_OF.isoformat()
    assert assessment.features["sales_12m"] > 0
    assert {step["stage"] for step in assessment.trace} >= {"admission", "scorecard", "rating"}
    assert assessment.policy_version.number == 1 and assessment.trigger == Trigger.MANUAL
    event = AuditEvent.objects.get(action="assessment_created")
    assert event.after["assessment"] == assessment.pk and event.actor == users["sales"]


def test_previous_grade_and_score_come_from_the_latest_assessment(portfolio, users):
    first = assess(portfolio[1], users["risk"])
    second = assess(portfolio[1], users["risk"])

    assert first.features["previous_grade"] is None
    assert second.features["previous_grade"] == first.grade
    assert second.features["previous_score"] == first.score


def test_assessments_are_immutable(portfolio, users):
    assessment = assess(portfolio[0], users["risk"])
    stored_grade = assessment.grade
    assessment.grade = "X"
    with pytest.raises(ImmutableError):
        assessment.save()
    with pytest.raises(ImmutableError):
        assessment.delete()
    assert Assessment.objects.get(pk=assessment.pk).grade == stored_grade


@pytest.mark.parametrize("role", ["auditor", "nobody", "other_sales"])
def test_who_may_not_assess_changes_nothing(portfolio, users, role):
    with pytest.raises(PermissionDenied):
        assess(portfolio[0], users[role])  # portfolio[0] belongs to the east team
    assert not Assessment.objects.exists()


def test_sales_assess_their_own_customers_and_credit_controllers_any(portfolio, users):
    assert assess(portfolio[0], users["teammate"]).pk
    assert assess(portfolio[1], users["credit"]).pk


def test_without_a_published_policy_nothing_is_assessed(portfolio, users):
    PolicyVersion.objects.update(status=PolicyStatus.ARCHIVED)
    with pytest.raises(ValidationError):
        assess(portfolio[0], users["risk"])


def test_replay_gives_the_stored_outputs_and_reports_a_tampered_row(portfolio, users):
    assessment = assess(portfolio[4], users["risk"])
    assert services.replay_assessment(assessment) == {}

    tampered = {**assessment.outputs, "grade": "S"}
    Assessment.objects.filter(pk=assessment.pk).update(outputs=tampered)
    assessment = Assessment.objects.get(pk=assessment.pk)
    assert services.replay_assessment(assessment) == {"grade": ("S", assessment.grade)}


def test_replay_uses_the_stored_version_after_a_new_one_is_published(portfolio, users):
    before = assess(portfolio[5], users["risk"])
    text = before.policy_version.yaml.replace("min_score: 85", "min_score: 5")
    text = text.replace("min_score: 70", "min_score: 4").replace("min_score: 50", "min_score: 3")
    draft = policies.create_draft(actor=users["risk"], yaml_text=text)
    policies.publish_version(version=draft, actor=users["admin"])

    after = assess(portfolio[5], users["risk"])
    assert after.policy_version == draft
    assert services.replay_assessment(before) == {}
    assert services.verify_assessments().ok


def test_batch_stores_exactly_what_single_assessment_stores(portfolio, users):
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True, chunk_size=3)
    assert batch.status == BatchStatus.SUCCEEDED and batch.done == batch.total == 7
    assert batch.chunks.count() == 3

    for customer in portfolio:
        from_batch = batch.assessments.get(customer=customer)
        single = assess(customer, users["risk"])
        assert from_batch.outputs == single.outputs, customer.name
        assert from_batch.trigger == Trigger.BATCH and from_batch.trace is None
        assert services.assessment_trace(from_batch) == single.trace
        strip = {k: v for k, v in from_batch.features.items() if k not in PREVIOUS}
        assert strip == {k: v for k, v in single.features.items() if k not in PREVIOUS}
        assert (from_batch.grade, from_batch.proposed_limit) == (
            single.grade,
            single.proposed_limit,
        )
    report = services.verify_assessments()
    assert report.total == 14 and report.identical == 14


def test_batch_previous_features_match_single(portfolio, users):
    first = assess(portfolio[3], users["risk"])
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)
    row = batch.assessments.get(customer=portfolio[3])
    assert row.features["previous_grade"] == first.grade
    assert row.features["previous_score"] == first.score
    assert batch.assessments.get(customer=portfolio[0]).features["previous_grade"] is None


def test_a_crashed_batch_resumes_without_duplicates(portfolio, users, monkeypatch):
    real = services.portfolio_feature_table
    calls = {"n": 0}

    def crash_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("database is locked")  # not a customer's fault
        return real(**kwargs)

    monkeypatch.setattr(services, "portfolio_feature_table", crash_on_second_chunk)
    with pytest.raises(OperationalError):
        services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True, chunk_size=3)
    batch = BatchRun.objects.get()
    assert batch.done == 3 and Assessment.objects.count() == 3
    assert list(batch.chunks.values_list("status", flat=True)) == [
        ChunkStatus.DONE,
        ChunkStatus.FAILED,
        ChunkStatus.PENDING,
    ]

    resumed = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)
    assert resumed.pk == batch.pk and resumed.status == BatchStatus.SUCCEEDED
    assert Assessment.objects.count() == 7
    assert set(Assessment.objects.values_list("customer_id", flat=True)) == {
        c.pk for c in portfolio
    }
    assert resumed.job.status == "succeeded" and resumed.job.done == 7


def test_a_chunk_run_twice_is_written_once(portfolio, users):
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True, chunk_size=4)
    chunk = batch.chunks.first()
    assert services.run_chunk(chunk_id=chunk.pk) == 0
    assert Assessment.objects.count() == 7
    again = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)
    assert again.pk != batch.pk and Assessment.objects.count() == 14


def test_batch_fans_out_chunks_as_tasks_with_job_progress(
    portfolio, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.chunks.count() == 4
    assert Assessment.objects.filter(batch_run=batch).count() == 7
    assert batch.job.status == "succeeded" and batch.job.percent == 100
    assert AuditEvent.objects.filter(action="batch_assessment_finished").count() == 1


@pytest.mark.parametrize("role", ["sales", "credit", "auditor"])
def test_only_risk_managers_start_a_batch(portfolio, users, role):
    with pytest.raises(PermissionDenied):
        services.assess_portfolio(actor=users[role], as_of=AS_OF, inline=True)
    assert not BatchRun.objects.exists()


def test_the_nightly_schedule_runs_the_batch_as_the_system(
    portfolio, django_capture_on_commit_callbacks
):
    from riskdesk.assessments.tasks import nightly_assessment_task
    from riskdesk.jobs.models import Schedule

    schedule = Schedule.objects.get(name="nightly-assessment")
    assert (schedule.time_of_day.hour, schedule.timezone) == (2, "Asia/Shanghai")
    with django_capture_on_commit_callbacks(execute=True):
        nightly_assessment_task.call()
    batch = BatchRun.objects.get()
    assert batch.trigger == Trigger.SCHEDULE and batch.actor is None
    assert batch.assessments.count() == 7


def test_features_without_a_dossier_are_null_but_still_assessed(portfolio, users):
    assessment = assess(portfolio[6], users["risk"])
    assert assessment.features["enterprise_type"] is None
    assert assessment.outputs["admission"] == "review"  # status unknown
    assert not intel.customer_features(customer=portfolio[6], as_of=AS_OF)["status"]
    assert BatchChunk.objects.count() == 0

"""Assessing customers with the published policy: one at a time, replayed, or the whole portfolio.

Both paths store the same thing for the same customer and data: the feature vector as JSON, the
policy version, and the outputs in one normalised shape (:func:`outputs_from_decision` for one
record, :func:`outputs_from_row` for the vectorised table — the engine guarantees both give the
same values). Replaying an assessment re-evaluates its stored features with its stored version
and must give exactly its stored outputs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.assessments import columnar
from riskdesk.assessments.choices import BatchStatus, ChunkStatus, Trigger
from riskdesk.assessments.columnar import limit_column, stored_features
from riskdesk.assessments.models import Assessment, BatchChunk, BatchRun
from riskdesk.assessments.queries import ids_subquery
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.customers.models import Customer
from riskdesk.customers.services import business_today
from riskdesk.engine import CompiledPolicy, Decision, ValueType, evaluate_one, evaluate_table
from riskdesk.intel import services as intel
from riskdesk.jobs import services as jobs
from riskdesk.policies import services as policies
from riskdesk.policies.models import PolicyVersion

logger = logging.getLogger("riskdesk.assessments")

SYSTEM = intel.SYSTEM
CHUNK_SIZE = 5000
FAILURE_TEXT = 500
FAILURES_SHOWN = 20
OUTPUT_KEYS = (
    "admission",
    "admission_reasons",
    "grade",
    "list",
    "rating_rule",
    "score",
    "points",
    "contributions",
    "reason_codes",
    "limit",
    "credit_case",
    "currency",
    "valid_months",
)
ProgressCallback = Callable[[int, int], None]


def _authorize(actor, action: str, customer: Customer | None = None) -> None:
    if actor is not SYSTEM:
        permissions.require(actor, action, customer)


def _user(actor):
    return None if actor is SYSTEM else actor


# --- feature vectors ------------------------------------------------------------------------


def engine_features(stored: Mapping[str, object], compiled: CompiledPolicy) -> dict[str, object]:
    """A stored feature vector as the engine takes it (ISO text back to dates)."""
    features = dict(stored)
    for name, value in stored.items():
        feature = compiled.catalogue.get(name)
        if feature is not None and feature.type is ValueType.DATE and isinstance(value, str):
            features[name] = dt.date.fromisoformat(value)
    return features


def _previous_rows(customer_ids: Iterable[int] | None):
    latest = Assessment.objects.filter(customer=OuterRef("pk")).order_by("-created_at", "-id")
    customers = Customer.objects.all()
    if customer_ids is not None:
        customers = customers.filter(pk__in=ids_subquery(customer_ids))
    return customers.annotate(
        previous_grade=Subquery(latest.values("grade")[:1]),
        previous_score=Subquery(latest.values("score")[:1]),
    ).values_list("pk", "previous_grade", "previous_score")


def previous_results(customer_ids: Iterable[int]) -> dict[int, tuple[str | None, float | None]]:
    """Grade and score of each customer's latest assessment (the ``previous_*`` features)."""
    return {pk: (grade or None, score) for pk, grade, score in _previous_rows(customer_ids)}


def _extras(as_of: dt.date, previous: tuple[str | None, float | None]) -> dict[str, object]:
    grade, score = previous
    return {"as_of_date": as_of, "previous_grade": grade, "previous_score": score}


def customer_feature_vector(*, customer: Customer, as_of: dt.date) -> dict[str, object]:
    """The stored-form feature vector of one customer: dossier, trading data, evaluation date
    and the previous assessment's grade and score."""
    features = intel.customer_features(customer=customer, as_of=as_of)
    previous = previous_results([customer.pk]).get(customer.pk, (None, None))
    return stored_features({**features, **_extras(as_of, previous)})


def portfolio_feature_table(
    *, as_of: dt.date, customer_ids: list[int] | None = None
) -> pl.DataFrame:
    """:func:`customer_feature_vector` for many customers (all without ``customer_ids``: then
    every query reads the tables whole instead of through a list of ids), one row each,
    sorted by id."""
    frame = intel.portfolio_features(as_of=as_of, customer_ids=customer_ids)
    extras = pl.DataFrame(
        [(pk, grade or None, score) for pk, grade, score in _previous_rows(customer_ids)],
        schema={"customer_id": pl.Int64, "previous_grade": pl.String, "previous_score": pl.Float64},
        orient="row",
    )
    return (
        frame.with_columns(pl.lit(as_of, dtype=pl.Date).alias("as_of_date"))
        .join(extras, on="customer_id", how="left")
        .sort("customer_id")
    )


# --- outputs --------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _ids(text: str | None) -> list[str]:
    return [item for item in (text or "").split(",") if item]


def outputs_from_decision(decision: Decision) -> dict[str, Any]:
    """The stored outputs of a single-record evaluation."""
    return {
        "admission": str(decision.admission),
        "admission_reasons": list(decision.admission_reasons),
        "grade": decision.grade,
        "list": None if decision.list is None else str(decision.list),
        "rating_rule": decision.rating_rule,
        "score": _number(decision.score),
        "points": {key: _number(value) for key, value in decision.points.items()},
        "contributions": {key: _number(value) for key, value in decision.contributions.items()},
        "reason_codes": list(decision.reason_codes),
        "limit": _number(decision.limit),
        "credit_case": decision.credit_case,
        "currency": decision.currency,
        "valid_months": decision.valid_months,
    }


def outputs_from_row(row: Mapping[str, Any], compiled: CompiledPolicy) -> dict[str, Any]:
    """The stored outputs of one row of ``evaluate_table`` (same shape as a decision's)."""
    keys = [item.indicator.key for item in compiled.indicators]
    return {
        "admission": row["admission"],
        "admission_reasons": _ids(row["admission_reasons"]),
        "grade": row["grade"],
        "list": row["list"],
        "rating_rule": row["rating_rule"],
        "score": _number(row["score"]),
        "points": {key: _number(row[f"points_{key}"]) for key in keys},
        "contributions": {key: _number(row[f"contribution_{key}"]) for key in keys},
        "reason_codes": _ids(row["reason_codes"]),
        "limit": _number(row["limit"]),
        "credit_case": row["credit_case"],
        "currency": compiled.tables.currency,
        "valid_months": compiled.tables.valid_months,
    }


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


def _assessment(
    *,
    customer_id: int,
    version: PolicyVersion,
    as_of: dt.date,
    features: dict,
    outputs: dict,
    trace: list | None,
    trigger: str,
    actor,
    batch_run: BatchRun | None = None,
) -> Assessment:
    return Assessment(
        customer_id=customer_id,
        policy_version=version,
        as_of=as_of,
        features=features,
        outputs=outputs,
        trace=trace,
        trigger=trigger,
        actor=_user(actor),
        batch_run=batch_run,
        admission=outputs["admission"],
        grade=outputs["grade"] or "",
        list=outputs["list"] or "",
        score=outputs["score"],
        proposed_limit=limit_column(outputs["limit"]),
    )


# --- one customer ---------------------------------------------------------------------------


def assess_customer(
    *,
    customer: Customer,
    actor,
    trigger: str = Trigger.MANUAL,
    as_of: dt.date | None = None,
    policy_version: PolicyVersion | None = None,
) -> Assessment:
    """Evaluate the published policy (or ``policy_version``) on ``customer`` and store it."""
    _authorize(actor, "assess", customer)
    version = policy_version or policies.require_published_version()
    as_of = as_of or business_today()
    compiled = policies.compiled_policy(version)
    features = customer_feature_vector(customer=customer, as_of=as_of)
    decision = evaluate_one(compiled, engine_features(features, compiled))
    trace = _as_json([step.to_dict() for step in decision.trace])
    return _store_and_apply(
        assessment=_assessment(
            customer_id=customer.pk,
            version=version,
            as_of=as_of,
            features=features,
            outputs=_as_json(outputs_from_decision(decision)),
            trace=trace,
            trigger=trigger,
            actor=actor,
        ),
        customer=customer,
        actor=actor,
    )


@transaction.atomic
def _store_and_apply(*, assessment: Assessment, customer: Customer, actor) -> Assessment:
    """Store the assessment and, for a re-assessment, apply its proposed limit (both or none)."""
    from riskdesk.assessments import limits  # credit.services imports this module

    _store(assessment=assessment, customer=customer, actor=actor)
    limits.apply_limit_change(assessment=assessment, actor=actor)
    return assessment


def _store(*, assessment: Assessment, customer: Customer, actor) -> Assessment:
    assessment.save()
    record_event(
        actor=_user(actor),
        actor_name="" if actor is not SYSTEM else "system",
        action=AuditAction.ASSESSMENT_CREATED,
        obj=customer,
        after={
            "assessment": assessment.pk,
            "policy_version": assessment.policy_version.number,
            "grade": assessment.grade,
            "score": assessment.score,
            "limit": assessment.outputs["limit"],
            "trigger": assessment.trigger,
        },
    )
    return assessment


def latest_assessment(customer: Customer) -> Assessment | None:
    return (
        Assessment.objects.filter(customer=customer)
        .select_related("policy_version", "actor")
        .order_by("-created_at", "-id")
        .first()
    )


def assessment_trace(assessment: Assessment) -> list[dict]:
    """The stored trace, or (for batch rows, which store none) the replay's trace."""
    if assessment.trace is not None:
        return assessment.trace
    compiled = policies.compiled_policy(assessment.policy_version)
    decision = evaluate_one(compiled, engine_features(assessment.features, compiled))
    return _as_json([step.to_dict() for step in decision.trace])


# --- replay ---------------------------------------------------------------------------------


def replay_assessment(assessment: Assessment) -> dict[str, tuple[Any, Any]]:
    """Re-evaluate the stored features with the stored version: ``{output: (stored, replayed)}``
    for every output that differs (empty when the replay is identical)."""
    compiled = policies.compiled_policy(assessment.policy_version)
    decision = evaluate_one(compiled, engine_features(assessment.features, compiled))
    replayed = _as_json(outputs_from_decision(decision))
    stored = assessment.outputs
    return {
        key: (stored.get(key), replayed.get(key))
        for key in sorted(set(stored) | set(replayed))
        if stored.get(key) != replayed.get(key)
    }


@dataclass
class VerifyReport:
    total: int = 0
    identical: int = 0
    differing: list[tuple[int, int, dict[str, tuple[Any, Any]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differing


def _since_start(since: dt.date) -> dt.datetime:
    return dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())


def verify_assessments(*, since: dt.date | None = None) -> VerifyReport:
    """Replay every assessment (made on or after ``since``) and report those that differ."""
    queryset = Assessment.objects.select_related("policy_version").order_by("pk")
    if since is not None:
        queryset = queryset.filter(created_at__gte=_since_start(since))
    report = VerifyReport()
    for assessment in queryset.iterator(chunk_size=2000):
        report.total += 1
        differences = replay_assessment(assessment)
        if differences:
            report.differing.append((assessment.pk, assessment.customer_id, differences))
        else:
            report.identical += 1
    return report


# --- the whole portfolio --------------------------------------------------------------------


def _batch_title() -> str:
    return _("全量重新评估") + " / Re-assess the portfolio"


@transaction.atomic
def open_batch(
    *,
    actor,
    as_of: dt.date,
    trigger: str,
    chunk_size: int = CHUNK_SIZE,
) -> BatchRun:
    """The unfinished batch for today's version and ``as_of`` (to continue it), or a new one."""
    _authorize(actor, "assess_all")
    version = policies.require_published_version()
    unfinished = (
        BatchRun.objects.select_for_update()
        .filter(policy_version=version, as_of=as_of)
        .exclude(status=BatchStatus.SUCCEEDED)
        .order_by("-created_at", "-id")
        .first()
    )
    if unfinished is not None:
        return _reopen(unfinished, actor)
    return _new_batch(actor=actor, version=version, as_of=as_of, trigger=trigger, size=chunk_size)


def _reopen(batch: BatchRun, actor) -> BatchRun:
    """Failed chunks become pending again; a fresh job follows the rest of the work."""
    batch.chunks.filter(status=ChunkStatus.FAILED).update(status=ChunkStatus.PENDING, error="")
    batch.job = jobs.start_job(
        kind="assessments.batch", title=_batch_title(), actor=_user(actor), total=batch.total
    )
    jobs.report_progress(job_id=batch.job.pk, done=batch.done, message=_("继续 / resumed"))
    batch.status, batch.error, batch.finished_at = BatchStatus.RUNNING, "", None
    batch.save(update_fields=["status", "error", "finished_at", "job"])
    return batch


def _new_batch(*, actor, version: PolicyVersion, as_of: dt.date, trigger: str, size: int):
    if size < 1:
        raise ValidationError(_("每批客户数必须大于 0 / The chunk size must be positive."))
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    job = jobs.start_job(kind="assessments.batch", title=_batch_title(), actor=_user(actor))
    jobs.report_progress(job_id=job.pk, done=0, total=len(ids))
    batch = BatchRun.objects.create(
        policy_version=version,
        as_of=as_of,
        trigger=trigger,
        actor=_user(actor),
        job=job,
        chunk_size=size,
        total=len(ids),
    )
    BatchChunk.objects.bulk_create(
        BatchChunk(batch_run=batch, index=n, customer_ids=ids[start : start + size])
        for n, start in enumerate(range(0, len(ids), size))
    )
    record_event(
        actor=_user(actor),
        actor_name="" if actor is not SYSTEM else "system",
        action=AuditAction.BATCH_ASSESSMENT_STARTED,
        obj=batch,
        after={"policy_version": version.number, "as_of": as_of, "customers": len(ids)},
    )
    return batch


def assess_portfolio(
    *,
    actor,
    as_of: dt.date | None = None,
    trigger: str = Trigger.BATCH,
    chunk_size: int = CHUNK_SIZE,
    inline: bool = False,
    progress: ProgressCallback | None = None,
) -> BatchRun:
    """Re-assess every customer; continue the unfinished batch for the same day if there is one.

    Chunks are fanned out as tasks over the workers once the batch is committed, or run here
    one after the other with ``inline`` (the CLI, with a progress bar).
    """
    batch = open_batch(
        actor=actor, as_of=as_of or business_today(), trigger=trigger, chunk_size=chunk_size
    )
    pending = list(
        batch.chunks.filter(status=ChunkStatus.PENDING)
        .order_by("index")
        .values_list("pk", flat=True)
    )
    if inline:
        for chunk_id in pending:
            run_chunk(chunk_id=chunk_id)
            if progress is not None:
                batch.refresh_from_db(fields=["done", "failed", "total"])
                progress(batch.done + batch.failed, batch.total)
        finish_batch_if_complete(batch_id=batch.pk)
    else:
        from riskdesk.assessments import tasks

        for chunk_id in pending:
            transaction.on_commit(lambda pk=chunk_id: tasks.assess_chunk_task.enqueue(chunk_id=pk))
        if not pending:
            transaction.on_commit(lambda: finish_batch_if_complete(batch_id=batch.pk))
    batch.refresh_from_db()
    return batch


def failure(customer_id: int, stage: str, exc: BaseException) -> dict[str, object]:
    """How a customer's failure is recorded on its chunk."""
    if isinstance(exc, ValidationError):
        message = " ".join(exc.messages)
    else:
        message = f"{type(exc).__name__}: {exc}"
    return {"customer_id": customer_id, "stage": stage, "error": message[:FAILURE_TEXT]}


@dataclass
class ChunkResult:
    rows: pl.DataFrame | None = None  # columnar.chunk_rows of the customers assessed
    failures: list[dict] = field(default_factory=list)

    @property
    def assessed(self) -> int:
        return 0 if self.rows is None else self.rows.height

    def __add__(self, other: ChunkResult) -> ChunkResult:
        parts = [part for part in (self.rows, other.rows) if part is not None]
        return ChunkResult(pl.concat(parts) if parts else None, self.failures + other.failures)


def _evaluate_chunk(batch: BatchRun, customer_ids: list[int]) -> pl.DataFrame:
    compiled = policies.compiled_policy(batch.policy_version)
    frame = columnar.storable(portfolio_feature_table(as_of=batch.as_of, customer_ids=customer_ids))
    result = evaluate_table(compiled, frame, keep=("customer_id",))
    if not frame["customer_id"].equals(result["customer_id"]):
        raise AssertionError("evaluate_table changed the row order")
    return columnar.chunk_rows(frame, result, compiled)


def _evaluate_isolated(batch: BatchRun, customer_ids: list[int]) -> ChunkResult:
    """The chunk's assessments, vectorised; when that fails, the halves are tried again until
    the customers at fault are alone, recorded and left out (a few evaluations per bad row).

    Database errors are not a customer's fault: they fail the chunk, which a re-run resumes.
    """
    try:
        return ChunkResult(rows=_evaluate_chunk(batch, customer_ids))
    except DatabaseError:
        raise
    except Exception as exc:  # one customer's bad data never stops the others
        if len(customer_ids) > 1:
            middle = len(customer_ids) // 2
            first, second = customer_ids[:middle], customer_ids[middle:]
            return _evaluate_isolated(batch, first) + _evaluate_isolated(batch, second)
        logger.warning("batch %s: customer %s failed: %s", batch.pk, customer_ids[0], exc)
        return ChunkResult(failures=[failure(customer_ids[0], "evaluate", exc)])


def run_chunk(*, chunk_id: int) -> int:
    """Assess one chunk; a chunk already done is skipped. Returns the customers assessed.

    Features and evaluation run outside the transaction; the insert then re-checks the chunk
    under a row lock, so two workers given the same chunk never both write it. A customer
    that fails is recorded on the chunk and the others are written.
    """
    chunk = BatchChunk.objects.select_related("batch_run__policy_version").get(pk=chunk_id)
    if chunk.status == ChunkStatus.DONE:
        return 0
    batch = chunk.batch_run
    ids = list(
        Customer.objects.filter(pk__in=ids_subquery(chunk.customer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    try:
        result = _evaluate_isolated(batch, ids) if ids else ChunkResult()
        return _write_chunk(chunk_id=chunk_id, batch=batch, result=result)
    except Exception as exc:
        logger.exception("batch %s chunk %s failed", batch.pk, chunk.index)
        BatchChunk.objects.filter(pk=chunk_id, status=ChunkStatus.PENDING).update(
            status=ChunkStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


@transaction.atomic
def _write_chunk(*, chunk_id: int, batch: BatchRun, result: ChunkResult) -> int:
    from riskdesk.assessments import limits  # credit.services imports this module

    chunk = BatchChunk.objects.select_for_update().get(pk=chunk_id)
    if chunk.status == ChunkStatus.DONE:
        return 0
    proposals = {} if result.rows is None else columnar.insert_rows(result.rows, batch=batch)
    applied = limits.apply_batch_limits(batch=batch, proposals=proposals)
    chunk.status, chunk.assessed, chunk.finished_at = (
        ChunkStatus.DONE,
        result.assessed,
        timezone.now(),
    )
    chunk.failures = result.failures + applied.failures
    chunk.save(update_fields=["status", "assessed", "failures", "finished_at"])
    BatchRun.objects.filter(pk=batch.pk).update(
        done=F("done") + result.assessed,
        failed=F("failed") + len(result.failures),
        limits_granted=F("limits_granted") + applied.granted,
        limits_requested=F("limits_requested") + applied.requested,
    )
    progress = BatchRun.objects.only("done", "failed", "total", "job_id").get(pk=batch.pk)
    if progress.job_id:
        jobs.report_progress(
            job_id=progress.job_id,
            done=progress.done + progress.failed,
            total=progress.total,
            message=_failed_message(progress.failed),
        )
    return result.assessed


def _failed_message(failed: int) -> str:
    if not failed:
        return ""
    return _("%(n)s 个客户评估失败 / %(n)s customers failed") % {"n": failed}


def batch_failures(batch: BatchRun, *, first: int = FAILURES_SHOWN) -> list[dict]:
    """The first ``first`` failures recorded on the batch's chunks, in chunk order."""
    shown: list[dict] = []
    chunks = batch.chunks.exclude(failures=[]).order_by("index").values_list("failures", flat=True)
    for failures in chunks.iterator():
        shown.extend(failures[: first - len(shown)])
        if len(shown) >= first:
            break
    return shown


def finish_batch_if_complete(*, batch_id: int) -> bool:
    """Close the batch once no chunk is pending (exactly one caller wins); True if closed now."""
    chunks = BatchChunk.objects.filter(batch_run_id=batch_id)
    if chunks.filter(status=ChunkStatus.PENDING).exists():
        return False
    failed = chunks.filter(status=ChunkStatus.FAILED).count()
    status = BatchStatus.FAILED if failed else BatchStatus.SUCCEEDED
    with transaction.atomic():
        closed = BatchRun.objects.filter(pk=batch_id, status=BatchStatus.RUNNING).update(
            status=status, finished_at=timezone.now()
        )
        if not closed:
            return False
        batch = BatchRun.objects.select_related("policy_version").get(pk=batch_id)
        _close_job(batch, failed)
        record_event(
            actor=batch.actor,
            actor_name="" if batch.actor_id else "system",
            action=AuditAction.BATCH_ASSESSMENT_FINISHED,
            obj=batch,
            after={
                "status": status,
                "assessed": batch.done,
                "failed_customers": batch.failed,
                "failed_chunks": failed,
                "limits_granted": batch.limits_granted,
                "limits_requested": batch.limits_requested,
            },
        )
    return True


def _close_job(batch: BatchRun, failed_chunks: int) -> None:
    if not batch.job_id:
        return
    if failed_chunks:
        error = _(
            "%(n)s 个分块失败，重新运行即可继续 / %(n)s chunks failed; run again to resume"
        ) % {"n": failed_chunks}
        BatchRun.objects.filter(pk=batch.pk).update(error=error)
        jobs.fail_job(job_id=batch.job_id, error=error)
        return
    jobs.finish_job(
        job_id=batch.job_id,
        result={
            "batch_run": batch.pk,
            "assessed": batch.done,
            "failed": batch.failed,
            "limits_granted": batch.limits_granted,
            "limits_requested": batch.limits_requested,
        },
        message=batch_summary(batch),
    )


def batch_summary(batch: BatchRun) -> str:
    """One line on what a batch did: assessed, failed, limits granted and requested."""
    text = _(
        "已评估 %(done)s 个客户，失败 %(failed)s 个；自动授信 %(granted)s 个，"
        "额度申请 %(requested)s 个 / %(done)s assessed, %(failed)s failed; "
        "%(granted)s limits granted, %(requested)s limit requests"
    )
    return text % {
        "done": batch.done,
        "failed": batch.failed,
        "granted": batch.limits_granted,
        "requested": batch.limits_requested,
    }

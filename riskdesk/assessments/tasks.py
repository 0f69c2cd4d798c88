"""Background work of the assessments app (django.tasks on huey)."""

from __future__ import annotations

from django.tasks import task

from riskdesk.assessments import services
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import BatchChunk


@task
def assess_chunk_task(*, chunk_id: int) -> int:
    """One chunk of a batch re-assessment; the last chunk to finish closes the batch."""
    batch_id = BatchChunk.objects.values_list("batch_run_id", flat=True).get(pk=chunk_id)
    try:
        return services.run_chunk(chunk_id=chunk_id)
    finally:
        services.finish_batch_if_complete(batch_id=batch_id)


@task
def nightly_assessment_task() -> int:
    """The scheduled re-assessment of the whole portfolio (fans out one task per chunk)."""
    batch = services.assess_portfolio(actor=services.SYSTEM, trigger=Trigger.SCHEDULE)
    return batch.pk

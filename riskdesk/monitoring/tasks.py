"""Background work of the monitoring app (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from riskdesk.monitoring import services


@task
def process_events_task(*, event_ids: list[int]) -> int:
    """Turn new change events into alerts; returns the number of alerts created."""
    return services.process_events(event_ids=event_ids)

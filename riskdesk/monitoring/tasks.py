"""Background work of the monitoring app (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from riskdesk.monitoring import delivery, digests, services


@task
def process_events_task(*, event_ids: list[int]) -> int:
    """Turn new change events into alerts; returns the number of alerts created."""
    return services.process_events(event_ids=event_ids)


@task
def run_digests_task() -> dict:
    """The scheduler's minute: build due digests and send due deliveries (see ``delivery``)."""
    summary = delivery.run_digests()
    return {"immediate": summary.immediate, "digests": summary.digests, "sent": summary.sent.sent}


@task
def deliver_immediate_task(*, alert_ids: list[int]) -> int:
    """Build the one-event digests of new immediate alerts and send what is due."""
    built = digests.build_immediate(alert_ids=alert_ids)
    delivery.send_due_deliveries()
    return built

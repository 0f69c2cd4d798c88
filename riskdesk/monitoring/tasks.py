"""Background work of the monitoring app (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from riskdesk.monitoring import delivery, digests, services


@task
def process_events_task(*, event_ids: list[int]) -> int:
    """Turn new change events into alerts; returns the number of alerts created."""
    return services.process_events(event_ids=event_ids)


@task
def scan_internal_events_task() -> dict:
    """The daily scan for expiring limits, new overdue and high utilisation."""
    from riskdesk.monitoring.internal_events import scan_internal_events

    report = scan_internal_events()
    return {"created": report.created, "failures": report.failures}


@task
def run_rule_actions_task(*, event_id: int, rule_ids: list[int]) -> int:
    """The follow-up actions of the rules that matched one event."""
    return services.run_rule_actions(event_id=event_id, rule_ids=rule_ids)


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

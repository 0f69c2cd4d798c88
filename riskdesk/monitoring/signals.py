"""New change events are processed after their transaction commits; assessments and held
orders raise internal events (after their own transaction commits, so a failure here never
undoes them)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from riskdesk.assessments.models import Assessment
from riskdesk.credit.choices import CheckStatus
from riskdesk.credit.models import CreditCheck
from riskdesk.intel.models import ChangeEvent
from riskdesk.intel.signals import events_stored

logger = logging.getLogger("riskdesk.monitoring")


def _enqueue(event_ids: list[int]) -> None:
    from riskdesk.monitoring.tasks import process_events_task

    if event_ids:
        transaction.on_commit(lambda: process_events_task.enqueue(event_ids=event_ids))


@receiver(events_stored, dispatch_uid="monitoring.events_stored")
def events_stored_handler(sender, *, event_ids: list[int], **kwargs) -> None:
    _enqueue(list(event_ids))


@receiver(post_save, sender=ChangeEvent, dispatch_uid="monitoring.change_event_saved")
def change_event_saved(sender, instance: ChangeEvent, created: bool, raw: bool = False, **kwargs):
    """Events created one at a time (internal events); bulk inserts send ``events_stored``."""
    if created and not raw:
        _enqueue([instance.pk])


def _safely(label: str, work) -> None:
    try:
        work()
    except Exception:  # an internal event must never break the action that caused it
        logger.exception("internal event %s failed", label)


@receiver(post_save, sender=Assessment, dispatch_uid="monitoring.assessment_saved")
def assessment_saved(sender, instance: Assessment, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from riskdesk.monitoring.internal_events import emit_assessment_events

        transaction.on_commit(
            lambda: _safely("assessment", lambda: emit_assessment_events(instance))
        )


@receiver(post_save, sender=CreditCheck, dispatch_uid="monitoring.credit_check_saved")
def credit_check_saved(sender, instance: CreditCheck, created: bool, raw: bool = False, **kwargs):
    if created and not raw and instance.status == CheckStatus.HELD:
        from riskdesk.monitoring.internal_events import emit, hold_fact

        transaction.on_commit(lambda: _safely("credit.hold", lambda: emit(hold_fact(instance))))

"""New change events are processed after their transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from riskdesk.intel.models import ChangeEvent
from riskdesk.intel.signals import events_stored
from riskdesk.monitoring.choices import DeliveryMode
from riskdesk.monitoring.models import Alert, MonitoringRule


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


@receiver(m2m_changed, sender=Alert.rules.through, dispatch_uid="monitoring.alert_rules_set")
def alert_rules_set(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    """An alert's rules are known once they are added: immediate ones go out after commit.

    A lost task is harmless: the scheduler's minute sweeps recent immediate alerts too.
    """
    if action != "post_add" or reverse or not pk_set:
        return
    from riskdesk.monitoring.tasks import deliver_immediate_task

    immediate = MonitoringRule.objects.filter(pk__in=pk_set, delivery_mode=DeliveryMode.IMMEDIATE)
    if not immediate.exists():
        return
    alert_id = instance.pk
    transaction.on_commit(lambda: deliver_immediate_task.enqueue(alert_ids=[alert_id]))

"""Every write of the monitoring app: saving rules, turning change events into alerts, the inbox."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.models import User
from riskdesk.assessments import services as assessments
from riskdesk.customers.models import Customer
from riskdesk.intel import services as intel
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring.matching import RuleSet, current_rule_set
from riskdesk.monitoring.models import Alert, MonitoringRule

logger = logging.getLogger("riskdesk.monitoring")

MAX_ERROR_CHARS = 2000


# --- rules ----------------------------------------------------------------------------------


@transaction.atomic
def save_rule(
    *,
    rule: MonitoringRule,
    actor,
    recipient_users: Iterable[User] = (),
    channels: Iterable | None = None,
) -> MonitoringRule:
    """Validate and store ``rule`` (new or edited) with its named recipients (and channels)."""
    permissions.require(actor, "manage_monitoring")
    rule.full_clean()
    if rule.pk is None:
        rule.created_by = actor
    rule.save()
    rule.recipient_users.set(list(recipient_users))
    if channels is not None:
        rule.channels.set(list(channels))
    return rule


def record_rule_error(*, rule_id: int, error: str) -> None:
    """Count a run-time failure on the rule in one UPDATE (also when others run concurrently)."""
    MonitoringRule.objects.filter(pk=rule_id).update(
        last_error=error[:MAX_ERROR_CHARS],
        last_error_at=timezone.now(),
        error_count=F("error_count") + 1,
    )


# --- matching -------------------------------------------------------------------------------


def customer_filter_features(*, customer: Customer, as_of) -> dict:
    """The features a rule's customer filter reads: dossier, trading and the latest grade."""
    features = intel.customer_features(customer=customer, as_of=as_of)
    grade, score = assessments.previous_results([customer.pk]).get(customer.pk, (None, None))
    return {
        **features,
        "as_of_date": as_of,
        "previous_grade": grade,
        "previous_score": score,
        "grade": grade,
        "score": score,
    }


def event_text(event: ChangeEvent) -> str:
    return "\n".join((event.title_zh, event.text_zh, event.title_en, event.text_en))


def matching_rule_ids(*, event: ChangeEvent, rule_set: RuleSet | None = None) -> list[int]:
    """The enabled rules that match ``event``; a rule that fails is recorded and skipped."""
    rule_set = rule_set or current_rule_set()
    for rule_id, error in rule_set.broken.items():
        record_rule_error(rule_id=rule_id, error=error)
    hits = rule_set.keywords.scan(event_text(event))
    candidates = [
        rule
        for rule in rule_set.rules
        if rule.wants_event(event_type=event.type, severity_rank=event.severity_rank, hits=hits)
    ]
    if not candidates:
        return []
    customer = event.customer
    tags = frozenset(customer.tags.values_list("name", flat=True))
    features = None
    matched = []
    for rule in candidates:
        try:
            if rule.customer_filter is not None and features is None:
                with transaction.atomic():  # a failed query must not break the outer transaction
                    features = customer_filter_features(customer=customer, as_of=event.as_of)
            if rule.wants_customer(province=customer.province, tags=tags, features=features):
                matched.append(rule.id)
        except Exception as exc:  # one failing rule never stops the others
            logger.warning("monitoring rule %s failed on event %s", rule.id, event.pk)
            record_rule_error(rule_id=rule.id, error=f"{type(exc).__name__}: {exc}")
    return matched


def _may_see(user: User, customer: Customer) -> bool:
    try:
        permissions.require(user, "view", customer)
    except PermissionDenied:
        return False
    return True


def rule_recipients(*, rule: MonitoringRule, customer: Customer) -> set[User]:
    """Who the rule names for this customer, before scoping."""
    people: set[User] = set(rule.recipient_users.all())
    if rule.recipient_roles:
        people |= set(User.objects.filter(groups__name__in=rule.recipient_roles).distinct())
    owner = customer.owner
    if rule.notify_owner and owner is not None:
        people.add(owner)
    manager = owner.team.manager if owner is not None and owner.team is not None else None
    if rule.notify_owner_manager and manager is not None:
        people.add(manager)
    return people


def resolve_recipients(*, rules: Iterable[MonitoringRule], customer: Customer) -> dict[int, set]:
    """Each active recipient who may see ``customer`` → the ids of the rules that name them."""
    by_user: dict[int, set[int]] = {}
    users: dict[int, User] = {}
    for rule in rules:
        for user in rule_recipients(rule=rule, customer=customer):
            users[user.pk] = user
            by_user.setdefault(user.pk, set()).add(rule.pk)
    return {
        pk: rule_ids
        for pk, rule_ids in by_user.items()
        if users[pk].is_active and _may_see(users[pk], customer)
    }


@transaction.atomic
def process_event(*, event: ChangeEvent) -> list[Alert]:
    """Create the event's alerts: one per recipient, listing every rule that named them.

    Reprocessing an event creates nothing new: an (event, recipient) pair is stored once.
    """
    rule_ids = matching_rule_ids(event=event)
    if not rule_ids:
        return []
    rules = MonitoringRule.objects.filter(pk__in=rule_ids).prefetch_related("recipient_users")
    recipients = resolve_recipients(rules=rules, customer=event.customer)
    known = set(
        Alert.objects.filter(event=event, recipient_id__in=list(recipients)).values_list(
            "recipient_id", flat=True
        )
    )
    created = []
    for user_id, user_rules in sorted(recipients.items()):
        if user_id in known:
            continue
        alert, new = Alert.objects.get_or_create(event=event, recipient_id=user_id)
        if new:
            alert.rules.set(sorted(user_rules))
            created.append(alert)
    return created


def process_events(*, event_ids: Iterable[int]) -> int:
    """Process many events (each in its own transaction); returns the number of new alerts."""
    events = ChangeEvent.objects.filter(pk__in=list(event_ids)).select_related(
        "customer__owner__team__manager"
    )
    return sum(len(process_event(event=event)) for event in events.order_by("id"))


# --- inbox ----------------------------------------------------------------------------------


def inbox(*, user: User) -> QuerySet[Alert]:
    """The user's alerts, still limited to customers they may see today."""
    alerts = Alert.objects.filter(recipient=user).select_related("event", "event__customer")
    return permissions.restrict(alerts, user, "view", prefix="event__customer__")


def unread_count(*, user: User) -> int:
    return inbox(user=user).unread().count()


def _own_alert(alert: Alert, actor: User) -> None:
    if alert.recipient_id != actor.pk:
        raise PermissionDenied(_("这不是您的预警 / This alert is not yours."))


@transaction.atomic
def mark_read(*, alert: Alert, actor: User) -> Alert:
    _own_alert(alert, actor)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


@transaction.atomic
def acknowledge_alert(*, alert: Alert, actor: User, comment: str) -> Alert:
    """Mark the alert handled with the recipient's comment (reading it on the way)."""
    _own_alert(alert, actor)
    now = timezone.now()
    alert.read_at = alert.read_at or now
    alert.acknowledged_at = now
    alert.acknowledgement = comment.strip()
    alert.save(update_fields=["read_at", "acknowledged_at", "acknowledgement"])
    return alert

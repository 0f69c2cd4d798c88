"""Every write of the monitoring app: saving rules, turning change events into alerts, the inbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.models import User
from riskdesk.assessments import services as assessments
from riskdesk.assessments.choices import Trigger
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.customers.models import Customer
from riskdesk.intel import services as intel
from riskdesk.intel.choices import Dimension, Severity
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring.choices import (
    ActionStatus,
    DeliveryMode,
    FollowUpAction,
    ReviewTaskStatus,
)
from riskdesk.monitoring.matching import CustomerFacts, RuleSet, current_rule_set
from riskdesk.monitoring.models import (
    Alert,
    CreditHoldFlag,
    MonitoringRule,
    ReviewTask,
    RuleActionRun,
)

logger = logging.getLogger("riskdesk.monitoring")

MAX_ERROR_CHARS = 2000


# --- rules ----------------------------------------------------------------------------------


RULE_DOCUMENT_FIELDS = (
    "name",
    "enabled",
    "event_types",
    "min_severity",
    "include_keywords",
    "exclude_keywords",
    "customer_filter",
    "provinces",
    "tags",
    "recipient_roles",
    "notify_owner",
    "notify_owner_manager",
    "delivery_mode",
    "digest_time",
    "digest_timezone",
    "digest_weekday",
    "quiet_start",
    "quiet_end",
    "email_recipients",
    "external_emails",
    "action_reassess",
    "action_review_task",
    "review_task_role",
    "action_credit_hold",
)
"""A rule's user-written settings, in the order the YAML export and the audit trail show them."""


def rule_document(rule: MonitoringRule, recipient_users: Iterable[User] | None = None) -> dict:
    """The rule as plain data: what the audit trail, the YAML export and the API show."""
    data = {name: getattr(rule, name) for name in RULE_DOCUMENT_FIELDS}
    for name in ("digest_time", "quiet_start", "quiet_end"):
        value = getattr(rule, name)
        data[name] = value.strftime("%H:%M") if value else None
    users = recipient_users if recipient_users is not None else rule.recipient_users.all()
    data["recipient_users"] = sorted(user.get_username() for user in users)
    return data


@transaction.atomic
def save_rule(
    *,
    rule: MonitoringRule,
    actor,
    recipient_users: Iterable[User] = (),
    channels: Iterable | None = None,
) -> MonitoringRule:
    """Validate and store ``rule`` (new or edited) with its recipients and channels, audited."""
    permissions.require(actor, "manage_monitoring")
    recipient_users = list(recipient_users)
    rule.full_clean()
    creating = rule.pk is None
    before = None if creating else rule_document(MonitoringRule.objects.get(pk=rule.pk))
    if creating:
        rule.created_by = actor
    rule.save()
    rule.recipient_users.set(recipient_users)
    if channels is not None:
        rule.channels.set(list(channels))
    after = rule_document(rule, recipient_users)
    if before != after:
        record_event(
            actor=actor, action=_rule_change(before, after), obj=rule, before=before, after=after
        )
    return rule


def _rule_change(before: dict | None, after: dict) -> str:
    if before is None:
        return AuditAction.MONITORING_RULE_CREATED
    changed = {key for key in after if before.get(key) != after[key]}
    if changed == {"enabled"}:
        return AuditAction.MONITORING_RULE_ENABLED
    return AuditAction.MONITORING_RULE_UPDATED


@transaction.atomic
def set_rule_enabled(*, rule: MonitoringRule, actor, enabled: bool) -> MonitoringRule:
    permissions.require(actor, "manage_monitoring")
    rule = MonitoringRule.objects.select_for_update().get(pk=rule.pk)
    if rule.enabled != enabled:
        rule.enabled = enabled
        rule.save(update_fields=["enabled", "updated_at"])
        record_event(
            actor=actor,
            action=AuditAction.MONITORING_RULE_ENABLED,
            obj=rule,
            before={"enabled": not enabled},
            after={"enabled": enabled},
        )
    return rule


@transaction.atomic
def delete_rule(*, rule: MonitoringRule, actor) -> None:
    """Delete the rule; alerts it raised stay (their rule list loses it)."""
    permissions.require(actor, "manage_monitoring")
    record_event(
        actor=actor,
        action=AuditAction.MONITORING_RULE_DELETED,
        obj=rule,
        before=rule_document(rule),
    )
    rule.delete()


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


def _customer_facts(event: ChangeEvent, cache: dict) -> CustomerFacts:
    """The customer checks' inputs; tags and filter features loaded once per batch."""
    customer = event.customer
    tags_key, features_key = ("tags", customer.pk), ("features", customer.pk, event.as_of)
    if tags_key not in cache:
        cache[tags_key] = frozenset(customer.tags.values_list("name", flat=True))

    def load_features() -> dict:
        if features_key not in cache:
            with transaction.atomic():  # a failed query must not break the outer transaction
                cache[features_key] = customer_filter_features(customer=customer, as_of=event.as_of)
        return cache[features_key]

    return CustomerFacts(customer.province, cache[tags_key], load_features)


def _record_failure(rule_id: int, exc: Exception) -> None:
    logger.warning("monitoring rule %s failed", rule_id)
    record_rule_error(rule_id=rule_id, error=f"{type(exc).__name__}: {exc}")


def _record_broken(rule_set: RuleSet) -> None:
    for rule_id, error in rule_set.broken.items():
        record_rule_error(rule_id=rule_id, error=error)


def matching_rule_ids(*, event: ChangeEvent, rule_set: RuleSet | None = None) -> list[int]:
    """The enabled rules that match ``event``; a rule that fails is recorded and skipped."""
    rule_set = rule_set or current_rule_set()
    _record_broken(rule_set)
    return rule_set.match(
        event_type=event.type,
        severity_rank=event.severity_rank,
        text=event_text(event),
        customer=_customer_facts(event, {}),
        on_error=_record_failure,
    )


def matching_rule_ids_many(*, events: list[ChangeEvent]) -> list[list[int]]:
    """:func:`matching_rule_ids` for many events, their texts scanned together."""
    rule_set = current_rule_set()
    _record_broken(rule_set)
    cache: dict = {}
    batch = [
        (event.type, event.severity_rank, event_text(event), _customer_facts(event, cache))
        for event in events
    ]
    return rule_set.match_many(batch, on_error=_record_failure)


def may_see(user: User, customer: Customer) -> bool:
    try:
        permissions.require(user, "view", customer)
    except PermissionDenied:
        return False
    return True


def rule_recipients(
    *, rule: MonitoringRule, customer: Customer, named: Iterable[User] | None = None
) -> set[User]:
    """Who the rule names for this customer, before scoping (``named`` for an unsaved rule)."""
    people: set[User] = set(named if named is not None else rule.recipient_users.all())
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
        if users[pk].is_active and may_see(users[pk], customer)
    }


@transaction.atomic
def process_event(*, event: ChangeEvent, rule_ids: list[int] | None = None) -> list[Alert]:
    """Create the event's alerts: one per recipient, listing every rule that named them
    (``rule_ids``: the matching rules when already known, as in a batch).

    Reprocessing an event creates nothing new: an (event, recipient) pair is stored once.
    """
    if rule_ids is None:
        rule_ids = matching_rule_ids(event=event)
    if not rule_ids:
        return []
    rules = MonitoringRule.objects.filter(pk__in=rule_ids).prefetch_related("recipient_users")
    _enqueue_actions(event, [rule.pk for rule in rules if rule.has_actions])
    recipients = resolve_recipients(rules=rules, customer=event.customer)
    known = set(
        Alert.objects.filter(event=event, recipient_id__in=list(recipients)).values_list(
            "recipient_id", flat=True
        )
    )
    immediate_rule_ids = {rule.pk for rule in rules if rule.delivery_mode == DeliveryMode.IMMEDIATE}
    created, immediate_alert_ids = [], []
    for user_id, user_rules in sorted(recipients.items()):
        if user_id in known:
            continue
        alert, new = Alert.objects.get_or_create(event=event, recipient_id=user_id)
        if new:
            alert.rules.set(sorted(user_rules))
            created.append(alert)
            if user_rules & immediate_rule_ids:
                immediate_alert_ids.append(alert.pk)
    _enqueue_immediate(immediate_alert_ids)
    return created


def process_events(*, event_ids: Iterable[int]) -> int:
    """Process many events (each in its own transaction); returns the number of new alerts."""
    events = list(
        ChangeEvent.objects.filter(pk__in=list(event_ids))
        .select_related("customer__owner__team__manager")
        .order_by("id")
    )
    matches = matching_rule_ids_many(events=events)
    return sum(
        len(process_event(event=event, rule_ids=rule_ids))
        for event, rule_ids in zip(events, matches, strict=True)
    )


def _enqueue_immediate(alert_ids: list[int]) -> None:
    """Alerts of immediate rules go out once their transaction commits, in one task.

    A lost task is harmless: the scheduler's minute sweeps recent immediate alerts too.
    """
    from riskdesk.monitoring.tasks import deliver_immediate_task

    if alert_ids:
        transaction.on_commit(lambda: deliver_immediate_task.enqueue(alert_ids=alert_ids))


# --- follow-up actions ----------------------------------------------------------------------


def _enqueue_actions(event: ChangeEvent, rule_ids: list[int]) -> None:
    from riskdesk.monitoring.tasks import run_rule_actions_task

    if rule_ids:
        transaction.on_commit(
            lambda: run_rule_actions_task.enqueue(event_id=event.pk, rule_ids=rule_ids)
        )


def _claim(rule: MonitoringRule, event: ChangeEvent) -> RuleActionRun | None:
    """The run row for (rule, event), or None when another run already claimed it."""
    with transaction.atomic():
        run, created = RuleActionRun.objects.get_or_create(rule=rule, event=event)
    return run if created else None


def run_rule_actions(*, event_id: int, rule_ids: Iterable[int]) -> int:
    """Run each rule's follow-up actions for the event once; returns how many actions ran.

    Every action runs in its own transaction: one that fails is recorded on its rule and the
    others still run.
    """
    event = ChangeEvent.objects.select_related("customer").filter(pk=event_id).first()
    if event is None:
        return 0
    done = 0
    for rule in MonitoringRule.objects.filter(pk__in=list(rule_ids)).order_by("id"):
        run = _claim(rule, event)
        if run is None:
            continue
        run.results = {}
        for action in rule_actions(rule):
            run.results[action] = _run_action(action, rule=rule, event=event)
            done += run.results[action] == "ok"
        failed = any(result != "ok" for result in run.results.values())
        run.status = ActionStatus.FAILED if failed else ActionStatus.DONE
        run.save(update_fields=["status", "results"])
    return done


def rule_actions(rule: MonitoringRule) -> list[str]:
    flags = {
        FollowUpAction.REASSESS: rule.action_reassess,
        FollowUpAction.REVIEW_TASK: rule.action_review_task,
        FollowUpAction.CREDIT_HOLD: rule.action_credit_hold,
    }
    return [str(action) for action, wanted in flags.items() if wanted]


def _run_action(action: str, *, rule: MonitoringRule, event: ChangeEvent) -> str:
    handlers = {
        FollowUpAction.REASSESS: reassess_after_event,
        FollowUpAction.REVIEW_TASK: open_review_task,
        FollowUpAction.CREDIT_HOLD: set_credit_hold,
    }
    try:
        with transaction.atomic():
            handlers[action](rule=rule, event=event)
    except Exception as exc:  # one failing action never stops the others
        logger.warning("action %s of rule %s failed on event %s", action, rule.pk, event.pk)
        error = f"{action}: {type(exc).__name__}: {exc}"
        record_rule_error(rule_id=rule.pk, error=error)
        return error
    return "ok"


SELF_TRIGGERED = frozenset({"grade.changed", "score.dropped"})
"""Events a re-assessment raises itself: re-assessing on them again would only loop."""


def reassess_after_event(*, rule: MonitoringRule, event: ChangeEvent) -> None:
    if event.type in SELF_TRIGGERED:
        return
    assessments.assess_customer(customer=event.customer, actor=intel.SYSTEM, trigger=Trigger.EVENT)


def _reason(rule: MonitoringRule, event: ChangeEvent) -> str:
    return f"{rule.name}：{event.title_zh}"[:300]


def open_review_task(*, rule: MonitoringRule, event: ChangeEvent) -> ReviewTask:
    task = ReviewTask.objects.create(
        customer=event.customer,
        reason=_reason(rule, event),
        event=event,
        rule=rule,
        role=rule.review_task_role,
    )
    record_event(
        actor=None,
        actor_name="system",
        action=AuditAction.REVIEW_TASK_OPENED,
        obj=task,
        after={"customer": event.customer_id, "event": event.pk, "rule": rule.pk},
    )
    return task


def set_credit_hold(*, rule: MonitoringRule, event: ChangeEvent) -> CreditHoldFlag:
    """Flag the customer so new orders go on hold (one active flag per customer)."""
    Customer.objects.select_for_update().filter(pk=event.customer_id).first()
    active = CreditHoldFlag.objects.filter(customer_id=event.customer_id, released_at=None).first()
    if active is not None:
        return active
    flag = CreditHoldFlag.objects.create(
        customer=event.customer, reason=_reason(rule, event), event=event, rule=rule
    )
    record_event(
        actor=None,
        actor_name="system",
        action=AuditAction.CREDIT_HOLD_FLAG_SET,
        obj=event.customer,
        after={"flag": flag.pk, "reason": flag.reason, "event": event.pk, "rule": rule.pk},
    )
    return flag


def hold_active(customer: Customer) -> bool:
    """Must new orders of ``customer`` go on credit hold because of a monitoring rule?"""
    return CreditHoldFlag.objects.filter(customer=customer, released_at=None).exists()


@transaction.atomic
def release_credit_hold(*, flag: CreditHoldFlag, actor, reason: str = "") -> CreditHoldFlag:
    flag = CreditHoldFlag.objects.select_for_update().select_related("customer").get(pk=flag.pk)
    permissions.require(actor, "release_hold", flag.customer)
    if flag.released_at is not None:
        raise ValidationError(_("该冻结已解除 / This hold is already released."))
    flag.released_at = timezone.now()
    flag.released_by = actor
    flag.save(update_fields=["released_at", "released_by"])
    record_event(
        actor=actor,
        action=AuditAction.CREDIT_HOLD_FLAG_RELEASED,
        obj=flag.customer,
        before={"flag": flag.pk, "active": True},
        after={"flag": flag.pk, "active": False, "reason": reason.strip()},
    )
    return flag


def review_tasks(*, user: User) -> QuerySet[ReviewTask]:
    """Review tasks of the customers the user may see."""
    tasks = ReviewTask.objects.select_related("customer", "event", "rule", "closed_by")
    return permissions.restrict(tasks, user, "view", prefix="customer__")


@transaction.atomic
def close_review_task(*, task: ReviewTask, actor, comment: str = "") -> ReviewTask:
    task = ReviewTask.objects.select_for_update().select_related("customer").get(pk=task.pk)
    permissions.require(actor, "change", task.customer)
    if task.status == ReviewTaskStatus.DONE:
        raise ValidationError(_("该复核任务已完成 / This review task is already done."))
    task.status = ReviewTaskStatus.DONE
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.comment = comment.strip()
    task.save(update_fields=["status", "closed_by", "closed_at", "comment"])
    record_event(
        actor=actor,
        action=AuditAction.REVIEW_TASK_CLOSED,
        obj=task,
        before={"status": ReviewTaskStatus.OPEN},
        after={"status": ReviewTaskStatus.DONE, "comment": task.comment},
    )
    return task


# --- history and dashboards -----------------------------------------------------------------

HISTORY_SIZE = 50


@dataclass(frozen=True, slots=True)
class EventHistoryRow:
    event: ChangeEvent
    rules: tuple[str, ...]
    recipients: int


def customer_alert_history(*, customer: Customer, user: User) -> dict:
    """The customer's recent events with the rules that matched them, open review tasks and
    the monitoring credit hold — for the risk profile. Empty for users who may not see it."""
    if not may_see(user, customer):
        return {"rows": [], "tasks": [], "hold": None}
    events = (
        ChangeEvent.objects.filter(customer=customer)
        .prefetch_related("alerts__rules")
        .order_by("-detected_at", "-id")[:HISTORY_SIZE]
    )
    rows = []
    for event in events:
        alerts = list(event.alerts.all())
        names = sorted({rule.name for alert in alerts for rule in alert.rules.all()})
        rows.append(EventHistoryRow(event=event, rules=tuple(names), recipients=len(alerts)))
    tasks = ReviewTask.objects.filter(customer=customer, status=ReviewTaskStatus.OPEN)
    hold = CreditHoldFlag.objects.filter(customer=customer, released_at=None).first()
    return {"rows": rows, "tasks": list(tasks), "hold": hold}


TREND_DAYS = 30


def alert_trend(*, user: User, days: int = TREND_DAYS, now=None) -> dict:
    """Events that raised alerts per day, by dimension and by severity (customers in scope)."""
    tz = timezone.get_default_timezone()
    today = timezone.localdate(now or timezone.now())
    start = today - dt.timedelta(days=days - 1)
    events = permissions.restrict(
        ChangeEvent.objects.filter(
            detected_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            alerts__isnull=False,
        ),
        user,
        "view",
        prefix="customer__",
    )
    rows = (
        events.annotate(day=TruncDate("detected_at", tzinfo=tz))
        .values("day", "dimension", "severity")
        .annotate(n=Count("id", distinct=True))
    )
    labels = [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    index = {label: i for i, label in enumerate(labels)}
    by_dimension = {value: [0] * days for value in Dimension.values}
    by_severity = {value: [0] * days for value in Severity.values}
    for row in rows:
        i = index.get(row["day"].isoformat())
        if i is None:
            continue
        by_dimension[row["dimension"]][i] += row["n"]
        by_severity[row["severity"]][i] += row["n"]
    return {
        "labels": labels,
        "dimensions": _series(by_dimension, Dimension),
        "severities": _series(by_severity, Severity),
        "total": sum(sum(values) for values in by_dimension.values()),
    }


def _series(counts: dict[str, list[int]], choices) -> list[dict]:
    return [
        {"key": value, "name": str(choices(value).label), "data": counts[value]}
        for value in choices.values
        if any(counts[value])
    ]


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

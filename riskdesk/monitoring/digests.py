"""Building digests: which alerts go to whom, for which period, rendered once and stored.

Building comes before sending. Each digest is created with its items and its delivery row in
one transaction; the unique keys (recipient, transport, period) and (recipient, transport,
event) make a rebuild after a crash, or two builders at once, create nothing twice. Sending is
:mod:`riskdesk.monitoring.delivery`'s job.

Who hears about an alert, per matching rule:

* the alert's recipient, in the inbox (digest periods only — an immediate alert *is* the inbox
  entry) and by e-mail when the rule says so, the user has an address and SMTP is configured;
* the rule's external e-mail addresses (when SMTP is configured);
* the rule's enabled chat channels (one message per event, not per person).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from riskdesk.accounts.models import User
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring import rendering
from riskdesk.monitoring.choices import DeliveryMode, DeliveryStatus, Period, Transport
from riskdesk.monitoring.models import (
    Alert,
    Delivery,
    Digest,
    DigestItem,
    DigestRun,
    MonitoringRule,
    NotificationChannel,
)

logger = logging.getLogger("riskdesk.monitoring")

MODE_PERIODS = {
    DeliveryMode.DAILY_DIGEST: Period.DAILY,
    DeliveryMode.WEEKLY_DIGEST: Period.WEEKLY,
}
CATCH_UP = {Period.DAILY: dt.timedelta(days=7), Period.WEEKLY: dt.timedelta(days=14)}
"""How far back a digest reaches: alerts older than this are never mailed out late (a new
install or a long outage does not flood everyone with history; they stay in the inbox)."""
IMMEDIATE_SWEEP = dt.timedelta(days=1)
"""Immediate alerts this recent that were not dispatched (a lost task) are picked up by the tick."""
_CHUNK = 2000
COMMIT_EVERY = 100
"""Digests per transaction: fewer commits, and a crash loses at most this much building."""


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSchedule:
    """When a group of rules sends its digest: the period and the wall-clock slot."""

    period: str
    time_of_day: dt.time
    timezone_name: str
    weekday: int = 0

    @classmethod
    def of(cls, rule: MonitoringRule) -> DigestSchedule:
        period = MODE_PERIODS[DeliveryMode(rule.delivery_mode)]
        weekday = rule.digest_weekday if period == Period.WEEKLY else 0
        time_of_day = rule.digest_time.replace(second=0, microsecond=0)
        return cls(period, time_of_day, rule.digest_timezone, weekday)

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The last slot at or before ``now`` (UTC): 21:00 in the rule's zone, not 21:00 UTC."""
        zone = ZoneInfo(self.timezone_name)
        local = now.astimezone(zone)
        candidate = dt.datetime.combine(local.date(), self.time_of_day, tzinfo=zone)
        while candidate > local or (
            self.period == Period.WEEKLY and candidate.weekday() != self.weekday
        ):
            candidate = dt.datetime.combine(
                candidate.date() - dt.timedelta(days=1), self.time_of_day, tzinfo=zone
            )
        return candidate.astimezone(dt.UTC)

    def period_key(self, slot: dt.datetime) -> str:
        local = slot.astimezone(ZoneInfo(self.timezone_name))
        return f"{self.period}:{local:%Y-%m-%dT%H:%M}:{self.timezone_name}"

    def label(self, slot: dt.datetime) -> str:
        local = slot.astimezone(ZoneInfo(self.timezone_name))
        name = {"daily": "每日汇总 / Daily digest", "weekly": "每周汇总 / Weekly digest"}
        return f"{name[self.period]} · {local:%Y-%m-%d %H:%M} ({self.timezone_name})"


def quiet_until(*, rule: MonitoringRule, now: dt.datetime) -> dt.datetime | None:
    """The end of the rule's quiet hours if ``now`` falls inside them (else None), in UTC.

    Quiet hours may span midnight (22:00–07:00); equal ends mean no quiet hours.
    """
    start, end = rule.quiet_start, rule.quiet_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(rule.digest_timezone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One recipient on one transport: a user, an external address or a channel."""

    key: str
    transport: str
    user_id: int | None = None
    email: str = ""
    channel_id: int | None = None


@dataclass
class Wanted:
    """The events a target should get (event id → the alert that brought it, if personal)."""

    events: dict[int, int | None] = field(default_factory=dict)
    not_before: dt.datetime | None = None


class Routing:
    """Rules, users and channels loaded once per build, to route alerts to targets."""

    def __init__(self, rule_ids: Iterable[int]):
        self.rules = {
            r.pk: r
            for r in MonitoringRule.objects.filter(pk__in=list(rule_ids)).prefetch_related(
                "channels"
            )
        }
        self.channels: dict[int, list[NotificationChannel]] = {
            pk: [c for c in rule.channels.all() if c.enabled] for pk, rule in self.rules.items()
        }
        self.email = settings.EMAIL_DELIVERY_ENABLED
        self._users: dict[int, User] = {}

    def load_users(self, user_ids: Iterable[int]) -> None:
        missing = set(user_ids) - set(self._users)
        for user in User.objects.filter(pk__in=missing, is_active=True).only("id", "email"):
            self._users[user.pk] = user

    def targets(self, *, rule_id: int, user_id: int, with_inbox: bool) -> list[Target]:
        rule = self.rules[rule_id]
        found: list[Target] = []
        user = self._users.get(user_id)
        if user is not None:
            if with_inbox:
                found.append(Target(f"user:{user_id}", Transport.INBOX, user_id=user_id))
            if self.email and rule.email_recipients and user.email:
                found.append(
                    Target(f"user:{user_id}", Transport.EMAIL, user_id=user_id, email=user.email)
                )
        if self.email:
            found += [Target(f"email:{a}", Transport.EMAIL, email=a) for a in rule.external_emails]
        found += [
            Target(f"channel:{c.pk}", c.kind, channel_id=c.pk) for c in self.channels[rule_id]
        ]
        return found


def _route(
    rows: Iterable[tuple[int, int, int, int]], routing: Routing, *, with_inbox: bool
) -> dict[Target, Wanted]:
    """(alert, event, recipient, rule) rows → what each target should get."""
    rows = list(rows)
    routing.load_users({user_id for _a, _e, user_id, _r in rows})
    wanted: dict[Target, Wanted] = defaultdict(Wanted)
    for alert_id, event_id, user_id, rule_id in rows:
        for target in routing.targets(rule_id=rule_id, user_id=user_id, with_inbox=with_inbox):
            personal = alert_id if target.user_id is not None else None
            wanted[target].events.setdefault(event_id, personal)
    return wanted


def _drop_already_sent(wanted: dict[Target, Wanted]) -> None:
    """Remove events a target already got in an earlier digest (the DigestItem key)."""
    event_ids = sorted({e for w in wanted.values() for e in w.events})
    done: set[tuple[str, str, int]] = set()
    for start in range(0, len(event_ids), _CHUNK):
        done.update(
            DigestItem.objects.filter(event_id__in=event_ids[start : start + _CHUNK]).values_list(
                "recipient_key", "transport", "event_id"
            )
        )
    for target in list(wanted):
        events = wanted[target].events
        for event_id in [e for e in events if (target.key, target.transport, e) in done]:
            del events[event_id]
        if not events:
            del wanted[target]


def _event_rows(event_ids: Iterable[int]) -> dict[int, rendering.EventRow]:
    ids = sorted(set(event_ids))
    rows: dict[int, rendering.EventRow] = {}
    fields = (
        *("id", "customer_id", "customer__name", "dimension", "severity", "severity_rank"),
        *("title_zh", "text_zh", "detected_at"),
    )
    for start in range(0, len(ids), _CHUNK):
        for values in ChangeEvent.objects.filter(pk__in=ids[start : start + _CHUNK]).values_list(
            *fields
        ):
            rows[values[0]] = rendering.EventRow(*values)
    return rows


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildSpec:
    period: str
    period_key: str
    period_end: dt.datetime
    label: str
    timezone_name: str


def _render(target: Target, content: dict) -> dict[str, str]:
    if target.transport == Transport.INBOX:
        return {"html": rendering.render_html(content)}
    if target.transport == Transport.EMAIL:
        return {"text": rendering.render_text(content), "html": rendering.render_html(content)}
    return {"markdown": rendering.render_markdown(content)}


@dataclass
class Draft:
    """A digest ready to insert, with its items and delivery (not saved yet)."""

    digest: Digest
    items: list[DigestItem]
    delivery: Delivery

    def save(self) -> None:
        """Insert one draft in its own savepoint; IntegrityError if it was built already."""
        with transaction.atomic():
            self.digest.save(force_insert=True)
            for item in self.items:
                item.digest = self.digest
            DigestItem.objects.bulk_create(self.items)
            self.delivery.digest = self.digest
            self.delivery.save(force_insert=True)


def draft_digest(
    *, target: Target, wanted: Wanted, spec: BuildSpec, events: dict[int, rendering.EventRow]
) -> Draft | None:
    """Render one digest (content, text/HTML/Markdown as its transport needs); None if empty."""
    event_ids = [e for e in wanted.events if e in events]
    content = rendering.digest_content(
        rows=[events[e] for e in event_ids],
        title="风险预警 / Risk alerts"
        if spec.period == Period.IMMEDIATE
        else "风险预警汇总 / Risk alert digest",
        period_label=spec.label,
        timezone_name=spec.timezone_name,
    )
    if not content["event_count"]:
        return None
    now = timezone.now()
    in_app = target.transport == Transport.INBOX
    digest = Digest(
        recipient_key=target.key,
        transport=target.transport,
        period=spec.period,
        period_key=spec.period_key,
        recipient_user_id=target.user_id,
        recipient_email=target.email,
        channel_id=target.channel_id,
        period_end=spec.period_end,
        subject=f"{content['title']} · {content['event_count']} · {spec.label}"[:300],
        content=content,
        event_count=content["event_count"],
        **_render(target, content),
    )
    items = [
        DigestItem(
            event_id=event_id,
            alert_id=wanted.events[event_id],
            recipient_key=target.key,
            transport=target.transport,
        )
        for event_id in event_ids
    ]
    delivery = Delivery(
        transport=target.transport,
        channel_id=target.channel_id,
        # In-app digests are delivered by being stored.
        status=DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
        sent_at=now if in_app else None,
        attempts=1 if in_app else 0,
        next_attempt_at=max(now, wanted.not_before or now),
    )
    return Draft(digest, items, delivery)


def _insert_chunk(drafts: list[Draft]) -> int:
    """Insert a chunk in three bulk statements; one by one if any of it was built already."""
    try:
        with transaction.atomic():
            Digest.objects.bulk_create([d.digest for d in drafts])
            for draft in drafts:
                for item in draft.items:
                    item.digest = draft.digest
                draft.delivery.digest = draft.digest
            DigestItem.objects.bulk_create([i for d in drafts for i in d.items], batch_size=2000)
            Delivery.objects.bulk_create([d.delivery for d in drafts])
        return len(drafts)
    except IntegrityError:
        pass
    built = 0
    for draft in drafts:
        # The failed bulk insert may have numbered some rows before it rolled back.
        draft.digest.pk = draft.delivery.pk = None
        for item in draft.items:
            item.pk = None
        try:
            draft.save()
        except IntegrityError:
            # Another builder (or an earlier, interrupted run) got there first.
            digest = draft.digest
            logger.info("digest %s %s already built", digest.recipient_key, digest.period_key)
            continue
        built += 1
    return built


def _create_all(wanted: dict[Target, Wanted], spec: BuildSpec) -> int:
    """Create the digests, ``COMMIT_EVERY`` per transaction (a crash loses at most that)."""
    _drop_already_sent(wanted)
    events = _event_rows(e for w in wanted.values() for e in w.events)
    targets = sorted(wanted, key=lambda t: (t.key, t.transport))
    built = 0
    for start in range(0, len(targets), COMMIT_EVERY):
        chunk = targets[start : start + COMMIT_EVERY]
        drafted = (
            draft_digest(target=t, wanted=wanted[t], spec=spec, events=events) for t in chunk
        )
        drafts = [draft for draft in drafted if draft is not None]
        if drafts:
            built += _insert_chunk(drafts)
            _test_pause()
    return built


def _test_pause() -> None:
    """A delay for the crash tests (``RISKDESK_DELIVERY_TEST_PAUSE``), never set in production."""
    if settings.DELIVERY_TEST_PAUSE_SECONDS:
        import time

        time.sleep(settings.DELIVERY_TEST_PAUSE_SECONDS)


def digest_schedules(periods: Iterable[str] | None = None) -> dict[DigestSchedule, list[int]]:
    """The enabled digest rules grouped by their schedule (read fresh on every run)."""
    groups: dict[DigestSchedule, list[int]] = defaultdict(list)
    modes = [m for m, p in MODE_PERIODS.items() if periods is None or p in periods]
    for rule in MonitoringRule.objects.filter(enabled=True, delivery_mode__in=modes):
        groups[DigestSchedule.of(rule)].append(rule.pk)
    return dict(groups)


def build_slot(*, schedule: DigestSchedule, rule_ids: list[int], slot: dt.datetime) -> int:
    """Build every digest of one schedule slot; returns the number of digests created."""
    spec = BuildSpec(
        period=schedule.period,
        period_key=schedule.period_key(slot),
        period_end=slot,
        label=schedule.label(slot),
        timezone_name=schedule.timezone_name,
    )
    rows = Alert.objects.filter(
        rules__in=rule_ids,
        created_at__gt=slot - CATCH_UP[Period(schedule.period)],
        created_at__lte=slot,
    ).values_list("id", "event_id", "recipient_id", "rules__id")
    wanted = _route(rows, Routing(rule_ids), with_inbox=True)
    return _create_all(wanted, spec)


def build_due_digests(*, now: dt.datetime, force: bool = False, periods=None) -> int:
    """Build the digests whose slot has come; ``force`` treats ``now`` as every group's slot.

    A slot built to the end is recorded (:class:`DigestRun`) so later ticks skip it; a run
    that died half-way leaves no record and the next tick completes it.
    """
    built = 0
    for schedule, rule_ids in digest_schedules(periods).items():
        slot = now if force else schedule.latest_slot(now)
        key = schedule.period_key(slot)
        if not force and DigestRun.objects.filter(period_key=key).exists():
            continue
        count = build_slot(schedule=schedule, rule_ids=rule_ids, slot=slot)
        built += count
        if not force:
            DigestRun.objects.get_or_create(period_key=key, defaults={"digests": count})
    return built


def build_immediate(*, alert_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """One-event digests for alerts of IMMEDIATE rules (held until quiet hours end)."""
    now = now or timezone.now()
    rows = list(
        Alert.objects.filter(
            pk__in=list(alert_ids), rules__enabled=True, rules__delivery_mode=DeliveryMode.IMMEDIATE
        ).values_list("id", "event_id", "recipient_id", "rules__id")
    )
    if not rows:
        return 0
    routing = Routing({rule_id for *_x, rule_id in rows})
    by_event: dict[int, list[tuple]] = {}
    for row in rows:
        by_event.setdefault(row[1], []).append(row)
    built = 0
    for event_id, event_rows in sorted(by_event.items()):
        wanted = _route(event_rows, routing, with_inbox=False)
        _hold_for_quiet_hours(wanted, event_rows, routing, now)
        spec = BuildSpec(
            period=Period.IMMEDIATE,
            period_key=f"immediate:{event_id}",
            period_end=now,
            label=f"即时预警 / Immediate alert · {timezone.localtime(now):%Y-%m-%d %H:%M}",
            timezone_name=settings.TIME_ZONE,
        )
        built += _create_all(wanted, spec)
    return built


def _hold_for_quiet_hours(wanted, rows, routing: Routing, now: dt.datetime) -> None:
    """A target is held only while every rule that names it is in its quiet hours."""
    for target, want in wanted.items():
        holds = []
        for _alert, _event, user_id, rule_id in rows:
            if target in routing.targets(rule_id=rule_id, user_id=user_id, with_inbox=False):
                holds.append(quiet_until(rule=routing.rules[rule_id], now=now))
        if holds and all(holds):
            want.not_before = min(h for h in holds if h is not None)


def sweep_immediate(*, now: dt.datetime) -> int:
    """Dispatch immediate alerts whose task was lost (idempotent: sent events are skipped)."""
    alert_ids = Alert.objects.filter(
        created_at__gt=now - IMMEDIATE_SWEEP,
        rules__enabled=True,
        rules__delivery_mode=DeliveryMode.IMMEDIATE,
    ).values_list("id", flat=True)
    return build_immediate(alert_ids=set(alert_ids), now=now)

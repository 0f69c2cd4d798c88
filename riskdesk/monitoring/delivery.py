"""Sending built digests exactly once, retrying failures, and the delivery settings.

A delivery is sent by whoever *claims* it: one conditional UPDATE moves it from pending/failed
(due) — or from sending with an expired lease — to sending, with a fresh claim token. Only one
sender can win that UPDATE, so two workers or schedulers never send the same digest. The result
is written back only under that token, so a sender that lost its lease cannot overwrite a
newer attempt.

The one window that no local bookkeeping can close: the remote side accepted the message and
the process died before its "sent" UPDATE committed. The lease then expires and the digest is
sent again. The window is kept to the time between reading the response and one UPDATE, and
every message carries an idempotency key (the digest's uid: ``Idempotency-Key`` header,
``Message-ID``) so the receiver can drop the duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.audit.services import record_event
from riskdesk.monitoring import channels, digests
from riskdesk.monitoring.choices import DeliveryStatus, Period
from riskdesk.monitoring.models import (
    Delivery,
    Digest,
    DigestDefaults,
    MonitoringRule,
    NotificationChannel,
)

logger = logging.getLogger("riskdesk.monitoring")

RETRY_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
"""After the first try and one retry per backoff step the delivery is dead."""
FAILING_CHANNEL_THRESHOLD = 3
"""A channel with this many failures in a row is reported on the delivery log page."""
MAX_ERROR_CHARS = 2000


# --- claiming and sending ---------------------------------------------------------------------


def claimable(now: dt.datetime) -> Q:
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    return due | abandoned


def claim(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Take the delivery for one attempt: the claim token, or None if another sender has it."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    won = (
        Delivery.objects.filter(claimable(now), pk=delivery_id).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            lease_until=now + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        == 1
    )
    return token if won else None


def mark_sent(*, delivery_id: int, token: str) -> bool:
    now = timezone.now()
    done = Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
        status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="", updated_at=now
    )
    return done == 1


def mark_failed(*, delivery: Delivery, token: str, error: str) -> str:
    """Schedule the next attempt after the backoff step, or give up; returns the new status."""
    now = timezone.now()
    attempts = delivery.attempts
    dead = attempts >= MAX_ATTEMPTS
    status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
    next_at = now if dead else now + RETRY_BACKOFF[max(0, attempts - 1)]
    Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        status=status,
        next_attempt_at=next_at,
        lease_until=None,
        last_error=error[:MAX_ERROR_CHARS],
        updated_at=now,
    )
    if dead:
        logger.warning("delivery %s is dead after %s attempts: %s", delivery.pk, attempts, error)
    return status


def _record_channel(channel_id: int | None, error: str | None) -> None:
    if channel_id is None:
        return
    channels_qs = NotificationChannel.objects.filter(pk=channel_id)
    now = timezone.now()
    if error is None:
        channels_qs.update(failure_count=0, last_success_at=now)
    else:
        channels_qs.update(
            failure_count=F("failure_count") + 1,
            last_error=error[:MAX_ERROR_CHARS],
            last_failure_at=now,
        )


def deliver(*, delivery_id: int, token: str) -> str:
    """Send one claimed delivery; returns its new status."""
    delivery = Delivery.objects.select_related("digest", "digest__channel").get(pk=delivery_id)
    digests._test_pause()
    try:
        channels.send(delivery.digest, attempt=delivery.attempts)
    except channels.SendError as exc:
        status = mark_failed(delivery=delivery, token=token, error=str(exc))
        _record_channel(delivery.channel_id, str(exc))
        return status
    except Exception as exc:  # one broken sender never stops the others
        logger.exception("delivery %s failed", delivery_id)
        error = f"{type(exc).__name__}: {exc}"
        status = mark_failed(delivery=delivery, token=token, error=error)
        _record_channel(delivery.channel_id, error)
        return status
    # Right after the remote accepted: the only window for a duplicate ends here.
    if not mark_sent(delivery_id=delivery_id, token=token):
        logger.warning("delivery %s was sent after its lease expired", delivery_id)
    _record_channel(delivery.channel_id, None)
    return DeliveryStatus.SENT


@dataclass
class SendSummary:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    statuses: dict[int, str] = field(default_factory=dict)

    def add(self, delivery_id: int, status: str | None) -> None:
        self.statuses[delivery_id] = status or "skipped"
        if status == DeliveryStatus.SENT:
            self.sent += 1
        elif status == DeliveryStatus.FAILED:
            self.failed += 1
        elif status == DeliveryStatus.DEAD:
            self.dead += 1
        else:
            self.skipped += 1


def send_due_deliveries(*, limit: int = 1000) -> SendSummary:
    """Claim and send due deliveries, oldest first; safe to run in several processes at once."""
    summary = SendSummary()
    due = (
        Delivery.objects.filter(claimable(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for delivery_id in list(due):
        token = claim(delivery_id=delivery_id)
        status = deliver(delivery_id=delivery_id, token=token) if token else None
        summary.add(delivery_id, status)
    return summary


@dataclass
class RunSummary:
    immediate: int
    digests: int
    sent: SendSummary


def run_digests(*, now: dt.datetime | None = None, force: bool = False, periods=None) -> RunSummary:
    """The scheduler's minute: dispatch lost immediate alerts, build due digests, send.

    ``force`` (``riskdesk monitoring digest --now``) builds every digest group for this minute.
    """
    now = now or timezone.now()
    periods = set(periods) if periods else None
    immediate = 0
    if periods is None or Period.IMMEDIATE in periods:
        immediate = digests.sweep_immediate(now=now)
    built = digests.build_due_digests(now=now, force=force, periods=periods)
    return RunSummary(immediate=immediate, digests=built, sent=send_due_deliveries())


def retry_dead(*, actor, channel: NotificationChannel | None = None) -> int:
    """Give dead deliveries a fresh set of attempts (after a channel was fixed)."""
    permissions.require(actor, "manage_delivery")
    dead = Delivery.objects.filter(status=DeliveryStatus.DEAD)
    if channel is not None:
        dead = dead.filter(channel=channel)
    return dead.update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        updated_at=timezone.now(),
    )


# --- reading --------------------------------------------------------------------------------


def failing_channels() -> QuerySet[NotificationChannel]:
    """Channels whose recent sends keep failing, or with dead deliveries: reported to admins."""
    return (
        NotificationChannel.objects.filter(
            Q(failure_count__gte=FAILING_CHANNEL_THRESHOLD)
            | Q(deliveries__status=DeliveryStatus.DEAD)
        )
        .distinct()
        .order_by("-failure_count", "name")
    )


def inbox_digests(*, user) -> QuerySet[Digest]:
    return Digest.objects.filter(recipient_user=user, transport="inbox")


def mark_digest_read(*, digest: Digest, actor) -> None:
    if digest.recipient_user_id != actor.pk:
        raise PermissionDenied(_("这不是您的汇总 / This digest is not yours."))
    if digest.read_at is None:
        Digest.objects.filter(pk=digest.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- configuration --------------------------------------------------------------------------


def _channel_state(channel: NotificationChannel) -> dict:
    return {
        "kind": channel.kind,
        "name": channel.name,
        "url": channel.url,
        "secret": "***" if channel.secret else "",
        "enabled": channel.enabled,
        "allow_private": channel.allow_private,
    }


@transaction.atomic
def save_channel(
    *, channel: NotificationChannel, actor, new_secret: str | None = None
) -> NotificationChannel:
    """Validate (address checked) and store a channel; ``new_secret`` None keeps the old one.

    Only administrators may point a channel at a private address.
    """
    permissions.require(actor, "manage_delivery")
    before = None
    if channel.pk is not None:
        before = _channel_state(NotificationChannel.objects.get(pk=channel.pk))
    if new_secret is not None:
        channel.secret = new_secret
    kept = before is not None and before["allow_private"]
    if channel.allow_private and not actor.has_role(Role.ADMIN) and not kept:
        channel.allow_private = False
    channel.full_clean()
    if channel.pk is None:
        channel.created_by = actor
    channel.save()
    record_event(
        actor=actor,
        action="monitoring.channel_saved",
        obj=channel,
        before=before,
        after=_channel_state(channel),
    )
    return channel


@transaction.atomic
def save_digest_defaults(
    *,
    actor,
    digest_time: dt.time,
    digest_timezone: str,
    digest_weekday: int = 0,
    apply_to_rules: bool = True,
) -> DigestDefaults:
    """Change the default digest time; rules still on the old default follow when asked.

    Takes effect at the next scheduler minute: the digest run reads the times from the rules.
    """
    permissions.require(actor, "manage_delivery")
    defaults = DigestDefaults.current()
    before = {"time": defaults.digest_time, "timezone": defaults.digest_timezone}
    probe = MonitoringRule(digest_timezone=digest_timezone)
    errors = probe._check_timezone()
    if errors:
        raise ValidationError(errors)
    moved = 0
    if apply_to_rules:
        moved = MonitoringRule.objects.filter(
            digest_time=defaults.digest_time, digest_timezone=defaults.digest_timezone
        ).update(digest_time=digest_time, digest_timezone=digest_timezone)
    defaults.digest_time = digest_time
    defaults.digest_timezone = digest_timezone
    defaults.digest_weekday = digest_weekday
    defaults.save()
    record_event(
        actor=actor,
        action="monitoring.digest_defaults_saved",
        obj=defaults,
        before=before,
        after={"time": digest_time, "timezone": digest_timezone, "rules_moved": moved},
    )
    return defaults

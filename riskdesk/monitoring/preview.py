""" "Test this rule" (试运行): what a saved or unsaved rule would have sent over recent events.

Nothing is written: no alert, no error count, no action. The rule is compiled on its own
(one small keyword index) and run over the events the actor may see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from riskdesk.accounts import permissions
from riskdesk.accounts.models import User
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring import services
from riskdesk.monitoring.matching import (
    EXCLUDE,
    INCLUDE,
    CompiledRule,
    CustomerFacts,
    KeywordIndex,
    RuleSet,
)
from riskdesk.monitoring.models import MonitoringRule

PREVIEW_DAYS = 30
PREVIEW_ID = 0
"""The id an unsaved rule takes in its own keyword index."""
MAX_LISTED = 200


@dataclass(frozen=True, slots=True)
class PreviewHit:
    event: ChangeEvent
    recipients: tuple[str, ...]


@dataclass
class RulePreview:
    days: int
    events_scanned: int = 0
    hits: list[PreviewHit] = field(default_factory=list)
    matched: int = 0
    alerts: int = 0
    by_recipient: Counter = field(default_factory=Counter)
    by_dimension: Counter = field(default_factory=Counter)
    errors: int = 0
    last_error: str = ""

    @property
    def recipient_counts(self) -> list[tuple[str, int]]:
        return self.by_recipient.most_common()

    @property
    def dimension_counts(self) -> list[tuple[str, int]]:
        return self.by_dimension.most_common()


def _rule_set(rule: MonitoringRule) -> RuleSet:
    """The rule alone, compiled as the live matching compiles it."""
    rule_id = rule.pk or PREVIEW_ID
    compiled = dataclasses.replace(CompiledRule.of(rule), id=rule_id)
    keywords = [(rule_id, INCLUDE, word) for word in rule.include_keywords]
    keywords += [(rule_id, EXCLUDE, word) for word in rule.exclude_keywords]
    return RuleSet(stamp=(), rules=(compiled,), keywords=KeywordIndex(keywords))


def preview_rule(
    *,
    rule: MonitoringRule,
    actor: User,
    recipient_users: Iterable[User] | None = None,
    days: int = PREVIEW_DAYS,
    now: dt.datetime | None = None,
) -> RulePreview:
    """Run ``rule`` (validated first) over the last ``days`` days of events; store nothing."""
    permissions.require(actor, "manage_monitoring")
    rule.full_clean()
    named = list(recipient_users) if recipient_users is not None else None
    if named is None and rule.pk is not None:
        named = list(rule.recipient_users.all())
    rule_set = _rule_set(rule)
    since = (now or timezone.now()) - dt.timedelta(days=days)
    events = permissions.restrict(
        ChangeEvent.objects.filter(detected_at__gte=since).select_related(
            "customer__owner__team__manager"
        ),
        actor,
        "view",
        prefix="customer__",
    ).order_by("-detected_at", "-id")
    result = RulePreview(days=days)
    customers = _CustomerCache()

    def on_error(rule_id: int, exc: Exception) -> None:
        result.errors += 1
        result.last_error = f"{type(exc).__name__}: {exc}"

    for event in events.iterator(chunk_size=500):
        result.events_scanned += 1
        matched = rule_set.match(
            event_type=event.type,
            severity_rank=event.severity_rank,
            text=services.event_text(event),
            customer=customers.facts(event),
            on_error=on_error,
        )
        if matched:
            _count(result, rule, event, named)
    return result


class _CustomerCache:
    """Tags and filter features per customer and data date, loaded once per preview."""

    def __init__(self) -> None:
        self._tags: dict[int, frozenset[str]] = {}
        self._features: dict[tuple[int, dt.date], dict] = {}

    def facts(self, event: ChangeEvent) -> CustomerFacts:
        customer = event.customer
        if customer.pk not in self._tags:
            self._tags[customer.pk] = frozenset(customer.tags.values_list("name", flat=True))
        key = (customer.pk, event.as_of)

        def load() -> dict:
            if key not in self._features:
                self._features[key] = services.customer_filter_features(
                    customer=customer, as_of=event.as_of
                )
            return self._features[key]

        return CustomerFacts(customer.province, self._tags[customer.pk], load)


def _count(result: RulePreview, rule: MonitoringRule, event: ChangeEvent, named) -> None:
    people = services.rule_recipients(rule=rule, customer=event.customer, named=named or [])
    allowed = sorted(
        user.get_username()
        for user in people
        if user.is_active and services.may_see(user, event.customer)
    )
    result.matched += 1
    result.alerts += len(allowed)
    result.by_recipient.update(allowed)
    result.by_dimension[event.get_dimension_display()] += 1
    if len(result.hits) < MAX_LISTED:
        result.hits.append(PreviewHit(event=event, recipients=tuple(allowed)))

"""Which rules match an event: one keyword scan for all rules, then cheap per-rule checks.

All enabled rules are compiled into one :class:`RuleSet` — an Aho–Corasick automaton over
every include and exclude keyword plus each rule's compiled customer filter — and the set is
rebuilt only when the rules' version stamp changes, so an event costs one scan of its text
whatever the number of rules.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import ahocorasick
from django.db.models import Count, Max

from riskdesk.engine import CompiledExpression
from riskdesk.intel.choices import SEVERITY_RANK
from riskdesk.monitoring.models import MonitoringRule, compile_customer_filter

INCLUDE = 0
EXCLUDE = 1


def normalise(text: str) -> str:
    """The form keywords and texts are compared in: NFKC (full-width → half-width), casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


class KeywordIndex:
    """One automaton over many rules' keywords: ``scan`` finds every rule's hits at once.

    Overlapping and nested keywords all count (破产 inside 破产重整 is a hit for both).
    """

    def __init__(self, keywords: Iterable[tuple[int, int, str]]) -> None:
        owners: dict[str, set[tuple[int, int]]] = {}
        for rule_id, kind, keyword in keywords:
            word = normalise(keyword)
            if word:
                owners.setdefault(word, set()).add((rule_id, kind))
        self._automaton = ahocorasick.Automaton()
        for word, rule_kinds in owners.items():
            self._automaton.add_word(word, frozenset(rule_kinds))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()

    def scan(self, text: str) -> set[tuple[int, int]]:
        """The ``(rule_id, INCLUDE|EXCLUDE)`` pairs whose keyword occurs in ``text``."""
        hits: set[tuple[int, int]] = set()
        if self._empty:
            return hits
        for _end, rule_kinds in self._automaton.iter(normalise(text)):
            hits |= rule_kinds
        return hits


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule's matching parts in the form matching uses them."""

    id: int
    event_types: frozenset[str]
    min_rank: int
    has_include: bool
    has_exclude: bool
    provinces: frozenset[str]
    tags: frozenset[str]
    customer_filter: CompiledExpression | None

    @classmethod
    def of(cls, rule: MonitoringRule) -> CompiledRule:
        return cls(
            id=rule.pk,
            event_types=frozenset(rule.event_types),
            min_rank=SEVERITY_RANK[rule.min_severity],
            has_include=bool(rule.include_keywords),
            has_exclude=bool(rule.exclude_keywords),
            provinces=frozenset(rule.provinces),
            tags=frozenset(rule.tags),
            customer_filter=(
                compile_customer_filter(rule.customer_filter) if rule.customer_filter else None
            ),
        )

    def wants_event(self, *, event_type: str, severity_rank: int, hits: set) -> bool:
        """The event-only checks: type, severity, keywords."""
        if self.event_types and event_type not in self.event_types:
            return False
        if severity_rank < self.min_rank:
            return False
        if self.has_exclude and (self.id, EXCLUDE) in hits:
            return False
        return not self.has_include or (self.id, INCLUDE) in hits

    def wants_customer(
        self, *, province: str, tags: frozenset[str], features: Mapping[str, object] | None
    ) -> bool:
        """The customer checks; ``features`` is needed only when there is a filter."""
        if self.provinces and province not in self.provinces:
            return False
        if self.tags and not self.tags & tags:
            return False
        if self.customer_filter is None:
            return True
        return self.customer_filter.evaluate(features or {}) is True


@dataclass(frozen=True)
class RuleSet:
    """Every enabled rule, compiled; rules that fail to compile are kept aside with the error."""

    stamp: tuple
    rules: tuple[CompiledRule, ...]
    keywords: KeywordIndex
    broken: Mapping[int, str] = field(default_factory=dict)

    def needs_features(self) -> bool:
        return any(rule.customer_filter is not None for rule in self.rules)


def rules_stamp() -> tuple:
    """Changes whenever a rule is added, edited or deleted (one aggregate query)."""
    row = MonitoringRule.objects.aggregate(
        count=Count("id"), last_id=Max("id"), last_change=Max("updated_at")
    )
    return (row["count"], row["last_id"], row["last_change"])


def build_rule_set(stamp: tuple) -> RuleSet:
    compiled: list[CompiledRule] = []
    broken: dict[int, str] = {}
    keywords: list[tuple[int, int, str]] = []
    for rule in MonitoringRule.objects.filter(enabled=True).order_by("id"):
        try:
            compiled.append(CompiledRule.of(rule))
        except Exception as exc:  # a stored rule the engine no longer accepts
            broken[rule.pk] = str(exc)
            continue
        keywords += [(rule.pk, INCLUDE, word) for word in rule.include_keywords]
        keywords += [(rule.pk, EXCLUDE, word) for word in rule.exclude_keywords]
    return RuleSet(stamp, tuple(compiled), KeywordIndex(keywords), broken)


_lock = threading.Lock()
_cached: RuleSet | None = None


def current_rule_set() -> RuleSet:
    """The compiled enabled rules, rebuilt only when :func:`rules_stamp` changes."""
    global _cached
    stamp = rules_stamp()
    with _lock:
        if _cached is None or _cached.stamp != stamp:
            _cached = build_rule_set(stamp)
        return _cached

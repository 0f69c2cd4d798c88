"""Which rules match an event: one keyword scan for all rules, then cheap per-rule checks.

All enabled rules are compiled into one :class:`RuleSet` — an Aho–Corasick automaton over
every include and exclude keyword plus each rule's compiled customer filter — and the set is
rebuilt only when the rules' version stamp changes, so an event costs one scan of its text
whatever the number of rules, and only the rules reached through a keyword hit or their event
type are checked further.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
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

    Overlapping and nested keywords all count (破产 inside 破产重整 is a hit for both). Each
    distinct keyword is stored once with the ids of the rules that include or exclude it, so a
    keyword shared by a thousand rules costs one match, not a thousand.
    """

    def __init__(self, keywords: Iterable[tuple[int, int, str]]) -> None:
        owners: dict[str, tuple[set[int], set[int]]] = {}
        for rule_id, kind, keyword in keywords:
            word = normalise(keyword)
            if word:
                owners.setdefault(word, (set(), set()))[kind].add(rule_id)
        self._automaton = ahocorasick.Automaton()
        for number, (word, (includes, excludes)) in enumerate(owners.items()):
            self._automaton.add_word(word, (number, frozenset(includes), frozenset(excludes)))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()

    def scan_ids(self, text: str) -> tuple[set[int], set[int]]:
        """Ids of the rules with an include keyword, and with an exclude keyword, in ``text``."""
        included: set[int] = set()
        excluded: set[int] = set()
        if self._empty:
            return included, excluded
        seen: set[int] = set()
        for _end, (number, includes, excludes) in self._automaton.iter(normalise(text)):
            if number not in seen:
                seen.add(number)
                included |= includes
                excluded |= excludes
        return included, excluded

    def scan(self, text: str) -> set[tuple[int, int]]:
        """The ``(rule_id, INCLUDE|EXCLUDE)`` pairs whose keyword occurs in ``text``."""
        included, excluded = self.scan_ids(text)
        return {(rule_id, INCLUDE) for rule_id in included} | {
            (rule_id, EXCLUDE) for rule_id in excluded
        }


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
    def of(
        cls, rule: MonitoringRule, filters: dict[str, CompiledExpression] | None = None
    ) -> CompiledRule:
        """``filters`` caches compiled filters by text: many rules share the same filter."""
        compiled_filter = None
        if rule.customer_filter:
            cache = filters if filters is not None else {}
            compiled_filter = cache.get(rule.customer_filter)
            if compiled_filter is None:
                compiled_filter = compile_customer_filter(rule.customer_filter)
                cache[rule.customer_filter] = compiled_filter
        return cls(
            id=rule.pk,
            event_types=frozenset(rule.event_types),
            min_rank=SEVERITY_RANK[rule.min_severity],
            has_include=bool(rule.include_keywords),
            has_exclude=bool(rule.exclude_keywords),
            provinces=frozenset(rule.provinces),
            tags=frozenset(rule.tags),
            customer_filter=compiled_filter,
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


@dataclass
class CustomerFacts:
    """What the customer checks read; ``features`` is loaded on first use (filters only)."""

    province: str
    tags: frozenset[str]
    load_features: Callable[[], Mapping[str, object]]
    _features: Mapping[str, object] | None = None

    @property
    def features(self) -> Mapping[str, object]:
        if self._features is None:
            self._features = self.load_features()
        return self._features


ErrorCallback = Callable[[int, Exception], None]


@dataclass(frozen=True)
class RuleSet:
    """Every enabled rule, compiled; rules that fail to compile are kept aside with the error.

    Matching an event never walks all rules: rules with include keywords are reached through
    the keyword scan, the others through an index by event type.
    """

    stamp: tuple
    rules: tuple[CompiledRule, ...]
    keywords: KeywordIndex
    broken: Mapping[int, str] = field(default_factory=dict)
    by_id: Mapping[int, CompiledRule] = field(init=False)
    unkeyed_by_type: Mapping[str, tuple[CompiledRule, ...]] = field(init=False)
    unkeyed_any_type: tuple[CompiledRule, ...] = field(init=False)

    def __post_init__(self) -> None:
        by_type: dict[str, list[CompiledRule]] = defaultdict(list)
        any_type = []
        for rule in self.rules:
            if rule.has_include:
                continue
            if rule.event_types:
                for event_type in rule.event_types:
                    by_type[event_type].append(rule)
            else:
                any_type.append(rule)
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})
        object.__setattr__(
            self, "unkeyed_by_type", {key: tuple(value) for key, value in by_type.items()}
        )
        object.__setattr__(self, "unkeyed_any_type", tuple(any_type))

    def needs_features(self) -> bool:
        return any(rule.customer_filter is not None for rule in self.rules)

    def event_candidates(
        self, *, event_type: str, severity_rank: int, text: str
    ) -> list[CompiledRule]:
        """The rules whose type, severity and keyword checks pass (in id order)."""
        included, excluded = self.keywords.scan_ids(text)
        by_id = self.by_id
        pool = [by_id[rule_id] for rule_id in included if rule_id in by_id]
        pool += self.unkeyed_by_type.get(event_type, ())
        pool += self.unkeyed_any_type
        wanted = [
            rule
            for rule in pool
            if severity_rank >= rule.min_rank
            and (not rule.event_types or event_type in rule.event_types)
            and rule.id not in excluded
        ]
        wanted.sort(key=_rule_id)
        return wanted

    def match(
        self,
        *,
        event_type: str,
        severity_rank: int,
        text: str,
        customer: CustomerFacts,
        on_error: ErrorCallback | None = None,
    ) -> list[int]:
        """The ids of the rules matching the event; a rule that raises is reported and skipped.

        Rules sharing a filter evaluate it once per event.
        """
        matched = []
        verdicts: dict[str, bool] = {}
        for rule in self.event_candidates(
            event_type=event_type, severity_rank=severity_rank, text=text
        ):
            if rule.provinces and customer.province not in rule.provinces:
                continue
            if rule.tags and not rule.tags & customer.tags:
                continue
            condition = rule.customer_filter
            if condition is not None:
                try:
                    verdict = verdicts.get(condition.text)
                    if verdict is None:
                        verdict = condition.evaluate(customer.features) is True
                        verdicts[condition.text] = verdict
                except Exception as exc:  # one failing rule never stops the others
                    if on_error is not None:
                        on_error(rule.id, exc)
                    continue
                if not verdict:
                    continue
            matched.append(rule.id)
        return matched


def _rule_id(rule: CompiledRule) -> int:
    return rule.id


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
    filters: dict[str, CompiledExpression] = {}
    for rule in MonitoringRule.objects.filter(enabled=True).order_by("id"):
        try:
            compiled.append(CompiledRule.of(rule, filters))
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

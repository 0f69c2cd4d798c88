"""Which rules match an event: one keyword scan for all rules, then bit-mask arithmetic.

All enabled rules are compiled into one :class:`RuleSet`, rebuilt only when the rules' version
stamp changes. An event costs one scan of its text — an Aho–Corasick automaton for a single
event, a vectorised first-pair index for a batch (:meth:`RuleSet.match_many`) — then a few
big-integer ANDs select the rules whose keywords, event type, severity, province and tags fit,
and each distinct customer filter still in play is evaluated once. No step walks every rule,
so the cost follows the number of keyword hits and matches, not the number of rules
(``bench/bench_monitoring.py``).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import ahocorasick
import numpy as np
from django.db.models import Count, Max

from riskdesk.engine import CompiledExpression
from riskdesk.intel.choices import SEVERITY_RANK
from riskdesk.monitoring.models import MonitoringRule, compile_customer_filter

INCLUDE = 0
EXCLUDE = 1
MASK_SCAN_CONDITIONS = 64


def normalise(text: str) -> str:
    """The form keywords and texts are compared in: NFKC (full-width → half-width), casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


def scan_form(text: str) -> str:
    """The normalised text's UTF-8 bytes, one character per byte (Latin-1).

    The automaton then walks an alphabet of at most 256 symbols instead of thousands of Chinese
    characters, which makes each step several times cheaper. UTF-8 is self-synchronising, so a
    keyword's bytes occur in a text's bytes exactly where the keyword occurs in the text.
    """
    return to_bytes_form(normalise(text))


def to_bytes_form(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


class _GramIndex:
    """Many texts scanned at once: every keyword is found through its first two characters.

    The texts are joined, each adjacent character pair is hashed into a bitmap of the keywords'
    first pairs (numpy, no Python loop per character), and only the positions that hit are
    checked in Python with ``startswith``. One-character keywords are looked up with ``isin``.
    For a batch this is several times cheaper per event than walking the automaton.
    """

    BITS = 22
    MULTIPLIER = 1_000_003

    def __init__(self, words: list[str]) -> None:
        self.pairs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.singles: dict[str, list[int]] = defaultdict(list)
        for number, word in enumerate(words):
            if len(word) == 1:
                self.singles[word].append(number)
            else:
                self.pairs[word[:2]].append((word, number))
        self.pair_table = np.zeros(1 << self.BITS, dtype=bool)
        for pair in self.pairs:
            self.pair_table[self._hash(ord(pair[0]), ord(pair[1]))] = True
        self.single_codes = np.array(sorted(ord(char) for char in self.singles), dtype=np.int64)

    def _hash(self, first, second):
        return (first * self.MULTIPLIER + second) & ((1 << self.BITS) - 1)

    def scan(self, texts: list[str]) -> list[set[int]]:
        found: list[set[int]] = [set() for _text in texts]
        joined = "\x00".join(texts)  # keywords never contain NUL: no match spans two texts
        if len(joined) < 1:
            return found
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
        codes = codes.astype(np.int64)
        lengths = np.fromiter((len(text) + 1 for text in texts), np.int64, len(texts))
        starts = np.cumsum(lengths) - lengths
        hits = np.flatnonzero(self.pair_table[self._hash(codes[:-1], codes[1:])])
        owners = np.searchsorted(starts, hits, side="right") - 1
        for position, owner in zip(hits.tolist(), owners.tolist(), strict=True):
            for word, number in self.pairs.get(joined[position : position + 2], ()):
                if joined.startswith(word, position):
                    found[owner].add(number)
        if len(self.single_codes):
            singles = np.flatnonzero(np.isin(codes, self.single_codes))
            owners = np.searchsorted(starts, singles, side="right") - 1
            for position, owner in zip(singles.tolist(), owners.tolist(), strict=True):
                found[owner].update(self.singles[joined[position]])
        return found


class KeywordIndex:
    """One automaton over many rules' keywords: ``scan`` finds every rule's hits at once.

    Overlapping and nested keywords all count (破产 inside 破产重整 is a hit for both). Each
    distinct keyword is stored once with the ids of the rules that include or exclude it, so a
    keyword shared by a thousand rules costs one match, not a thousand.
    """

    def __init__(self, keywords: Iterable[tuple[int, int, str]]) -> None:
        owners: dict[str, tuple[set[int], set[int]]] = {}
        for rule_id, kind, keyword in keywords:
            word = normalise(keyword).replace("\x00", "")
            if word:
                owners.setdefault(word, (set(), set()))[kind].add(rule_id)
        self._automaton = ahocorasick.Automaton()
        self._entries = []
        for number, (word, (includes, excludes)) in enumerate(owners.items()):
            self._automaton.add_word(to_bytes_form(word), number)
            self._entries.append((frozenset(includes), frozenset(excludes)))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()
        self._grams = _GramIndex(list(owners))

    @property
    def entries(self) -> list[tuple[frozenset[int], frozenset[int]]]:
        """Per keyword number: the ids of the rules including it and of those excluding it."""
        return self._entries

    def hit_numbers(self, text: str) -> set[int]:
        """The numbers of the distinct keywords occurring in ``text`` (normalised first)."""
        if self._empty:
            return set()
        return {number for _end, number in self._automaton.iter(scan_form(text))}

    def hit_numbers_many(self, texts: Sequence[str]) -> list[set[int]]:
        """:meth:`hit_numbers` of many texts at once (vectorised; for batches of events)."""
        if self._empty:
            return [set() for _text in texts]
        return self._grams.scan([normalise(text) for text in texts])

    def scan_ids(self, text: str) -> tuple[set[int], set[int]]:
        """Ids of the rules with an include keyword, and with an exclude keyword, in ``text``."""
        included: set[int] = set()
        excluded: set[int] = set()
        for number in self.hit_numbers(text):
            includes, excludes = self._entries[number]
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


def _mask(bits: Iterable[int]) -> int:
    value = 0
    for bit in bits:
        value |= 1 << bit
    return value


def positions(mask: int) -> np.ndarray:
    """The positions of the set bits, lowest first (vectorised: the cost barely depends on how
    many bits are set, which is what a popular keyword shared by many rules needs)."""
    data = np.frombuffer(mask.to_bytes((mask.bit_length() + 7) // 8, "little"), np.uint8)
    return np.flatnonzero(np.unpackbits(data, bitorder="little").view(bool))  # bool: fast path


class _Masks:
    """The rule set as bit masks (bit ``i`` is the ``i``-th rule in id order).

    Matching one event is a handful of big-integer ANDs and ORs whatever the number of rules
    a keyword reaches; only the filters left in play are evaluated, once per distinct text.
    """

    def __init__(self, rules: tuple[CompiledRule, ...], keywords: KeywordIndex) -> None:
        bit = {rule.id: index for index, rule in enumerate(rules)}
        self.ids = np.array([rule.id for rule in rules], dtype=np.int64)
        self.include = [_mask(bit[i] for i in inc if i in bit) for inc, _e in keywords.entries]
        self.exclude = [_mask(bit[i] for i in exc if i in bit) for _i, exc in keywords.entries]
        self.unkeyed = _mask(bit[r.id] for r in rules if not r.has_include)
        any_type = _mask(bit[r.id] for r in rules if not r.event_types)
        self.any_type = any_type
        types = {event_type for rule in rules for event_type in rule.event_types}
        self.by_type = {
            event_type: any_type | _mask(bit[r.id] for r in rules if event_type in r.event_types)
            for event_type in types
        }
        self.by_rank = [
            _mask(bit[r.id] for r in rules if r.min_rank <= rank)
            for rank in range(len(SEVERITY_RANK))
        ]
        self.no_province = _mask(bit[r.id] for r in rules if not r.provinces)
        self.province = self._grouped(rules, bit, "provinces")
        self.no_tag = _mask(bit[r.id] for r in rules if not r.tags)
        self.tag = self._grouped(rules, bit, "tags")
        conditions: dict[str, int] = {}
        self.conditions: list[CompiledExpression] = []
        self.condition_at: dict[int, int] = {}  # bit → index into ``conditions``
        for index, rule in enumerate(rules):
            if rule.customer_filter is not None:
                text = rule.customer_filter.text
                if text not in conditions:
                    conditions[text] = len(self.conditions)
                    self.conditions.append(rule.customer_filter)
                self.condition_at[index] = conditions[text]
        self.filtered = _mask(self.condition_at)
        self.condition_masks = [0] * len(self.conditions)
        for position, index in self.condition_at.items():
            self.condition_masks[index] |= 1 << position
        self._province_cache: dict[str, int] = {}
        self._tag_cache: dict[frozenset[str], int] = {}

    @staticmethod
    def _grouped(rules, bit, attribute: str) -> dict[str, int]:
        groups: dict[str, int] = defaultdict(int)
        for rule in rules:
            for value in getattr(rule, attribute):
                groups[value] |= 1 << bit[rule.id]
        return dict(groups)

    def customer_mask(self, province: str, tags: frozenset[str]) -> int:
        by_province = self._province_cache.get(province)
        if by_province is None:
            by_province = self.no_province | self.province.get(province, 0)
            self._province_cache[province] = by_province
        by_tags = self._tag_cache.get(tags)
        if by_tags is None:
            by_tags = self.no_tag
            for tag in tags:
                by_tags |= self.tag.get(tag, 0)
            self._tag_cache[tags] = by_tags
        return by_province & by_tags

    def rule_ids(self, mask: int) -> list[int]:
        """The ids of the rules whose bits are set, in id order."""
        return self.ids[positions(mask)].tolist() if mask else []


@dataclass(frozen=True)
class RuleSet:
    """Every enabled rule, compiled; rules that fail to compile are kept aside with the error.

    Matching an event never walks all rules: rules are selected with bit masks built once per
    rule set (keywords, event type, severity, province, tags), then the filters still in play
    are evaluated once each.
    """

    stamp: tuple
    rules: tuple[CompiledRule, ...]
    keywords: KeywordIndex
    broken: Mapping[int, str] = field(default_factory=dict)
    masks: _Masks = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "masks", _Masks(self.rules, self.keywords))

    def needs_features(self) -> bool:
        return any(rule.customer_filter is not None for rule in self.rules)

    def event_mask(self, *, event_type: str, severity_rank: int, hits: Iterable[int]) -> int:
        """The rules whose type, severity and keyword checks pass, as a bit mask; ``hits`` are
        the numbers of the keywords found in the event's text."""
        masks = self.masks
        included, excluded = masks.unkeyed, 0
        for number in hits:
            included |= masks.include[number]
            excluded |= masks.exclude[number]
        wanted = included & masks.by_type.get(event_type, masks.any_type)
        wanted &= masks.by_rank[severity_rank]
        return wanted & ~excluded if excluded else wanted

    def match(
        self,
        *,
        event_type: str,
        severity_rank: int,
        text: str,
        customer: CustomerFacts,
        on_error: ErrorCallback | None = None,
    ) -> list[int]:
        """The ids of the rules matching the event; a filter that raises is reported for each
        rule using it, and those rules are skipped."""
        hits = self.keywords.hit_numbers(text)
        return self._match(event_type, severity_rank, hits, customer, on_error)

    def match_many(
        self,
        events: Sequence[tuple[str, int, str, CustomerFacts]],
        on_error: ErrorCallback | None = None,
    ) -> list[list[int]]:
        """:meth:`match` for many ``(type, severity rank, text, customer)`` events, scanning
        their texts together."""
        hits = self.keywords.hit_numbers_many([event[2] for event in events])
        return [
            self._match(event_type, rank, found, customer, on_error)
            for (event_type, rank, _text, customer), found in zip(events, hits, strict=True)
        ]

    def _match(self, event_type, severity_rank, hits, customer, on_error) -> list[int]:
        masks = self.masks
        wanted = self.event_mask(event_type=event_type, severity_rank=severity_rank, hits=hits)
        if not wanted:
            return []
        wanted &= masks.customer_mask(customer.province, customer.tags)
        filtered = wanted & masks.filtered
        if filtered:
            wanted &= ~self._failing(filtered, customer, on_error)
        return masks.rule_ids(wanted)

    def _failing(self, filtered: int, customer: CustomerFacts, on_error) -> int:
        """The bits of ``filtered`` whose filter is not true; each distinct filter runs once."""
        masks = self.masks
        failing = 0
        for index in self._conditions_in_play(filtered):
            rules = filtered & masks.condition_masks[index]
            try:
                passed = masks.conditions[index].evaluate(customer.features) is True
            except Exception as exc:  # one failing rule never stops the others
                if on_error is not None:
                    for rule_id in masks.rule_ids(rules):
                        on_error(rule_id, exc)
                passed = False
            if not passed:
                failing |= rules
        return failing

    def _conditions_in_play(self, filtered: int) -> Iterable[int]:
        """The filters some candidate uses. With few distinct filters (the usual case) testing
        each filter's mask is cheapest; with many, the candidates' bits are looked up."""
        masks = self.masks
        if len(masks.conditions) <= MASK_SCAN_CONDITIONS:
            return [i for i, rules in enumerate(masks.condition_masks) if filtered & rules]
        return sorted({masks.condition_at[int(p)] for p in positions(filtered)})


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

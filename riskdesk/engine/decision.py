"""``evaluate_one``: a policy on one feature vector, returning a ``Decision``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from riskdesk.engine.compiler import CompiledPolicy, PolicyTables


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of an evaluation: what was checked, what came out, and the values it used."""

    stage: str  # admission | scorecard | rating | credit
    item: str  # check id, indicator key, rule id, band, case id, or a limit step
    outcome: str  # matched | not_matched | unknown | points | band | applied | …
    values: Mapping[str, object] = field(default_factory=dict)
    detail: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "item": self.item,
            "outcome": self.outcome,
            "values": {key: _jsonable(value) for key, value in self.values.items()},
            "detail": {key: _jsonable(value) for key, value in self.detail.items()},
        }


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    return value


@dataclass(frozen=True)
class Decision:
    """Everything a policy decided about one record.

    ``trace`` is built on first access from the same inputs, so evaluating stays in the
    microsecond range when nobody asks for the explanation. For the same reason
    ``evaluate_one`` leaves ``contributions`` and ``reason_codes`` to be derived from the
    points when first read (see ``_FromPoints``); to every reader they are plain fields.
    """

    admission: str
    admission_reasons: tuple[str, ...]
    grade: str | None
    list: str | None
    rating_rule: str | None
    score: float | None
    points: Mapping[str, float]
    contributions: Mapping[str, float]
    reason_codes: tuple[str, ...]
    limit: float | None
    credit_case: str | None
    currency: str | None
    valid_months: int | None
    _explain: Callable[[Decision], tuple[TraceStep, ...]] = field(repr=False, compare=False)

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        return self._explain(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text)."""
        return {
            "admission": self.admission,
            "admission_reasons": list(self.admission_reasons),
            "grade": self.grade,
            "list": self.list,
            "rating_rule": self.rating_rule,
            "score": self.score,
            "points": dict(self.points),
            "contributions": dict(self.contributions),
            "reason_codes": list(self.reason_codes),
            "limit": self.limit,
            "credit_case": self.credit_case,
            "currency": self.currency,
            "valid_months": self.valid_months,
            "trace": [step.to_dict() for step in self.trace],
        }


class _FromPoints:
    """A ``Decision`` field computed from the points on first read, then stored.

    A non-data descriptor, as ``functools.cached_property`` is: a value in the instance (passed
    to ``Decision(...)``, or computed once) is found before it.
    """

    def __init__(self, name: str, derive: Callable[[Mapping[str, float], PolicyTables], object]):
        self.name = name
        self.derive = derive

    def __get__(self, decision: object, owner: type | None = None) -> object:
        if decision is None:
            return self
        state = decision.__dict__
        value = self.derive(state["points"], state["_tables"])
        state[self.name] = value
        return value


def _contributions(points: Mapping[str, float], tables: PolicyTables) -> dict[str, float]:
    return {key: points[key] * share for key, share in zip(tables.keys, tables.shares, strict=True)}


def _reason_codes(points: Mapping[str, float], tables: PolicyTables) -> tuple[str, ...]:
    """The biggest point losses; ``sorted`` is stable, so equal losses keep the policy order."""
    keys = tables.keys
    losses = [w * (100.0 - points[key]) for key, w in zip(keys, tables.weights, strict=True)]
    ranked = sorted(range(len(keys)), key=losses.__getitem__, reverse=True)
    return tuple(keys[i] for i in ranked[: tables.reason_code_count] if losses[i] > 0)


# Set after @dataclass so that they stay required fields of ``Decision(...)``.
setattr(Decision, "contributions", _FromPoints("contributions", _contributions))  # noqa: B010
setattr(Decision, "reason_codes", _FromPoints("reason_codes", _reason_codes))  # noqa: B010

_new_instance = object.__new__
_set_attribute = object.__setattr__


def evaluate_one(compiled: CompiledPolicy, features: Mapping[str, object]) -> Decision:
    """Evaluate ``compiled`` on one feature vector; a missing feature is NULL."""
    # The generated function returns the attributes (and ``_tables`` for the derived fields);
    # installing them as the instance dict skips the frozen ``__init__``'s 14 ``setattr`` calls.
    state = compiled.record_function(features)

    def explain(decision: Decision) -> tuple[TraceStep, ...]:
        from riskdesk.engine.trace import build_trace

        return build_trace(compiled, features, decision)

    state["_explain"] = explain
    decision: Decision = _new_instance(Decision)
    _set_attribute(decision, "__dict__", state)
    return decision


__all__ = ["Decision", "TraceStep", "evaluate_one"]

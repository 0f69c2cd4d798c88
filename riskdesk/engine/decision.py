"""``evaluate_one``: a policy on one feature vector, returning a ``Decision``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from riskdesk.engine.compiler import SEVERITY, CompiledPolicy

OUTCOMES_BY_SEVERITY = {severity: outcome for outcome, severity in SEVERITY.items()}


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
    microsecond range when nobody asks for the explanation.
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


def evaluate_one(compiled: CompiledPolicy, features: Mapping[str, object]) -> Decision:
    """Evaluate ``compiled`` on one feature vector; a missing feature is NULL."""
    result = compiled.record_function(features)
    failed, rule, grade, score, points, contributions, reasons, case, _, limit = result
    tables = compiled.tables
    admission = "pass"
    if failed:
        admission = OUTCOMES_BY_SEVERITY[max(tables.severities[i] for i in failed)].value

    def explain(decision: Decision) -> tuple[TraceStep, ...]:
        from riskdesk.engine.trace import build_trace

        return build_trace(compiled, features, decision)

    return Decision(
        admission=admission,
        admission_reasons=tuple(tables.check_ids[i] for i in failed),
        grade=grade,
        list=tables.rule_lists[rule] if rule >= 0 else None,
        rating_rule=tables.rule_ids[rule] if rule >= 0 else None,
        score=score,
        points=points,
        contributions=contributions,
        reason_codes=reasons,
        limit=limit,
        credit_case=tables.case_ids[case] if case >= 0 else None,
        currency=tables.currency,
        valid_months=tables.valid_months,
        _explain=explain,
    )


__all__ = ["Decision", "TraceStep", "evaluate_one"]

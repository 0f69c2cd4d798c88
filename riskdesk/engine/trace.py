"""The step-by-step trace of one evaluation, built on demand.

The trace re-evaluates each condition on its own (NULL and FALSE are told apart) and looks up
the values each step used. It is computed from the same compiled expressions as the decision,
so it always agrees with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskdesk.engine import runtime
from riskdesk.engine.catalogue import FeatureKind
from riskdesk.engine.compiler import CompiledIndicator, CompiledPolicy
from riskdesk.engine.decision import Decision, TraceStep
from riskdesk.engine.expression import CompiledExpression, compile_expression


class _Values:
    """Feature values as the evaluation saw them: coerced inputs, derived, policy outputs."""

    def __init__(
        self, compiled: CompiledPolicy, features: Mapping[str, object], decision: Decision
    ):
        self.compiled = compiled
        self.features = features
        self.with_outputs = {**features, "score": decision.score, "grade": decision.grade}
        self._derived: dict[str, CompiledExpression] = {}

    def of(self, name: str) -> object:
        feature = self.compiled.catalogue[name]
        if feature.kind is FeatureKind.OUTPUT:
            return self.with_outputs[name]
        if feature.kind is FeatureKind.DERIVED and feature.expression is not None:
            if name not in self._derived:
                self._derived[name] = compile_expression(
                    feature.expression, self.compiled.catalogue
                )
            return self._derived[name].evaluate(self.features)
        return runtime.COERCERS[feature.expr_type](self.features.get(name), name)

    def used_by(self, expression: CompiledExpression) -> dict[str, object]:
        return {name: self.of(name) for name in expression.references}

    def evaluate(self, expression: CompiledExpression) -> object:
        return expression.evaluate(self.with_outputs)


def _condition_outcome(value: object) -> str:
    return "matched" if value is True else "unknown" if value is None else "not_matched"


def build_trace(
    compiled: CompiledPolicy, features: Mapping[str, object], decision: Decision
) -> tuple[TraceStep, ...]:
    values = _Values(compiled, features, decision)
    steps: list[TraceStep] = []
    steps += _admission_steps(compiled, values)
    steps += _scorecard_steps(compiled, values, decision)
    steps += _rating_steps(compiled, values, decision)
    steps += _credit_steps(compiled, values, decision)
    return tuple(steps)


def _admission_steps(compiled: CompiledPolicy, values: _Values) -> list[TraceStep]:
    steps = []
    for item in compiled.checks:
        check = item.check
        detail = {"outcome": check.outcome.value, "reason": check.reason, "when": check.when}
        if check.reason_en:
            detail["reason_en"] = check.reason_en
        outcome = _condition_outcome(values.evaluate(item.condition))
        steps.append(
            TraceStep("admission", check.id, outcome, values.used_by(item.condition), detail)
        )
    return steps


def _scorecard_steps(
    compiled: CompiledPolicy, values: _Values, decision: Decision
) -> list[TraceStep]:
    steps = []
    for item in compiled.indicators:
        key = item.indicator.key
        value = values.evaluate(item.value)
        outcome, where = _placement(item, value)
        detail = {
            "label": item.indicator.label,
            "value": value,
            "where": where,
            "points": decision.points[key],
            "weight": item.indicator.weight,
            "contribution": decision.contributions[key],
        }
        steps.append(TraceStep("scorecard", key, outcome, values.used_by(item.value), detail))
    if compiled.indicators:
        detail = {"score": decision.score, "reason_codes": decision.reason_codes}
        steps.append(TraceStep("scorecard", "score", "total", {}, detail))
    return steps


def _placement(item: CompiledIndicator, value: object) -> tuple[str, str]:
    """Where a value landed: missing, a category, the fallback, or a bin like ``[1, 10)``."""
    if value is None:
        return "missing", "NULL"
    if item.is_categorical:
        known = dict(item.indicator.categories)
        return ("category", str(value)) if value in known else ("other", str(value))
    index = item.bin_of(value)
    edges = item.edges
    low = f"{edges[index - 1]:g}" if index > 0 else "-∞"
    high = f"{edges[index]:g}" if index < len(edges) else "+∞"
    return "bin", f"[{low}, {high})"


def _rating_steps(compiled: CompiledPolicy, values: _Values, decision: Decision) -> list[TraceStep]:
    steps = []
    for item in compiled.rules:
        rule = item.rule
        outcome = _condition_outcome(values.evaluate(item.condition))
        detail: dict[str, object] = {"grade": rule.grade, "when": rule.when, "reason": rule.reason}
        if rule.list:
            detail["list"] = rule.list.value
        if rule.reason_en:
            detail["reason_en"] = rule.reason_en
        steps.append(TraceStep("rating", rule.id, outcome, values.used_by(item.condition), detail))
        if outcome == "matched":
            return steps
    rating = compiled.policy.rating
    if rating is not None and rating.bands and decision.grade is not None:
        band = next(
            b for b in rating.bands if b.min_score is None or (decision.score or 0) >= b.min_score
        )
        detail = {"grade": band.grade, "min_score": band.min_score, "score": decision.score}
        steps.append(TraceStep("rating", f"band:{band.grade}", "band", {}, detail))
    return steps


def _credit_steps(compiled: CompiledPolicy, values: _Values, decision: Decision) -> list[TraceStep]:
    steps = []
    applied = None
    for item in compiled.cases:
        case = item.case
        if item.condition is None:
            outcome, used = "matched", {}
        else:
            outcome = _condition_outcome(values.evaluate(item.condition))
            used = values.used_by(item.condition)
        detail: dict[str, object] = {"when": case.when, "limit": case.limit}
        if outcome == "matched":
            applied = item
            used = {**used, **values.used_by(item.limit)}
            detail["raw_limit"] = values.evaluate(item.limit)
        steps.append(TraceStep("credit", case.id, outcome, used, detail))
        if applied is not None:
            break
    credit = compiled.policy.credit
    if credit is not None and applied is not None:
        detail = {
            "raw_limit": steps[-1].detail.get("raw_limit"),
            "round_to": credit.round_to,
            "min": credit.min if credit.min is not None else 0.0,
            "max": credit.max,
            "limit": decision.limit,
            "currency": credit.currency,
            "valid_months": credit.valid_months,
        }
        steps.append(TraceStep("credit", "limit", "applied", {}, detail))
    return steps

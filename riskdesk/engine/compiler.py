"""``compile_policy``: check a policy's meaning and compile every part for every path.

All problems are collected and raised together as one ``PolicyValidationError`` whose items
name their YAML path (``rating.rules[3].when``) and, for expressions, the position inside.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from riskdesk.engine.catalogue import Catalogue, FeatureKind, default_catalogue
from riskdesk.engine.errors import ErrorCode, ExpressionError, PolicyValidationError
from riskdesk.engine.expression import CompiledExpression, compile_expression
from riskdesk.engine.ir import FeatureRef, feature_names
from riskdesk.engine.policy import (
    AdmissionCheck,
    CreditCase,
    Indicator,
    Outcome,
    Policy,
    RatingRule,
)
from riskdesk.engine.types import ExprType

INDICATOR_KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
ITEM_ID = re.compile(r"^[^,\s]{1,64}$")
MAX_POINTS = 100.0
SEVERITY = {Outcome.PASS: 0, Outcome.REVIEW: 1, Outcome.REJECT: 2}


@dataclass(frozen=True)
class CompiledCheck:
    check: AdmissionCheck
    condition: CompiledExpression


@dataclass(frozen=True)
class CompiledIndicator:
    indicator: Indicator
    value: CompiledExpression

    @property
    def is_categorical(self) -> bool:
        return bool(self.indicator.categories)

    @property
    def edges(self) -> tuple[float, ...]:
        return tuple(b.below for b in self.indicator.bins if b.below is not None)

    def bin_of(self, value: object) -> int:
        """Which bin a (non-NULL) number falls in; the same rule the generated code applies."""
        for index, edge in enumerate(self.edges):
            if value < edge:  # type: ignore[operator]
                return index
        return len(self.indicator.bins) - 1

    def points_of(self, value: object) -> float:
        indicator = self.indicator
        if value is None:
            return indicator.missing_points
        if self.is_categorical:
            categories: dict[object, float] = dict(indicator.categories)
            return categories.get(value, indicator.other_points)
        return indicator.bins[self.bin_of(value)].points


@dataclass(frozen=True)
class CompiledRule:
    rule: RatingRule
    condition: CompiledExpression


@dataclass(frozen=True)
class CompiledCase:
    case: CreditCase
    condition: CompiledExpression | None
    limit: CompiledExpression


# Returns the ``Decision`` attributes (see ``record.py``).
RecordFunction = Callable[[Mapping[str, object]], dict[str, Any]]


@dataclass(frozen=True)
class PolicyTables:
    """Lookups the result builders need, computed once per compiled policy."""

    check_ids: tuple[str, ...]
    severities: tuple[int, ...]
    keys: tuple[str, ...]
    weights: tuple[float, ...]
    weight_total: float
    shares: tuple[float, ...]  # weight / weight_total: contribution = points × share
    rule_ids: tuple[str, ...]
    rule_lists: tuple[str | None, ...]
    case_ids: tuple[str, ...]
    reason_code_count: int
    currency: str | None
    valid_months: int | None


def _tables(
    policy: Policy,
    checks: tuple[CompiledCheck, ...],
    indicators: tuple[CompiledIndicator, ...],
    rules: tuple[CompiledRule, ...],
    cases: tuple[CompiledCase, ...],
) -> PolicyTables:
    total = sum(i.indicator.weight for i in indicators)
    return PolicyTables(
        check_ids=tuple(c.check.id for c in checks),
        severities=tuple(SEVERITY[c.check.outcome] for c in checks),
        keys=tuple(i.indicator.key for i in indicators),
        weights=tuple(i.indicator.weight for i in indicators),
        weight_total=total,
        shares=tuple(i.indicator.weight / total for i in indicators),
        rule_ids=tuple(r.rule.id for r in rules),
        rule_lists=tuple(r.rule.list.value if r.rule.list else None for r in rules),
        case_ids=tuple(c.case.id for c in cases),
        reason_code_count=policy.scorecard.reason_code_count if policy.scorecard else 0,
        currency=policy.credit.currency if policy.credit else None,
        valid_months=policy.credit.valid_months if policy.credit else None,
    )


@dataclass(frozen=True)
class CompiledPolicy:
    """A checked policy, ready to evaluate on one record, a table, or in a database."""

    policy: Policy
    catalogue: Catalogue
    checks: tuple[CompiledCheck, ...]
    indicators: tuple[CompiledIndicator, ...]
    rules: tuple[CompiledRule, ...]
    cases: tuple[CompiledCase, ...]
    tables: PolicyTables
    record_function: RecordFunction

    @property
    def weight_total(self) -> float:
        return self.tables.weight_total

    @property
    def input_features(self) -> tuple[str, ...]:
        """Every input feature the policy reads, sorted (a table needs these columns)."""
        names: set[str] = set()
        for expression in self.expressions():
            names |= {
                name
                for name in _ir_names(expression)
                if self.catalogue[name].kind is FeatureKind.INPUT
            }
        return tuple(sorted(names))

    def expressions(self) -> list[CompiledExpression]:
        found = [c.condition for c in self.checks] + [i.value for i in self.indicators]
        found += [r.condition for r in self.rules]
        for case in self.cases:
            found += [case.limit] if case.condition is None else [case.condition, case.limit]
        return found


def _ir_names(expression: CompiledExpression) -> set[str]:
    return feature_names(expression.node)


def compile_policy(policy: Policy, catalogue: Catalogue | None = None) -> CompiledPolicy:
    """Check ``policy`` against ``catalogue`` and compile it; raise ``PolicyValidationError``."""
    from riskdesk.engine.record import build_record_function  # record builds on this module

    builder = _PolicyChecker(policy, catalogue if catalogue is not None else default_catalogue())
    checks, indicators, rules, cases = builder.check()
    compiled = CompiledPolicy(
        policy=policy,
        catalogue=builder.catalogue,
        checks=checks,
        indicators=indicators,
        rules=rules,
        cases=cases,
        tables=_tables(policy, checks, indicators, rules, cases),
        record_function=_unbuilt,
    )
    return replace(compiled, record_function=build_record_function(compiled))


def _unbuilt(features: Mapping[str, object]) -> dict[str, Any]:
    raise AssertionError("record function not built yet")


class _PolicyChecker:
    def __init__(self, policy: Policy, catalogue: Catalogue) -> None:
        self.policy = policy
        self.errors: list[ExpressionError] = []
        self.catalogue = self._with_policy_features(catalogue)
        self.grade_codes = {grade.code for grade in policy.grades}

    def fail(self, path: str, code: ErrorCode, zh: str, en: str) -> None:
        self.errors.append(ExpressionError(code, zh, en, path=path))

    def _with_policy_features(self, catalogue: Catalogue) -> Catalogue:
        try:
            extended = catalogue.with_derived(self.policy.features)
        except ExpressionError as error:
            self.errors.append(error)
            extended = catalogue
        grade = extended.get("grade")
        if grade is None:
            return extended
        codes = tuple(g.code for g in self.policy.grades)
        features = {**extended.features, "grade": replace(grade, allowed_values=codes)}
        return replace(extended, features=features)

    def expression(
        self, text: str, path: str, expected: ExprType | None, outputs: frozenset[str] = frozenset()
    ) -> CompiledExpression | None:
        try:
            return compile_expression(
                text, self.catalogue, expected_type=expected, available_outputs=outputs
            )
        except ExpressionError as error:
            self.errors.append(error.at_path(path))
            return None

    def check(
        self,
    ) -> tuple[
        tuple[CompiledCheck, ...],
        tuple[CompiledIndicator, ...],
        tuple[CompiledRule, ...],
        tuple[CompiledCase, ...],
    ]:
        self.check_grades()
        checks = self.check_admission()
        indicators = self.check_scorecard()
        rules = self.check_rating()
        cases = self.check_credit()
        if self.errors:
            raise PolicyValidationError(self.errors)
        return checks, indicators, rules, cases

    def unique(self, values: list[tuple[str, str]], what_zh: str, what_en: str) -> None:
        seen: set[str] = set()
        for path, value in values:
            if value in seen:
                self.fail(
                    path,
                    ErrorCode.DUPLICATE,
                    f"{what_zh} {value!r} 重复",
                    f"duplicate {what_en} {value!r}",
                )
            seen.add(value)

    def item_id(self, path: str, value: str) -> None:
        if not ITEM_ID.match(value):
            self.fail(
                path,
                ErrorCode.INVALID_VALUE,
                "id 不能为空，不能含逗号或空白，最长 64 个字符",
                "an id must be non-empty, without commas or whitespace, at most 64 characters",
            )

    def grade_exists(self, path: str, code: str) -> None:
        if code not in self.grade_codes:
            known = ", ".join(g.code for g in self.policy.grades) or "—"
            self.fail(
                path,
                ErrorCode.UNKNOWN_GRADE,
                f"等级 {code!r} 未在 grades 中定义（已定义：{known}）",
                f"grade {code!r} is not defined in grades (defined: {known})",
            )

    def check_grades(self) -> None:
        grades = self.policy.grades
        self.unique([(f"grades[{i}].code", g.code) for i, g in enumerate(grades)], "等级", "grade")
        if self.policy.rating is not None and not grades:
            self.fail(
                "grades", ErrorCode.MISSING_FIELD, "评级需要先定义 grades", "rating needs grades"
            )

    def check_admission(self) -> tuple[CompiledCheck, ...]:
        checks = self.policy.admission
        self.unique(
            [(f"admission[{i}].id", c.id) for i, c in enumerate(checks)], "准入检查", "check id"
        )
        compiled = []
        for index, check in enumerate(checks):
            path = f"admission[{index}]"
            self.item_id(f"{path}.id", check.id)
            condition = self.expression(check.when, f"{path}.when", ExprType.BOOLEAN)
            if condition is not None:
                compiled.append(CompiledCheck(check, condition))
        return tuple(compiled)

    def check_scorecard(self) -> tuple[CompiledIndicator, ...]:
        scorecard = self.policy.scorecard
        if scorecard is None:
            return ()
        if not scorecard.indicators:
            self.fail(
                "scorecard.indicators",
                ErrorCode.MISSING_FIELD,
                "评分卡至少需要一个指标",
                "a scorecard needs at least one indicator",
            )
        keys = [
            (f"scorecard.indicators[{i}].key", x.key) for i, x in enumerate(scorecard.indicators)
        ]
        self.unique(keys, "指标", "indicator key")
        compiled = []
        for index, indicator in enumerate(scorecard.indicators):
            result = self.check_indicator(indicator, f"scorecard.indicators[{index}]")
            if result is not None:
                compiled.append(result)
        return tuple(compiled)

    def check_indicator(self, indicator: Indicator, path: str) -> CompiledIndicator | None:
        if not INDICATOR_KEY.match(indicator.key):
            self.fail(
                f"{path}.key",
                ErrorCode.INVALID_VALUE,
                "指标 key 只能用小写字母、数字和下划线，以字母开头",
                "an indicator key uses lower-case letters, digits and underscores, "
                "starting with a letter",
            )
        if indicator.weight <= 0:
            self.fail(
                f"{path}.weight",
                ErrorCode.INVALID_VALUE,
                "权重必须大于 0",
                "the weight must be positive",
            )
        self.points_in_range(f"{path}.missing_points", indicator.missing_points)
        value = self.expression(indicator.value, f"{path}.value", None)
        if value is None:
            return None
        if value.type in (ExprType.NUMBER, ExprType.NULL) and not indicator.categories:
            self.check_bins(indicator, path)
        elif value.type in (ExprType.TEXT, ExprType.BOOLEAN) and not indicator.bins:
            self.check_categories(indicator, value, path)
        else:
            self.fail(
                f"{path}.value",
                ErrorCode.TYPE_MISMATCH,
                "数值指标用 bins 分箱，文本或布尔指标用 categories，二者只能选一",
                "number values take bins, text or boolean values take categories (not both)",
            )
        return CompiledIndicator(indicator, value)

    def points_in_range(self, path: str, points: float) -> None:
        if not 0 <= points <= MAX_POINTS:
            self.fail(
                path,
                ErrorCode.INVALID_VALUE,
                "分数必须在 0 到 100 之间",
                "points must be between 0 and 100",
            )

    def check_bins(self, indicator: Indicator, path: str) -> None:
        bins = indicator.bins
        if not bins:
            self.fail(
                f"{path}.bins",
                ErrorCode.MISSING_FIELD,
                "数值指标需要 bins",
                "a number indicator needs bins",
            )
            return
        previous: float | None = None
        for index, item in enumerate(bins):
            item_path = f"{path}.bins[{index}]"
            self.points_in_range(f"{item_path}.points", item.points)
            last = index == len(bins) - 1
            if last and item.below is not None:
                self.fail(
                    item_path,
                    ErrorCode.BINS_ORDER,
                    "最后一个分箱不能有 below，它覆盖其余所有数值",
                    "the last bin must have no below: it covers every remaining value",
                )
            if not last and item.below is None:
                self.fail(
                    f"{item_path}.below",
                    ErrorCode.BINS_ORDER,
                    "除最后一个分箱外都需要 below",
                    "every bin but the last needs below",
                )
            if item.below is not None and previous is not None and item.below <= previous:
                self.fail(
                    f"{item_path}.below",
                    ErrorCode.BINS_ORDER,
                    "分箱的 below 必须严格递增",
                    "bin edges (below) must increase strictly",
                )
            previous = item.below if item.below is not None else previous

    def check_categories(self, indicator: Indicator, value: CompiledExpression, path: str) -> None:
        if not indicator.categories:
            self.fail(
                f"{path}.categories",
                ErrorCode.MISSING_FIELD,
                "文本或布尔指标需要 categories",
                "a text or boolean indicator needs categories",
            )
            return
        self.points_in_range(f"{path}.other_points", indicator.other_points)
        expected = str if value.type is ExprType.TEXT else bool
        allowed = self.allowed_values_of(value)
        for key, points in indicator.categories:
            key_path = f"{path}.categories.{key}"
            self.points_in_range(key_path, points)
            if not isinstance(key, expected) or (expected is str and isinstance(key, bool)):
                self.fail(
                    key_path,
                    ErrorCode.TYPE_MISMATCH,
                    f"类别 {key!r} 的类型与指标取值不符",
                    f"category {key!r} does not match the value's type",
                )
            elif allowed and key not in allowed:
                self.fail(
                    key_path,
                    ErrorCode.UNKNOWN_VALUE,
                    f"{key!r} 不是可选取值：{'、'.join(allowed)}",
                    f"{key!r} is not an allowed value: {', '.join(allowed)}",
                )

    def allowed_values_of(self, value: CompiledExpression) -> tuple[str, ...]:
        if isinstance(value.node, FeatureRef):
            feature = self.catalogue.get(value.node.name)
            return feature.allowed_values if feature else ()
        return ()

    def check_rating(self) -> tuple[CompiledRule, ...]:
        rating = self.policy.rating
        if rating is None:
            return ()
        rules = rating.rules
        self.unique(
            [(f"rating.rules[{i}].id", r.id) for i, r in enumerate(rules)], "评级规则", "rule id"
        )
        outputs = frozenset({"score"}) if self.policy.scorecard is not None else frozenset()
        compiled = []
        for index, rule in enumerate(rules):
            path = f"rating.rules[{index}]"
            self.item_id(f"{path}.id", rule.id)
            self.grade_exists(f"{path}.grade", rule.grade)
            condition = self.expression(rule.when, f"{path}.when", ExprType.BOOLEAN, outputs)
            if condition is not None:
                compiled.append(CompiledRule(rule, condition))
        self.check_bands()
        return tuple(compiled)

    def check_bands(self) -> None:
        assert self.policy.rating is not None
        bands = self.policy.rating.bands
        if bands and self.policy.scorecard is None:
            self.fail(
                "rating.bands",
                ErrorCode.MISSING_FIELD,
                "按分数分档需要 scorecard",
                "score bands need a scorecard",
            )
        previous: float | None = None
        for index, band in enumerate(bands):
            path = f"rating.bands[{index}]"
            self.grade_exists(f"{path}.grade", band.grade)
            last = index == len(bands) - 1
            if last and band.min_score is not None:
                self.fail(
                    path,
                    ErrorCode.BANDS_ORDER,
                    "最后一档不能有 min_score，它兜底所有分数",
                    "the last band must have no min_score: it catches every remaining score",
                )
            if not last and band.min_score is None:
                self.fail(
                    f"{path}.min_score",
                    ErrorCode.BANDS_ORDER,
                    "除最后一档外都需要 min_score",
                    "every band but the last needs min_score",
                )
            if band.min_score is not None and previous is not None and band.min_score >= previous:
                self.fail(
                    f"{path}.min_score",
                    ErrorCode.BANDS_ORDER,
                    "min_score 必须严格递减（从好到差）",
                    "min_score must decrease strictly (best band first)",
                )
            previous = band.min_score if band.min_score is not None else previous

    def check_credit(self) -> tuple[CompiledCase, ...]:
        credit = self.policy.credit
        if credit is None:
            return ()
        if not credit.cases:
            self.fail(
                "credit.cases",
                ErrorCode.MISSING_FIELD,
                "授信至少需要一个 case",
                "credit needs at least one case",
            )
        self.unique(
            [(f"credit.cases[{i}].id", c.id) for i, c in enumerate(credit.cases)],
            "授信条件",
            "case id",
        )
        self.check_limits()
        outputs = frozenset(
            name
            for name, present in (("score", self.policy.scorecard), ("grade", self.policy.rating))
            if present is not None
        )
        compiled = []
        for index, case in enumerate(credit.cases):
            path = f"credit.cases[{index}]"
            self.item_id(f"{path}.id", case.id)
            condition = None
            if case.when is not None:
                condition = self.expression(case.when, f"{path}.when", ExprType.BOOLEAN, outputs)
            limit = self.expression(case.limit, f"{path}.limit", ExprType.NUMBER, outputs)
            if limit is not None and (case.when is None or condition is not None):
                compiled.append(CompiledCase(case, condition, limit))
        return tuple(compiled)

    def check_limits(self) -> None:
        credit = self.policy.credit
        assert credit is not None
        for key in ("min", "max"):
            value = getattr(credit, key)
            if value is not None and value < 0:
                self.fail(
                    f"credit.{key}",
                    ErrorCode.INVALID_VALUE,
                    "额度上下限不能为负",
                    "limit caps cannot be negative",
                )
        if credit.min is not None and credit.max is not None and credit.min > credit.max:
            self.fail(
                "credit.min", ErrorCode.INVALID_VALUE, "min 不能大于 max", "min cannot exceed max"
            )
        if credit.round_to is not None and credit.round_to <= 0:
            self.fail(
                "credit.round_to",
                ErrorCode.INVALID_VALUE,
                "round_to 必须大于 0",
                "round_to must be positive",
            )

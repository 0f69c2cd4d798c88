"""The policy document (DESIGN.md §3.2): model, YAML load/dump and structural validation.

``load_policy`` checks the *shape* of a document (types, required fields, unknown keys) and
reports every problem with its YAML path. ``compile_policy`` (in ``compiler.py``) then checks
the *meaning*: expressions, grade references, bin order, weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from riskdesk.engine.catalogue import DerivedFeature
from riskdesk.engine.errors import ErrorCode, ExpressionError, PolicyValidationError
from riskdesk.engine.types import ValueType


class Outcome(StrEnum):
    """Admission outcomes, best to worst: the worst failed check wins."""

    PASS = "pass"
    REVIEW = "review"
    REJECT = "reject"


class CustomerList(StrEnum):
    WHITELIST = "whitelist"
    WATCHLIST = "watchlist"
    BLACKLIST = "blacklist"


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    label: str
    review_months: int | None = None
    label_en: str | None = None


@dataclass(frozen=True, slots=True)
class AdmissionCheck:
    id: str
    when: str
    outcome: Outcome
    reason: str
    reason_en: str | None = None


@dataclass(frozen=True, slots=True)
class Bin:
    """Points for values below ``below`` (and at or above the previous bin's edge)."""

    points: float
    below: float | None = None


CategoryKey = str | bool


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    label: str
    value: str
    weight: float
    bins: tuple[Bin, ...] = ()
    categories: tuple[tuple[CategoryKey, float], ...] = ()
    other_points: float = 0.0
    missing_points: float = 0.0
    label_en: str | None = None


@dataclass(frozen=True, slots=True)
class Scorecard:
    indicators: tuple[Indicator, ...]
    reason_code_count: int = 3


@dataclass(frozen=True, slots=True)
class RatingRule:
    id: str
    when: str
    grade: str
    list: CustomerList | None = None
    reason: str = ""
    reason_en: str | None = None


@dataclass(frozen=True, slots=True)
class Band:
    grade: str
    min_score: float | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    rules: tuple[RatingRule, ...] = ()
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True, slots=True)
class CreditCase:
    id: str
    limit: str
    when: str | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    cases: tuple[CreditCase, ...]
    strategy: str = "formula"
    currency: str = "CNY"
    min: float | None = None
    max: float | None = None
    round_to: float | None = None
    valid_months: int | None = None


@dataclass(frozen=True)
class Policy:
    name: str = ""
    description: str = ""
    features: tuple[DerivedFeature, ...] = ()
    grades: tuple[Grade, ...] = ()
    admission: tuple[AdmissionCheck, ...] = ()
    scorecard: Scorecard | None = None
    rating: Rating | None = None
    credit: Credit | None = field(default=None)


# -- loading --------------------------------------------------------------------------------


def load_policy(source: str | Path) -> Policy:
    """Read a policy from YAML text or a file; raise ``PolicyValidationError`` on any problem.

    A ``Path``, or a one-line string ending in ``.yaml``/``.yml``, is read as a file name.
    """
    text = _read_source(source)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"第 {mark.line + 1} 行 / line {mark.line + 1}" if mark else ""
        raise PolicyValidationError(
            [
                ExpressionError(
                    ErrorCode.INVALID_DOCUMENT,
                    f"YAML 格式错误 {where}",
                    f"invalid YAML {where}",
                    path="",
                )
            ]
        ) from None
    reader = _Reader()
    policy = reader.policy(document)
    if reader.errors:
        raise PolicyValidationError(reader.errors)
    return policy


def _read_source(source: str | Path) -> str:
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8")
    looks_like_path = "\n" not in source and source.strip().endswith((".yaml", ".yml"))
    if looks_like_path:
        return Path(source.strip()).read_text(encoding="utf-8")
    return source


_MISSING = object()


class _Reader:
    """Reads a parsed YAML document into the model, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: list[ExpressionError] = []

    def fail(self, path: str, code: ErrorCode, zh: str, en: str) -> None:
        self.errors.append(ExpressionError(code, zh, en, path=path))

    def mapping(self, value: object, path: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(
                path, ErrorCode.INVALID_VALUE, "这里需要一个映射（键: 值）", "expected a mapping"
            )
            return None
        for key in value:
            if key not in allowed:
                self.fail(
                    _join(path, str(key)),
                    ErrorCode.UNKNOWN_FIELD,
                    f"未知字段 {key!r}；可用：{', '.join(allowed)}",
                    f"unknown field {key!r}; allowed: {', '.join(allowed)}",
                )
        return dict(value)

    def items(self, data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(
                _join(path, key), ErrorCode.INVALID_VALUE, "这里需要一个列表", "expected a list"
            )
            return []
        return [(f"{_join(path, key)}[{index}]", item) for index, item in enumerate(value)]

    def text(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> str | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.missing(path, key)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(_join(path, key), ErrorCode.INVALID_VALUE, "这里需要文本", "expected text")
            return None
        text = str(value)
        if required and not text.strip():
            self.missing(path, key)
            return None
        return text

    def number(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> float | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.missing(path, key)
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(
                _join(path, key), ErrorCode.INVALID_VALUE, "这里需要数值", "expected a number"
            )
            return None
        return float(value)

    def integer(self, data: Mapping[str, Any], key: str, path: str) -> int | None:
        number = self.number(data, key, path)
        if number is None:
            return None
        if not number.is_integer() or number <= 0:
            self.fail(
                _join(path, key),
                ErrorCode.INVALID_VALUE,
                "这里需要正整数",
                "expected a positive whole number",
            )
            return None
        return int(number)

    def choice[E: StrEnum](
        self, data: Mapping[str, Any], key: str, path: str, enum: type[E], *, required: bool
    ) -> E | None:
        value = self.text(data, key, path, required=required)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            options = ", ".join(member.value for member in enum)
            self.fail(
                _join(path, key),
                ErrorCode.INVALID_VALUE,
                f"无效取值 {value!r}；可选：{options}",
                f"invalid value {value!r}; choose one of: {options}",
            )
            return None

    def missing(self, path: str, key: str) -> None:
        self.fail(
            _join(path, key), ErrorCode.MISSING_FIELD, f"缺少字段 {key}", f"{key} is required"
        )

    def collect[T](
        self, data: Mapping[str, Any], key: str, path: str, read: Callable[[Any, str], T | None]
    ) -> tuple[T, ...]:
        results = (read(item, item_path) for item_path, item in self.items(data, key, path))
        return tuple(result for result in results if result is not None)

    # -- sections ---------------------------------------------------------------------------

    def policy(self, document: object) -> Policy:
        keys = ("name", "description", "features", "grades", "admission", "scorecard")
        data = self.mapping(document, "", (*keys, "rating", "credit"))
        if data is None:
            return Policy()
        return Policy(
            name=self.text(data, "name", "", required=False) or "",
            description=self.text(data, "description", "", required=False) or "",
            features=self.collect(data, "features", "", self.derived_feature),
            grades=self.collect(data, "grades", "", self.grade),
            admission=self.collect(data, "admission", "", self.admission_check),
            scorecard=self.section(data, "scorecard", self.scorecard),
            rating=self.section(data, "rating", self.rating),
            credit=self.section(data, "credit", self.credit),
        )

    def section[T](
        self, data: Mapping[str, Any], key: str, read: Callable[[Any, str], T | None]
    ) -> T | None:
        value = data.get(key)
        return None if value is None else read(value, key)

    def derived_feature(self, value: object, path: str) -> DerivedFeature | None:
        keys = ("name", "expression", "label", "label_en", "type", "unit")
        data = self.mapping(value, path, keys)
        if data is None:
            return None
        name, expression = self.text(data, "name", path), self.text(data, "expression", path)
        value_type = self.choice(data, "type", path, ValueType, required=False)
        if name is None or expression is None:
            return None
        label = self.text(data, "label", path, required=False) or name
        return DerivedFeature(
            name=name,
            expression=expression,
            label_zh=label,
            label_en=self.text(data, "label_en", path, required=False) or label,
            type=value_type,
            unit=self.text(data, "unit", path, required=False),
        )

    def grade(self, value: object, path: str) -> Grade | None:
        data = self.mapping(value, path, ("code", "label", "label_en", "review_months"))
        if data is None:
            return None
        code, label = self.text(data, "code", path), self.text(data, "label", path)
        review_months = self.integer(data, "review_months", path)
        if code is None or label is None:
            return None
        label_en = self.text(data, "label_en", path, required=False)
        return Grade(code, label, review_months, label_en)

    def admission_check(self, value: object, path: str) -> AdmissionCheck | None:
        keys = ("id", "when", "outcome", "reason", "reason_en")
        data = self.mapping(value, path, keys)
        if data is None:
            return None
        check_id, when = self.text(data, "id", path), self.text(data, "when", path)
        outcome = self.choice(data, "outcome", path, Outcome, required=True)
        reason = self.text(data, "reason", path)
        if check_id is None or when is None or outcome is None or reason is None:
            return None
        return AdmissionCheck(
            check_id, when, outcome, reason, self.text(data, "reason_en", path, required=False)
        )

    def scorecard(self, value: object, path: str) -> Scorecard | None:
        data = self.mapping(value, path, ("indicators", "reason_codes"))
        if data is None:
            return None
        indicators = self.collect(data, "indicators", path, self.indicator)
        count = self.integer(data, "reason_codes", path)
        return Scorecard(indicators, 3 if count is None else count)

    def indicator(self, value: object, path: str) -> Indicator | None:
        keys = ("key", "label", "label_en", "value", "weight", "bins", "categories")
        data = self.mapping(value, path, (*keys, "other_points", "missing_points"))
        if data is None:
            return None
        key, label = self.text(data, "key", path), self.text(data, "label", path)
        expression = self.text(data, "value", path)
        weight = self.number(data, "weight", path, required=True)
        bins = self.collect(data, "bins", path, self.bin)
        categories = self.categories(data.get("categories"), _join(path, "categories"))
        other = self.number(data, "other_points", path)
        missing = self.number(data, "missing_points", path)
        if key is None or label is None or expression is None or weight is None:
            return None
        return Indicator(
            key=key,
            label=label,
            value=expression,
            weight=weight,
            bins=bins,
            categories=categories,
            other_points=0.0 if other is None else other,
            missing_points=0.0 if missing is None else missing,
            label_en=self.text(data, "label_en", path, required=False),
        )

    def bin(self, value: object, path: str) -> Bin | None:
        data = self.mapping(value, path, ("below", "points"))
        if data is None:
            return None
        points = self.number(data, "points", path, required=True)
        below = self.number(data, "below", path)
        return None if points is None else Bin(points, below)

    def categories(self, value: object, path: str) -> tuple[tuple[CategoryKey, float], ...]:
        if value is None:
            return ()
        if not isinstance(value, Mapping):
            self.fail(
                path,
                ErrorCode.INVALID_VALUE,
                "这里需要一个映射（取值: 分数）",
                "expected value: points",
            )
            return ()
        pairs: list[tuple[CategoryKey, float]] = []
        for key, points in value.items():
            item_path = _join(path, str(key))
            if not isinstance(key, str | bool):
                self.fail(
                    item_path,
                    ErrorCode.INVALID_VALUE,
                    "类别必须是文本（数字请加引号）或布尔值",
                    "a category must be text (quote numbers) or a boolean",
                )
                continue
            if isinstance(points, bool) or not isinstance(points, int | float):
                self.fail(item_path, ErrorCode.INVALID_VALUE, "这里需要数值", "expected a number")
                continue
            pairs.append((key, float(points)))
        return tuple(pairs)

    def rating(self, value: object, path: str) -> Rating | None:
        data = self.mapping(value, path, ("rules", "bands"))
        if data is None:
            return None
        rules = self.collect(data, "rules", path, self.rating_rule)
        return Rating(rules, self.collect(data, "bands", path, self.band))

    def rating_rule(self, value: object, path: str) -> RatingRule | None:
        keys = ("id", "when", "grade", "list", "reason", "reason_en")
        data = self.mapping(value, path, keys)
        if data is None:
            return None
        rule_id, when = self.text(data, "id", path), self.text(data, "when", path)
        grade = self.text(data, "grade", path)
        customer_list = self.choice(data, "list", path, CustomerList, required=False)
        reason = self.text(data, "reason", path, required=False) or ""
        if rule_id is None or when is None or grade is None:
            return None
        reason_en = self.text(data, "reason_en", path, required=False)
        return RatingRule(rule_id, when, grade, customer_list, reason, reason_en)

    def band(self, value: object, path: str) -> Band | None:
        data = self.mapping(value, path, ("grade", "min_score"))
        if data is None:
            return None
        grade = self.text(data, "grade", path)
        min_score = self.number(data, "min_score", path)
        return None if grade is None else Band(grade, min_score)

    def credit(self, value: object, path: str) -> Credit | None:
        keys = ("strategy", "currency", "cases", "min", "max", "round_to", "valid_months")
        data = self.mapping(value, path, keys)
        if data is None:
            return None
        strategy = self.text(data, "strategy", path, required=False) or "formula"
        if strategy != "formula":
            self.fail(
                _join(path, "strategy"),
                ErrorCode.INVALID_VALUE,
                f"授信策略 {strategy!r} 尚不支持；目前只有 formula（模型可通过特征 pd 接入公式）",
                f"credit strategy {strategy!r} is not supported yet; use formula "
                "(a model's PD can enter a formula through the pd feature)",
            )
        cases = self.collect(data, "cases", path, self.credit_case)
        return Credit(
            cases=cases,
            strategy=strategy,
            currency=self.text(data, "currency", path, required=False) or "CNY",
            min=self.number(data, "min", path),
            max=self.number(data, "max", path),
            round_to=self.number(data, "round_to", path),
            valid_months=self.integer(data, "valid_months", path),
        )

    def credit_case(self, value: object, path: str) -> CreditCase | None:
        data = self.mapping(value, path, ("id", "when", "limit"))
        if data is None:
            return None
        limit = self.text(data, "limit", path)
        when = self.text(data, "when", path, required=False)
        index = path.rsplit("[", 1)[-1].rstrip("]")
        case_id = self.text(data, "id", path, required=False) or f"case_{int(index) + 1}"
        return None if limit is None else CreditCase(case_id, limit, when)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- dumping --------------------------------------------------------------------------------


def dump_policy(policy: Policy) -> str:
    """The policy as YAML; ``load_policy(dump_policy(p)) == p``."""
    return yaml.safe_dump(
        policy_to_dict(policy), allow_unicode=True, sort_keys=False, width=100, indent=2
    )


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    document: dict[str, Any] = {}
    _put(document, "name", policy.name or None)
    _put(document, "description", policy.description or None)
    if policy.features:
        document["features"] = [_derived_to_dict(feature) for feature in policy.features]
    if policy.grades:
        document["grades"] = [_grade_to_dict(grade) for grade in policy.grades]
    if policy.admission:
        document["admission"] = [_check_to_dict(check) for check in policy.admission]
    if policy.scorecard is not None:
        document["scorecard"] = _scorecard_to_dict(policy.scorecard)
    if policy.rating is not None:
        document["rating"] = _rating_to_dict(policy.rating)
    if policy.credit is not None:
        document["credit"] = _credit_to_dict(policy.credit)
    return document


def _put(target: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        target[key] = _plain_number(value) if isinstance(value, float) else value


def _plain_number(value: float) -> int | float:
    """Whole numbers are written without ``.0`` so the YAML reads as people write it."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _derived_to_dict(feature: DerivedFeature) -> dict[str, Any]:
    result: dict[str, Any] = {"name": feature.name, "expression": feature.expression}
    result["label"] = feature.label_zh
    _put(result, "label_en", feature.label_en if feature.label_en != feature.label_zh else None)
    _put(result, "type", feature.type.value if feature.type else None)
    _put(result, "unit", feature.unit)
    return result


def _grade_to_dict(grade: Grade) -> dict[str, Any]:
    result: dict[str, Any] = {"code": grade.code, "label": grade.label}
    _put(result, "label_en", grade.label_en)
    _put(result, "review_months", grade.review_months)
    return result


def _check_to_dict(check: AdmissionCheck) -> dict[str, Any]:
    result: dict[str, Any] = {"id": check.id, "when": check.when, "outcome": check.outcome.value}
    result["reason"] = check.reason
    _put(result, "reason_en", check.reason_en)
    return result


def _scorecard_to_dict(scorecard: Scorecard) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if scorecard.reason_code_count != 3:
        result["reason_codes"] = scorecard.reason_code_count
    result["indicators"] = [_indicator_to_dict(indicator) for indicator in scorecard.indicators]
    return result


def _indicator_to_dict(indicator: Indicator) -> dict[str, Any]:
    result: dict[str, Any] = {"key": indicator.key, "label": indicator.label}
    _put(result, "label_en", indicator.label_en)
    result["value"] = indicator.value
    _put(result, "weight", indicator.weight)
    if indicator.bins:
        result["bins"] = [_bin_to_dict(item) for item in indicator.bins]
    if indicator.categories:
        result["categories"] = {key: _plain_number(points) for key, points in indicator.categories}
        _put(result, "other_points", indicator.other_points)
    _put(result, "missing_points", indicator.missing_points)
    return result


def _bin_to_dict(item: Bin) -> dict[str, Any]:
    result: dict[str, Any] = {}
    _put(result, "below", item.below)
    _put(result, "points", item.points)
    return result


def _rating_to_dict(rating: Rating) -> dict[str, Any]:
    rules = []
    for rule in rating.rules:
        entry: dict[str, Any] = {"id": rule.id, "when": rule.when, "grade": rule.grade}
        _put(entry, "list", rule.list.value if rule.list else None)
        _put(entry, "reason", rule.reason or None)
        _put(entry, "reason_en", rule.reason_en)
        rules.append(entry)
    bands = []
    for band in rating.bands:
        band_entry: dict[str, Any] = {}
        _put(band_entry, "min_score", band.min_score)
        band_entry["grade"] = band.grade
        bands.append(band_entry)
    return {"rules": rules, "bands": bands}


def _credit_to_dict(credit: Credit) -> dict[str, Any]:
    result: dict[str, Any] = {"strategy": credit.strategy, "currency": credit.currency}
    cases = []
    for case in credit.cases:
        entry: dict[str, Any] = {"id": case.id}
        _put(entry, "when", case.when)
        entry["limit"] = case.limit
        cases.append(entry)
    result["cases"] = cases
    for key in ("min", "max", "round_to", "valid_months"):
        _put(result, key, getattr(credit, key))
    return result

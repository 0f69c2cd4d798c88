"""Adding user-defined derived features to a catalogue, in dependency order, without cycles."""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from riskdesk.engine.catalogue import FEATURE_NAME, Catalogue, DerivedFeature, Feature, FeatureKind
from riskdesk.engine.errors import ErrorCode, ExpressionError
from riskdesk.engine.parser import parse_expression
from riskdesk.engine.types import ValueType, expr_type_of


def add_derived_features(catalogue: Catalogue, derived: list[DerivedFeature]) -> Catalogue:
    """``catalogue`` plus ``derived``; errors carry the index path ``features[i]``."""
    by_name: dict[str, tuple[int, DerivedFeature]] = {}
    for index, feature in enumerate(derived):
        _check_name(catalogue, feature, f"features[{index}].name", by_name)
        by_name[feature.name] = (index, feature)
    order = _dependency_order(by_name)
    result = catalogue
    for name in order:
        index, feature = by_name[name]
        result = _add_one(result, feature, f"features[{index}].expression")
    return result


def _check_name(
    catalogue: Catalogue,
    feature: DerivedFeature,
    path: str,
    seen: dict[str, tuple[int, DerivedFeature]],
) -> None:
    if not FEATURE_NAME.match(feature.name):
        raise ExpressionError(
            ErrorCode.INVALID_VALUE,
            f"特征名 {feature.name!r} 无效：只能用小写字母、数字和下划线，以字母开头",
            f"feature name {feature.name!r} is invalid: use lower-case letters, digits and "
            "underscores, starting with a letter",
            text=feature.name,
            path=path,
        )
    if feature.name in catalogue or feature.name in seen:
        raise ExpressionError(
            ErrorCode.DUPLICATE,
            f"特征 {feature.name} 已存在",
            f"feature {feature.name} already exists",
            text=feature.name,
            path=path,
        )


def _references(expression: str) -> set[str]:
    """Names a definition mentions; a definition that does not parse is reported later."""
    try:
        tree = sqlglot.parse_one(expression)
    except Exception:  # parse problems are reported with positions when the feature compiles
        return set()
    return {column.name for column in tree.find_all(exp.Column)}


def _dependency_order(by_name: dict[str, tuple[int, DerivedFeature]]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " → ".join([*trail[trail.index(name) :], name])
            index = by_name[name][0]
            raise ExpressionError(
                ErrorCode.CYCLE,
                f"派生特征循环引用：{cycle}",
                f"derived features refer to each other in a cycle: {cycle}",
                text=name,
                path=f"features[{index}].expression",
            )
        state[name] = "visiting"
        for reference in sorted(_references(by_name[name][1].expression)):
            if reference in by_name:
                visit(reference, [*trail, name])
        state[name] = "done"
        order.append(name)

    for name in by_name:
        visit(name, [])
    return order


def _add_one(catalogue: Catalogue, derived: DerivedFeature, path: str) -> Catalogue:
    expected = expr_type_of(derived.type) if derived.type else None
    try:
        parsed = parse_expression(derived.expression, catalogue, expected_type=expected)
    except ExpressionError as error:
        raise error.at_path(path) from None
    value_type = derived.type or ValueType(
        parsed.type.value if parsed.type.value != "null" else "number"
    )
    feature = Feature(
        name=derived.name,
        type=value_type,
        label_zh=derived.label_zh,
        label_en=derived.label_en,
        unit=derived.unit,
        kind=FeatureKind.DERIVED,
        expression=derived.expression,
    )
    return replace(
        catalogue,
        features={**catalogue.features, derived.name: feature},
        derived_ir={**catalogue.derived_ir, derived.name: parsed.node},
    )

"""Value types shared by the feature catalogue, the expression language and the policy model."""

from __future__ import annotations

from enum import StrEnum


class ValueType(StrEnum):
    """The type of a feature as the catalogue declares it."""

    NUMBER = "number"
    INTEGER = "integer"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"


class ExprType(StrEnum):
    """The type of an expression after type checking.

    Integers and numbers are one type in expressions: every path computes in float64, so
    ``1 / 2`` is 0.5 everywhere. ``NULL`` is the type of a bare ``NULL`` literal; it fits
    wherever a value of any type is expected.
    """

    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    NULL = "null"


def expr_type_of(value_type: ValueType) -> ExprType:
    """The expression type a feature of ``value_type`` has inside an expression."""
    if value_type is ValueType.INTEGER:
        return ExprType.NUMBER
    return ExprType(value_type.value)


TYPE_LABELS_ZH: dict[ExprType, str] = {
    ExprType.NUMBER: "数值",
    ExprType.TEXT: "文本",
    ExprType.BOOLEAN: "布尔",
    ExprType.DATE: "日期",
    ExprType.NULL: "空值",
}

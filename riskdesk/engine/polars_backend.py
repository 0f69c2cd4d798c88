"""Compile the validated tree to a Polars expression for the vectorised path.

Polars already follows SQL's Kleene logic for ``&``/``|``/``~`` and propagates nulls through
comparisons and arithmetic, and ``when`` treats a null condition as not matched. The few places
where Polars differs from SQL are handled explicitly: division by zero (Polars gives inf),
``LEAST``/``GREATEST`` (Polars skips nulls), ``LIKE`` (translated to an anchored regex) and
``ROUND`` (spelled out with the shared float64 steps).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any, cast

import polars as pl

from riskdesk.engine import ir, runtime
from riskdesk.engine.python_backend import PythonEmitter, build_function, function_header
from riskdesk.engine.types import ExprType

POLARS_TYPES: dict[ExprType, pl.DataType] = {
    ExprType.NUMBER: pl.Float64(),
    ExprType.TEXT: pl.String(),
    ExprType.BOOLEAN: pl.Boolean(),
    ExprType.DATE: pl.Date(),
    ExprType.NULL: pl.Null(),
}

ColumnOf = Callable[[str], pl.Expr]
SHORT_LIST = 8


def typed_null(expr_type: ExprType) -> pl.Expr:
    return pl.lit(None, dtype=POLARS_TYPES[expr_type])


def _is_null_literal(node: ir.Node) -> bool:
    return isinstance(node, ir.Literal) and node.value is None


def polars_expression(node: ir.Node, column: ColumnOf) -> pl.Expr:
    """The Polars expression computing ``node``; ``column`` maps a feature to its column."""
    return _expression(_folded(node), column)


def _folded(node: ir.Node) -> ir.Node:
    """Constant sub-trees folded to literals, bottom-up.

    Polars 2.1's optimizer can mis-size a scalar sub-expression compared with a column
    expression, so no scalar other than a plain literal reaches Polars. Constants are computed
    by the Python path, which every path agrees with (the differential tests check it).
    """
    node = ir.map_children(node, _folded)
    if any(_is_null_literal(child) for child in ir.strict_operands(node)):
        return ir.Literal(None, node.type)
    if not isinstance(node, ir.Literal) and not ir.feature_names(node):
        return ir.Literal(cast(ir.LiteralValue, constant_value(node)), node.type)
    return node


def _expression(node: ir.Node, column: ColumnOf) -> pl.Expr:
    match node:
        case ir.Literal(value, expr_type):
            return pl.lit(value, dtype=POLARS_TYPES[expr_type])
        case ir.FeatureRef(name):
            return column(name)
        case ir.Not(operand):
            return ~_expression(operand, column)
        case ir.Logical(op, operands):
            parts = [_expression(o, column) for o in operands]
            return reduce(lambda a, b: (a & b) if op == "and" else (a | b), parts)
        case ir.Compare(op, left, right):
            if isinstance(left, ir.Literal) and not isinstance(right, ir.Literal):
                # Polars 2.1's optimizer mis-sizes ``literal <op> when(...)`` on all-null
                # columns; the mirrored comparison is the same value and avoids it.
                op, left, right = _MIRRORED[op], right, left
            return _compare(op, _expression(left, column), _expression(right, column))
        case ir.InList(operand, items, negated):
            subject = _expression(operand, column)
            if len(items) <= SHORT_LIST:  # equalities are far cheaper than is_in on text
                member = reduce(lambda a, b: a | b, [subject == item for item in items])
            else:
                member = subject.is_in(list(items))
            return ~member if negated else member
        case ir.IsNull(operand, negated):
            inner = _expression(operand, column)
            return inner.is_not_null() if negated else inner.is_null()
        case ir.Like(operand, pattern, negated):
            regex = runtime.anchored_like_regex(pattern)
            matched = _expression(operand, column).str.contains(regex)
            return ~matched if negated else matched
        case ir.Arithmetic(first, rest):
            return _arithmetic(first, rest, column)
        case ir.Negate(operand):
            return -_expression(operand, column)
        case ir.Case(branches, default):
            return _case(branches, default, column)
        case ir.Coalesce(args):
            return pl.coalesce([_expression(a, column) for a in args])
        case ir.LeastGreatest(function, args):
            return _least_greatest(function, [_expression(a, column) for a in args])
        case ir.Abs(operand):
            return _expression(operand, column).abs()
        case ir.Round(operand, digits):
            return round_half_away(_expression(operand, column), digits)
        case ir.DaysBetween(start, end):
            span = _expression(end, column) - _expression(start, column)
            return span.dt.total_days().cast(pl.Float64)
    raise AssertionError(f"unhandled node {node!r}")


def constant_value(node: ir.Node) -> object:
    emitter = PythonEmitter(_no_features)
    body = emitter.value(node)
    source = function_header("_constant", emitter.constants) + f"    return {body}\n"
    return build_function(source, "_constant", emitter.constants)({})


def _no_features(name: str) -> str:
    raise AssertionError(f"constant expression refers to feature {name}")


_MIRRORED: dict[ir.CompareOp, ir.CompareOp] = {
    "=": "=",
    "<>": "<>",
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
}


def _compare(op: str, left: pl.Expr, right: pl.Expr) -> pl.Expr:
    if op == "=":
        return left == right
    if op == "<>":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _arithmetic(
    first: ir.Node, rest: tuple[tuple[ir.ArithmeticOp, ir.Node], ...], column: ColumnOf
) -> pl.Expr:
    result = _expression(first, column)
    for op, node in rest:
        operand = _expression(node, column)
        if op == "/" and isinstance(node, ir.Literal) and isinstance(node.value, float):
            operand = constant_column(node.value)
        if op == "+":
            result = result + operand
        elif op == "-":
            result = result - operand
        elif op == "*":
            result = result * operand
        else:
            result = divide(result, operand)
    return result


def constant_column(value: float) -> pl.Expr:
    """``value`` as a full column rather than a scalar.

    Polars divides a column by a *scalar* by multiplying with its reciprocal, which is not
    IEEE division (``9155 / 105`` comes out one ulp off). Column-by-column division is exact,
    so a literal divisor is materialised first.
    """
    return pl.int_range(pl.len(), dtype=pl.Int32).cast(pl.Float64) * 0.0 + value


def divide(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """SQL-style division: NULL when the denominator is zero or NULL."""
    return pl.when(denominator != 0).then(numerator / denominator).otherwise(None)


def _case(
    branches: tuple[tuple[ir.Node, ir.Node], ...], default: ir.Node, column: ColumnOf
) -> pl.Expr:
    if not branches:
        return _expression(default, column)
    (condition, value), *others = branches
    chain: Any = pl.when(_expression(condition, column)).then(_expression(value, column))
    for condition, value in others:
        chain = chain.when(_expression(condition, column)).then(_expression(value, column))
    return cast(pl.Expr, chain.otherwise(_expression(default, column)))


def _least_greatest(function: str, args: list[pl.Expr]) -> pl.Expr:
    if len(args) == 1:
        return args[0]
    combined = pl.min_horizontal(args) if function == "least" else pl.max_horizontal(args)
    any_null = reduce(lambda a, b: a | b, (arg.is_null() for arg in args))
    return pl.when(any_null).then(None).otherwise(combined)


def round_half_away(value: pl.Expr, digits: int) -> pl.Expr:
    """``runtime.round_half_away`` in Polars, step for step."""
    scale = runtime.power_of_ten(digits)
    magnitude = value.abs()
    if digits >= 0:
        rounded = (magnitude * scale + 0.5).floor() / constant_column(scale)
    else:
        rounded = (magnitude / constant_column(scale) + 0.5).floor() * scale
    return pl.when(value < 0).then(-rounded).otherwise(rounded)


def round_to_step(value: pl.Expr, step: float) -> pl.Expr:
    """``runtime.round_to_step`` in Polars, step for step."""
    rounded = (value.abs() / constant_column(step) + 0.5).floor() * step
    return pl.when(value < 0).then(-rounded).otherwise(rounded)

"""Compile the validated tree to SQL for DuckDB, SQLite, PostgreSQL and Spark via sqlglot.

The tree is rebuilt as a sqlglot expression and rendered by sqlglot's generator for the target
dialect. Everything the user wrote as a literal is bound as a named parameter (``$p0``,
``:p0``, ``%(p0)s``) and wrapped in a CAST to its type so every database infers the same
types; Spark, which has no bound parameters, gets the literals re-rendered by sqlglot. All
numbers are DOUBLE, so ``1 / 2`` is 0.5 everywhere, and the places where the targets disagree
are spelled out portably:

* division: ``x / NULLIF(y, 0)`` (PostgreSQL raises, DuckDB returns inf, SQLite NULL);
* ``LEAST``/``GREATEST``: NULL when any argument is NULL (PostgreSQL would skip NULLs);
* ``LIKE``: case-sensitive with no escape character (SQLite's LIKE ignores case, so SQLite
  gets an equivalent ``GLOB``; PostgreSQL and Spark treat ``\\`` as an escape, so it is doubled);
* ``ROUND``: the shared float64 steps of ``runtime.round_half_away``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlglot import exp

from riskdesk.engine import ir, runtime
from riskdesk.engine.types import ExprType


class Dialect(StrEnum):
    DUCKDB = "duckdb"
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    SPARK = "spark"


SQL_TYPES: dict[ExprType, str] = {
    ExprType.NUMBER: "DOUBLE",
    ExprType.TEXT: "TEXT",
    ExprType.BOOLEAN: "BOOLEAN",
    ExprType.DATE: "DATE",
}


@dataclass
class Parameters:
    """Collects bound literals; in inline mode re-renders them as SQL literals instead."""

    dialect: Dialect
    inline: bool
    values: dict[str, object] = field(default_factory=dict)
    _names: dict[tuple[type, object], str] = field(default_factory=dict)

    def bind(self, value: object, expr_type: ExprType) -> exp.Expr:
        if value is None:
            return typed_null(expr_type, self.dialect)
        if self.inline or self.dialect is Dialect.SPARK:
            return cast_to(_inline_literal(value), expr_type, self.dialect)
        key = (type(value), value)
        name = self._names.get(key)
        if name is None:
            name = f"p{len(self._names)}"
            self._names[key] = name
            self.values[name] = _parameter_value(value, self.dialect)
        return cast_to(exp.Placeholder(this=name), expr_type, self.dialect)


def _inline_literal(value: object) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float):
        return exp.Literal.string(repr(value))  # text → DOUBLE parses to the exact same float
    if isinstance(value, dt.date):
        return exp.Literal.string(value.isoformat())
    return exp.Literal.string(str(value))


def _parameter_value(value: object, dialect: Dialect) -> object:
    if isinstance(value, dt.date) and dialect is Dialect.SQLITE:
        return value.isoformat()  # SQLite keeps dates as ISO text
    return value


def cast_to(value: exp.Expr, expr_type: ExprType, dialect: Dialect) -> exp.Expr:
    if expr_type is ExprType.NULL:
        return value
    if dialect is Dialect.SQLITE and expr_type is ExprType.BOOLEAN:
        return value  # SQLite has no boolean type; 0/1 compare as booleans do
    return exp.Cast(this=value, to=exp.DataType.build(SQL_TYPES[expr_type]))


def typed_null(expr_type: ExprType, dialect: Dialect) -> exp.Expr:
    return cast_to(exp.Null(), expr_type, dialect)


def number(value: float) -> exp.Expr:
    """An engine constant (0.5, 10.0, …: exact in decimal and binary) as DOUBLE."""
    return exp.Cast(this=exp.Literal.number(repr(value)), to=exp.DataType.build("DOUBLE"))


def wrap(node: exp.Expr) -> exp.Expr:
    """sqlglot renders trees as given, so every compound operand gets its own parentheses."""
    if isinstance(node, _SELF_DELIMITED) and not isinstance(node, exp.Connector):
        return node
    return exp.Paren(this=node)


# Node types whose SQL text is already delimited (a name, a literal, a call, CASE … END).
# AND/OR are ``Func`` subclasses in sqlglot, hence the Connector check above.
_SELF_DELIMITED = (
    exp.Column,
    exp.Literal,
    exp.Placeholder,
    exp.Null,
    exp.Boolean,
    exp.Paren,
    exp.Cast,
    exp.Case,
    exp.Abs,
    exp.Floor,
    exp.Coalesce,
    exp.Least,
    exp.Greatest,
    exp.Nullif,
)


ColumnOf = Callable[[str], exp.Expr]
_COMPARISONS: dict[str, type[exp.Expr]] = {
    "=": exp.EQ,
    "<>": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
_ARITHMETIC: dict[str, type[exp.Expr]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}


@dataclass
class SqlEmitter:
    dialect: Dialect
    column: ColumnOf
    parameters: Parameters

    def __call__(self, node: ir.Node) -> exp.Expr:
        return self.emit(node)

    def emit(self, node: ir.Node) -> exp.Expr:
        match node:
            case ir.Literal(value, expr_type):
                return self.parameters.bind(value, expr_type)
            case ir.FeatureRef(name):
                return self.column(name)
            case ir.Not(operand):
                return exp.Not(this=wrap(self.emit(operand)))
            case ir.Logical(op, operands):
                kind = exp.And if op == "and" else exp.Or
                parts = [wrap(self.emit(o)) for o in operands]
                return _balanced(kind, parts)
            case ir.Compare(op, left, right):
                return _COMPARISONS[op](
                    this=wrap(self.emit(left)), expression=wrap(self.emit(right))
                )
            case ir.InList(operand, items, negated):
                values = [self.parameters.bind(item, operand.type) for item in items]
                membership = exp.In(this=wrap(self.emit(operand)), expressions=values)
                return exp.Not(this=exp.Paren(this=membership)) if negated else membership
            case ir.IsNull(operand, negated):
                test = exp.Is(this=wrap(self.emit(operand)), expression=exp.Null())
                return exp.Not(this=exp.Paren(this=test)) if negated else test
            case ir.Like(operand, pattern, negated):
                matched = self.like(wrap(self.emit(operand)), pattern)
                return exp.Not(this=exp.Paren(this=matched)) if negated else matched
            case ir.Arithmetic(first, rest):
                return self.arithmetic(first, rest)
            case ir.Negate(operand):
                return exp.Neg(this=wrap(self.emit(operand)))
            case ir.Case(branches, default):
                ifs = [exp.If(this=self.emit(c), true=self.emit(v)) for c, v in branches]
                return exp.Case(ifs=ifs, default=self.emit(default))
            case ir.Coalesce(args):
                head, *others = [self.emit(a) for a in args]
                return exp.Coalesce(this=head, expressions=others) if others else head
            case ir.LeastGreatest(function, args):
                return self.least_greatest(function, [self.emit(a) for a in args], node.type)
            case ir.Abs(operand):
                return exp.Abs(this=self.emit(operand))
            case ir.Round(operand, digits):
                return round_half_away(self.emit(operand), digits)
            case ir.DaysBetween(start, end):
                days = exp.DateDiff(
                    this=self.emit(end), expression=self.emit(start), unit=exp.var("DAY")
                )
                return exp.Cast(this=days, to=exp.DataType.build("DOUBLE"))
        raise AssertionError(f"unhandled node {node!r}")

    def like(self, operand: exp.Expr, pattern: str) -> exp.Expr:
        if self.dialect is Dialect.SQLITE:
            return exp.Glob(
                this=operand, expression=self.parameters.bind(_glob(pattern), ExprType.TEXT)
            )
        if self.dialect in (Dialect.POSTGRES, Dialect.SPARK):
            pattern = pattern.replace("\\", "\\\\")
        return exp.Like(this=operand, expression=self.parameters.bind(pattern, ExprType.TEXT))

    def arithmetic(
        self, first: ir.Node, rest: tuple[tuple[ir.ArithmeticOp, ir.Node], ...]
    ) -> exp.Expr:
        result = self.emit(first)
        for op, node in rest:
            operand = self.emit(node)
            if op == "/":
                result = divide(result, operand)
            else:
                result = _ARITHMETIC[op](this=wrap(result), expression=wrap(operand))
        return result

    def least_greatest(self, function: str, args: list[exp.Expr], expr_type: ExprType) -> exp.Expr:
        if len(args) == 1:
            return args[0]
        kind = exp.Least if function == "least" else exp.Greatest
        # ignore_nulls=True stops sqlglot adding its own NULL handling: ours comes first.
        combined = kind(this=args[0], expressions=args[1:], ignore_nulls=True)
        any_null = _balanced(exp.Or, [exp.Is(this=wrap(a), expression=exp.Null()) for a in args])
        return exp.Case(
            ifs=[exp.If(this=any_null, true=typed_null(expr_type, self.dialect))],
            default=combined,
        )


def _balanced(kind: type[exp.Expr], parts: list[exp.Expr]) -> exp.Expr:
    """AND/OR are associative under Kleene logic: a balanced tree keeps SQL text shallow."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    left, right = _balanced(kind, parts[:middle]), _balanced(kind, parts[middle:])
    return kind(this=wrap(left), expression=wrap(right))


def _glob(pattern: str) -> str:
    escaped = {"*": "[*]", "?": "[?]", "[": "[[]", "%": "*", "_": "?"}
    return "".join(escaped.get(char, char) for char in pattern)


def divide(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    guarded = exp.Nullif(this=denominator, expression=number(0.0))
    return exp.Div(this=wrap(numerator), expression=guarded)


def round_half_away(value: exp.Expr, digits: int) -> exp.Expr:
    """``runtime.round_half_away`` in SQL, step for step."""
    scale = number(runtime.power_of_ten(digits))
    magnitude = exp.Abs(this=value)
    if digits >= 0:
        shifted = exp.Add(this=exp.Mul(this=magnitude, expression=scale), expression=number(0.5))
        rounded: exp.Expr = exp.Div(this=exp.Floor(this=shifted), expression=scale.copy())
    else:
        shifted = exp.Add(this=exp.Div(this=magnitude, expression=scale), expression=number(0.5))
        rounded = exp.Mul(this=exp.Floor(this=shifted), expression=scale.copy())
    return _signed(value, rounded)


def round_to_step(value: exp.Expr, step: exp.Expr) -> exp.Expr:
    """``runtime.round_to_step`` in SQL, step for step."""
    shifted = exp.Add(
        this=exp.Div(this=exp.Abs(this=value), expression=step), expression=number(0.5)
    )
    return _signed(value, exp.Mul(this=exp.Floor(this=shifted), expression=step.copy()))


def _signed(value: exp.Expr, rounded: exp.Expr) -> exp.Expr:
    negative = exp.LT(this=wrap(value.copy()), expression=number(0.0))
    return exp.Case(
        ifs=[exp.If(this=negative, true=exp.Neg(this=exp.Paren(this=rounded)))],
        default=rounded.copy(),
    )

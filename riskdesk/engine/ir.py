"""The validated, typed expression tree every backend compiles from.

The parser turns sqlglot's tree into these nodes only after the allowlist and type checks
pass, so a backend never sees anything a user could smuggle in: names are catalogue features,
literals are plain Python values, operators come from a closed set. Some SQL forms are
rewritten on the way in so the backends stay small: ``BETWEEN`` becomes two comparisons,
``IN`` with non-literal or NULL items becomes an ``OR`` of equalities, a simple ``CASE x WHEN``
becomes a searched ``CASE``, and derived features are replaced by their definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from riskdesk.engine.types import ExprType

LiteralValue = float | str | bool | dt.date | None
CompareOp = TypingLiteral["=", "<>", "<", "<=", ">", ">="]
ArithmeticOp = TypingLiteral["+", "-", "*", "/"]
Aggregate = TypingLiteral["least", "greatest"]


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue
    type: ExprType


@dataclass(frozen=True, slots=True)
class FeatureRef:
    name: str
    type: ExprType


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class Logical:
    """``AND`` / ``OR`` over two or more operands (chains are flattened to keep trees shallow)."""

    op: TypingLiteral["and", "or"]
    operands: tuple[Node, ...]
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class InList:
    """``operand [NOT] IN (...)`` where every item is a non-NULL literal of the operand's type."""

    operand: Node
    items: tuple[float | str | bool | dt.date, ...]
    negated: bool
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class IsNull:
    operand: Node
    negated: bool
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class Like:
    """``operand [NOT] LIKE 'pattern'``: ``%`` and ``_`` are wildcards, no escape character."""

    operand: Node
    pattern: str
    negated: bool
    type: ExprType = ExprType.BOOLEAN


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """A left-associative chain ``first op1 x1 op2 x2 ...`` of same-precedence operators."""

    first: Node
    rest: tuple[tuple[ArithmeticOp, Node], ...]
    type: ExprType = ExprType.NUMBER


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node
    type: ExprType = ExprType.NUMBER


@dataclass(frozen=True, slots=True)
class Case:
    branches: tuple[tuple[Node, Node], ...]
    default: Node
    type: ExprType


@dataclass(frozen=True, slots=True)
class Coalesce:
    args: tuple[Node, ...]
    type: ExprType


@dataclass(frozen=True, slots=True)
class LeastGreatest:
    """``LEAST`` / ``GREATEST``: NULL when any argument is NULL, on every target."""

    function: Aggregate
    args: tuple[Node, ...]
    type: ExprType


@dataclass(frozen=True, slots=True)
class Abs:
    operand: Node
    type: ExprType = ExprType.NUMBER


@dataclass(frozen=True, slots=True)
class Round:
    """``ROUND(x, digits)``: half away from zero, defined by the same float64 steps everywhere."""

    operand: Node
    digits: int
    type: ExprType = ExprType.NUMBER


@dataclass(frozen=True, slots=True)
class DaysBetween:
    """``DAYS_BETWEEN(start, end)``: whole days from ``start`` to ``end`` as a number."""

    start: Node
    end: Node
    type: ExprType = ExprType.NUMBER


Node = (
    Literal
    | FeatureRef
    | Not
    | Logical
    | Compare
    | InList
    | IsNull
    | Like
    | Arithmetic
    | Negate
    | Case
    | Coalesce
    | LeastGreatest
    | Abs
    | Round
    | DaysBetween
)


def children(node: Node) -> Iterator[Node]:
    """The direct sub-expressions of ``node``."""
    match node:
        case Literal() | FeatureRef():
            return
        case Not(operand) | InList(operand) | IsNull(operand) | Like(operand) | Negate(operand):
            yield operand
        case Abs(operand) | Round(operand):
            yield operand
        case Logical(_, operands):
            yield from operands
        case Compare(_, left, right):
            yield left
            yield right
        case Arithmetic(first, rest):
            yield first
            for _, operand in rest:
                yield operand
        case Case(branches, default):
            for condition, value in branches:
                yield condition
                yield value
            yield default
        case Coalesce(args) | LeastGreatest(_, args):
            yield from args
        case DaysBetween(start, end):
            yield start
            yield end


def feature_names(node: Node) -> set[str]:
    """Every feature the expression reads."""
    if isinstance(node, FeatureRef):
        return {node.name}
    names: set[str] = set()
    for child in children(node):
        names |= feature_names(child)
    return names


def depth(node: Node) -> int:
    return 1 + max((depth(child) for child in children(node)), default=0)


def map_children(node: Node, transform: Callable[[Node], Node]) -> Node:
    """``node`` with ``transform`` applied to each direct sub-expression."""
    match node:
        case Literal() | FeatureRef():
            return node
        case Not(operand):
            return Not(transform(operand))
        case InList(operand, items, negated):
            return InList(transform(operand), items, negated)
        case IsNull(operand, negated):
            return IsNull(transform(operand), negated)
        case Like(operand, pattern, negated):
            return Like(transform(operand), pattern, negated)
        case Negate(operand):
            return Negate(transform(operand))
        case Abs(operand):
            return Abs(transform(operand))
        case Round(operand, digits):
            return Round(transform(operand), digits)
        case Logical(op, operands):
            return Logical(op, tuple(transform(o) for o in operands))
        case Compare(op, left, right):
            return Compare(op, transform(left), transform(right))
        case Arithmetic(first, rest):
            return Arithmetic(transform(first), tuple((op, transform(o)) for op, o in rest))
        case Case(branches, default, case_type):
            pairs = tuple((transform(c), transform(v)) for c, v in branches)
            return Case(pairs, transform(default), case_type)
        case Coalesce(args, coalesce_type):
            return Coalesce(tuple(transform(a) for a in args), coalesce_type)
        case LeastGreatest(function, args, lg_type):
            return LeastGreatest(function, tuple(transform(a) for a in args), lg_type)
        case DaysBetween(start, end):
            return DaysBetween(transform(start), transform(end))
    raise AssertionError(f"unhandled node {node!r}")


def strict_operands(node: Node) -> list[Node]:
    """Operands whose NULL makes the whole result NULL."""
    match node:
        case Compare(_, left, right):
            return [left, right]
        case Arithmetic(first, rest):
            return [first, *(operand for _, operand in rest)]
        case LeastGreatest(_, args):
            return list(args)
        case Negate(operand) | Abs(operand) | Round(operand) | Not(operand):
            return [operand]
        case InList(operand) | Like(operand):
            return [operand]
        case DaysBetween(start, end):
            return [start, end]
    return []

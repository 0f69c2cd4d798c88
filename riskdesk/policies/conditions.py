"""The condition builder's model: a condition as rows in AND/OR groups, and back to text.

A condition is stored as expression text (DESIGN.md §3.1). The builder edits a subset of the
language that fits a form: ``feature operator value`` rows, joined by AND or OR, with one level
of parenthesised groups. ``form_to_expression`` writes that form as text;
``expression_to_form`` reads text back into it, or raises ``NotInForm`` when the text uses
anything else (arithmetic, functions, deeper nesting, a literal on the left …), so the user
keeps editing it as text. Both are pure: checking names and types is the engine's job, done on
the text either way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from riskdesk.engine import Feature, ValueType

Value = float | str | bool | dt.date
Join = Literal["AND", "OR"]

COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
LIST_OPERATORS = ("IN", "NOT IN")
NULL_OPERATORS = ("IS NULL", "IS NOT NULL")
PATTERN_OPERATORS = ("LIKE", "NOT LIKE")
OPERATORS = (*COMPARISONS, *LIST_OPERATORS, "BETWEEN", *NULL_OPERATORS, *PATTERN_OPERATORS)
JOINS: tuple[Join, ...] = ("AND", "OR")

_COMPARISON_NODES: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}


@dataclass(frozen=True, slots=True)
class Row:
    """``feature op values``: no value for IS [NOT] NULL, two for BETWEEN, one or more for
    [NOT] IN, one otherwise."""

    feature: str
    op: str
    values: tuple[Value, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    """Items joined by ``join``; at the top level an item may itself be a group of rows."""

    join: Join
    items: tuple[Row | Group, ...]


class NotInForm(ValueError):
    """The text is valid but uses more than the form can show; edit it as text."""

    def __init__(self, zh: str, en: str) -> None:
        self.message_zh = zh
        self.message_en = en
        super().__init__(f"{zh} / {en}")


# -- form → text ----------------------------------------------------------------------------


def form_to_expression(condition: Group) -> str:
    """The expression text of ``condition`` ("" for an empty one)."""
    parts = [_item_text(item) for item in normalized(condition).items]
    return f" {condition.join} ".join(parts)


def normalized(condition: Group) -> Group:
    """Empty groups dropped, one-item groups replaced by their item, a lone group lifted;
    the join of a single item is AND (it does not matter, so it has one spelling)."""
    items: list[Row | Group] = []
    for item in condition.items:
        if isinstance(item, Group):
            rows = tuple(row for row in item.items if isinstance(row, Row))
            if len(rows) == 1:
                items.append(rows[0])
            elif rows:
                items.append(Group(item.join, rows))
        else:
            items.append(item)
    if len(items) == 1 and isinstance(items[0], Group):
        return items[0]
    return Group(condition.join if len(items) > 1 else "AND", tuple(items))


def _item_text(item: Row | Group) -> str:
    if isinstance(item, Group):
        return "(" + f" {item.join} ".join(_item_text(row) for row in item.items) + ")"
    return _row_text(item)


def _row_text(row: Row) -> str:
    name, values = row.feature, row.values
    if row.op in NULL_OPERATORS:
        return f"{name} {row.op}"
    if row.op in LIST_OPERATORS:
        return f"{name} {row.op} (" + ", ".join(literal_text(v) for v in values) + ")"
    if row.op == "BETWEEN":
        low, high = values
        return f"{name} BETWEEN {literal_text(low)} AND {literal_text(high)}"
    return f"{name} {row.op} {literal_text(values[0])}"


def literal_text(value: Value) -> str:
    """A value as an expression literal: quotes in text doubled, dates as ``DATE '…'``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# -- text → form ----------------------------------------------------------------------------


def expression_to_form(text: str) -> Group:
    """The form for ``text``; raise ``NotInForm`` when the text does not fit the form.

    Call it on text the engine has accepted: names and types are not checked here.
    """
    if not text.strip():
        return Group("AND", ())
    try:
        tree = sqlglot.parse_one(text)
    except (ParseError, TokenError):
        raise _not_in_form() from None
    tree = _unwrapped(tree)
    join = _join_of(tree)
    if join is None:
        return Group("AND", (_row(tree),))
    items: list[Row | Group] = []
    for operand in _chain(tree, join):
        if isinstance(operand, exp.Paren):
            inner = _unwrapped(operand)
            inner_join = _join_of(inner)
            if inner_join is None:
                items.append(_row(inner))
            else:
                items.append(Group(inner_join, tuple(_row(x) for x in _chain(inner, inner_join))))
        elif (operand_join := _join_of(operand)) is not None:
            # ``a OR b AND c``: AND binds tighter, so its operands form a group.
            items.append(Group(operand_join, tuple(_row(x) for x in _chain(operand, operand_join))))
        else:
            items.append(_row(operand))
    return Group(join, tuple(items))


def _unwrapped(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _join_of(node: exp.Expr) -> Join | None:
    if isinstance(node, exp.And):
        return "AND"
    if isinstance(node, exp.Or):
        return "OR"
    return None


def _chain(node: exp.Expr, join: Join) -> list[exp.Expr]:
    """The operands of an unparenthesised chain of ``join``."""
    if _join_of(node) != join:
        return [node]
    return _chain(node.this, join) + _chain(node.expression, join)


def _row(node: exp.Expr) -> Row:
    negated = isinstance(node, exp.Not)
    inner = node.this if negated else node
    if isinstance(inner, exp.Column) and not negated:
        return Row(_feature(inner), "=", (True,))
    if isinstance(inner, exp.Column):
        return Row(_feature(inner), "=", (False,))
    if isinstance(inner, exp.In):
        values = tuple(_value(item) for item in inner.expressions)
        if not values or inner.args.get("query") or inner.args.get("unnest"):
            raise _not_in_form()
        return Row(_feature(inner.this), "NOT IN" if negated else "IN", values)
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        return Row(_feature(inner.this), "IS NOT NULL" if negated else "IS NULL")
    if negated:
        raise _not_in_form()
    if isinstance(inner, exp.Between):
        low, high = _value(inner.args["low"]), _value(inner.args["high"])
        return Row(_feature(inner.this), "BETWEEN", (low, high))
    if isinstance(inner, exp.Like) and not inner.args.get("escape"):
        op = "NOT LIKE" if inner.args.get("negate") else "LIKE"
        return Row(_feature(inner.this), op, (_value(inner.expression),))
    op = _COMPARISON_NODES.get(type(inner))
    if op is None:
        raise _not_in_form()
    return Row(_feature(inner.this), op, (_value(inner.expression),))


def _feature(node: exp.Expr) -> str:
    if not isinstance(node, exp.Column) or node.table or node.this.quoted:
        raise _not_in_form()
    return str(node.name)


def _value(node: exp.Expr) -> Value:
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return -float(node.this.this)
    if isinstance(node, exp.Literal):
        return str(node.this) if node.is_string else float(node.this)
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
        target = node.args.get("to")
        if isinstance(target, exp.DataType) and target.this == exp.DataType.Type.DATE:
            try:
                return dt.date.fromisoformat(node.this.this)
            except ValueError:
                pass
    raise _not_in_form()


def _not_in_form() -> NotInForm:
    return NotInForm(
        "此表达式超出表单能表示的范围，请以文本方式编辑",
        "this expression goes beyond what the form can show; edit it as text",
    )


# -- posted form fields → form ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A value in the builder that cannot be read (e.g. ``abc`` for a number)."""

    where: str  # the form field name
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


def parse_value(raw: str, value_type: ValueType) -> Value:
    """A value typed into the builder, as the feature's type; ``ValueError`` when it is not."""
    text = raw.strip()
    if value_type in (ValueType.NUMBER, ValueType.INTEGER):
        try:
            number = float(Decimal(text.replace(",", "")))
        except InvalidOperation:
            raise ValueError(text) from None
        if not math.isfinite(number):
            raise ValueError(text)
        return number
    if value_type is ValueType.BOOLEAN:
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    if value_type is ValueType.DATE:
        return dt.date.fromisoformat(text)
    return raw


def value_as_input(value: Value) -> str:
    """A value as the builder's input shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return literal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


Getter = Callable[[str], list[str]]


def form_from_fields(
    get: Getter, prefix: str, features: Mapping[str, Feature]
) -> tuple[Group, list[FieldProblem]]:
    """The condition posted by the builder under ``prefix``, and any unreadable values.

    Fields: ``{prefix}-join``, ``{prefix}-groups`` (how many), per group ``{prefix}-g{i}-join``
    and ``-rows``, per row ``{prefix}-g{i}-r{j}-feature``, ``-op`` and ``-value`` (repeated for
    IN lists and for BETWEEN's two bounds).
    """
    problems: list[FieldProblem] = []
    groups: list[Row | Group] = []
    for g in range(_count(get, f"{prefix}-groups")):
        base = f"{prefix}-g{g}"
        rows = []
        for r in range(_count(get, f"{base}-rows")):
            row = _row_from_fields(get, f"{base}-r{r}", features, problems)
            if row is not None:
                rows.append(row)
        groups.append(Group(_join(get, f"{base}-join"), tuple(rows)))
    return Group(_join(get, f"{prefix}-join"), tuple(groups)), problems


def _count(get: Getter, name: str) -> int:
    values = get(name)
    return min(int(values[0]), 50) if values and values[0].isdigit() else 0


def _join(get: Getter, name: str) -> Join:
    values = get(name)
    return "OR" if values and values[0] == "OR" else "AND"


def _row_from_fields(
    get: Getter, base: str, features: Mapping[str, Feature], problems: list[FieldProblem]
) -> Row | None:
    name = (get(f"{base}-feature") or [""])[0]
    op = (get(f"{base}-op") or [""])[0]
    feature = features.get(name)
    if feature is None or op not in OPERATORS:
        return None
    if op in NULL_OPERATORS:
        return Row(name, op)
    raw_values = [v for v in get(f"{base}-value") if v.strip()]
    if op in LIST_OPERATORS:
        raw_values = _split_list(raw_values, feature)
    value_type = ValueType.TEXT if op in PATTERN_OPERATORS else feature.type
    values = []
    for raw in raw_values:
        try:
            values.append(parse_value(raw, value_type))
        except ValueError:
            problems.append(_unreadable(f"{base}-value", raw, feature))
    wanted = {"BETWEEN": 2}.get(op, 1)
    if len(values) < wanted and len(raw_values) == len(values):
        problems.append(
            FieldProblem(
                f"{base}-value", f"{feature.label_zh}：请填写取值", f"{name}: enter a value"
            )
        )
    if len(values) < wanted or (op not in LIST_OPERATORS and len(values) > wanted):
        return None
    return Row(name, op, tuple(values))


def _split_list(raw_values: list[str], feature: Feature) -> list[str]:
    """IN lists: a multiple select gives one value per field; a text box takes commas."""
    if feature.allowed_values:
        return raw_values
    return [part.strip() for raw in raw_values for part in raw.split(",") if part.strip()]


def _unreadable(where: str, raw: str, feature: Feature) -> FieldProblem:
    kinds = {
        ValueType.NUMBER: ("数值", "a number"),
        ValueType.INTEGER: ("数值", "a number"),
        ValueType.BOOLEAN: ("是/否", "true or false"),
        ValueType.DATE: ("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
    }
    zh, en = kinds.get(feature.type, ("文本", "text"))
    return FieldProblem(
        where,
        f"{feature.label_zh}：{raw!r} 不是有效的{zh}",
        f"{feature.name}: {raw!r} is not {en}",
    )

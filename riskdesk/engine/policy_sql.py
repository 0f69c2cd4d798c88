"""``policy_sql``: the whole policy as one ``SELECT … FROM features`` for a warehouse.

The query is a chain of CTEs that mirrors ``table.py`` stage for stage: typed inputs, admission
and points, score, rating, credit, then the output columns (the same names and values as
``evaluate_table`` and ``riskdesk policy evaluate``). The feature table must have a column for
every input feature the policy reads (``CompiledPolicy.input_features``), NULL where unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce

from sqlglot import exp

from riskdesk.engine.compiler import CompiledIndicator, CompiledPolicy
from riskdesk.engine.errors import ErrorCode, ExpressionError
from riskdesk.engine.expression import SqlFragment
from riskdesk.engine.policy import Outcome
from riskdesk.engine.sql_backend import (
    Dialect,
    Parameters,
    SqlEmitter,
    cast_to,
    number,
    round_to_step,
    typed_null,
    wrap,
)
from riskdesk.engine.table import INPUT_PREFIX, output_columns
from riskdesk.engine.types import ExprType

SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$")


def _name(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _checked_name(name: str) -> str:
    if not SQL_NAME.match(name):
        raise ExpressionError(
            ErrorCode.INVALID_VALUE,
            f"无效的表名或列名 {name!r}",
            f"invalid table or column name {name!r}",
            text=name,
        )
    return name


def policy_sql(
    compiled: CompiledPolicy,
    dialect: str,
    *,
    table: str = "features",
    keep: Sequence[str] = ("id",),
    inline_literals: bool = False,
    detail: bool = True,
) -> SqlFragment:
    """The policy as SQL for ``dialect`` (duckdb, sqlite, postgres, spark).

    Literals are bound as named parameters unless ``inline_literals`` (Spark always inlines).
    """
    target = Dialect(dialect)
    builder = _QueryBuilder(compiled, target, Parameters(target, inline_literals), detail)
    kept = [_checked_name(name) for name in keep]
    query = builder.query(_checked_name(table), kept)
    return SqlFragment(query.sql(dialect=target.value, pretty=True), builder.parameters.values)


class _QueryBuilder:
    def __init__(
        self, compiled: CompiledPolicy, dialect: Dialect, parameters: Parameters, detail: bool
    ):
        self.compiled = compiled
        self.detail = detail
        self.dialect = dialect
        self.parameters = parameters
        self.emitter = SqlEmitter(dialect, self.column_of, parameters)

    def column_of(self, name: str) -> exp.Expr:
        return _col(name if name in ("score", "grade") else INPUT_PREFIX + name)

    def number(self, value: float) -> exp.Expr:
        return self.parameters.bind(float(value), ExprType.NUMBER)

    def text(self, value: str) -> exp.Expr:
        return self.parameters.bind(value, ExprType.TEXT)

    def query(self, table: str, kept: list[str]) -> exp.Expr:
        stages: list[tuple[str, list[exp.Expr]]] = [
            ("__stage_points", self.admission() + self.points()),
            ("__stage_score", [self.score(), *(self.ranks() if self.detail else [])]),
            ("__stage_rule", [self.rule_index()]),
            ("__stage_grade", self.grade()),
            ("__stage_case", [self.case_index()]),
            ("__stage_limit", [self.raw_limit()]),
        ]
        select = exp.select(*self.typed_inputs(kept)).from_(exp.to_table(table))
        ctes = [("__typed", select)]
        previous = "__typed"
        for name, columns in stages:
            ctes.append((name, exp.select(exp.Star(), *columns).from_(previous)))
            previous = name
        final = exp.select(*(_col(name) for name in kept), *self.outputs()).from_(previous)
        for name, cte in ctes:
            final = final.with_(name, as_=cte)
        return final

    def typed_inputs(self, kept: list[str]) -> list[exp.Expr]:
        columns: list[exp.Expr] = [_col(name) for name in kept]
        for name in self.compiled.input_features:
            expr_type = self.compiled.catalogue[name].expr_type
            typed = cast_to(_col(name), expr_type, self.dialect)
            if self.dialect is Dialect.SQLITE and expr_type is ExprType.DATE:
                typed = exp.Anonymous(this="DATE", expressions=[_col(name)])
            columns.append(exp.alias_(typed, _name(INPUT_PREFIX + name)))
        return columns

    def admission(self) -> list[exp.Expr]:
        failed = {c.check.id: self.emitter.emit(c.condition.node) for c in self.compiled.checks}
        by_outcome = {
            outcome: [
                failed[c.check.id] for c in self.compiled.checks if c.check.outcome is outcome
            ]
            for outcome in (Outcome.REJECT, Outcome.REVIEW)
        }
        ifs = [
            exp.If(this=_any(by_outcome[outcome]), true=self.text(outcome.value))
            for outcome in (Outcome.REJECT, Outcome.REVIEW)
            if by_outcome[outcome]
        ]
        admission = (
            exp.Case(ifs=ifs, default=self.text(Outcome.PASS.value)) if ifs else self.text("pass")
        )
        pieces = [
            exp.Case(
                ifs=[exp.If(this=condition, true=self.text("," + check_id))], default=self.text("")
            )
            for check_id, condition in failed.items()
        ]
        return [
            exp.alias_(admission, _name("admission")),
            exp.alias_(_joined(pieces, self.text), _name("admission_reasons")),
        ]

    def points(self) -> list[exp.Expr]:
        return [
            exp.alias_(self.indicator_points(item), _name(f"points_{item.indicator.key}"))
            for item in self.compiled.indicators
        ]

    def indicator_points(self, item: CompiledIndicator) -> exp.Expr:
        indicator = item.indicator
        value = self.emitter.emit(item.value.node)
        ifs = [
            exp.If(
                this=exp.Is(this=wrap(value), expression=exp.Null()),
                true=self.number(indicator.missing_points),
            )
        ]
        if item.is_categorical:
            for key, points in indicator.categories:
                bound = self.parameters.bind(key, item.value.type)
                ifs.append(
                    exp.If(
                        this=exp.EQ(this=wrap(value.copy()), expression=bound),
                        true=self.number(points),
                    )
                )
            return exp.Case(ifs=ifs, default=self.number(indicator.other_points))
        default: exp.Expr = self.number(indicator.bins[-1].points)
        for item_bin in indicator.bins[:-1]:
            below = exp.LT(this=wrap(value.copy()), expression=self.number(item_bin.below or 0.0))
            ifs.append(exp.If(this=below, true=self.number(item_bin.points)))
        return exp.Case(ifs=ifs, default=default)

    def score(self) -> exp.Expr:
        if not self.compiled.indicators:
            return exp.alias_(typed_null(ExprType.NUMBER, self.dialect), _name("score"))
        terms: list[exp.Expr] = [
            exp.Mul(
                this=_col(f"points_{i.indicator.key}"), expression=self.number(i.indicator.weight)
            )
            for i in self.compiled.indicators
        ]
        weighted: exp.Expr = reduce(lambda a, b: exp.Add(this=a, expression=b), terms)
        total = exp.Div(
            this=exp.Paren(this=weighted), expression=self.number(self.compiled.weight_total)
        )
        return exp.alias_(total, _name("score"))

    def loss(self, item: CompiledIndicator) -> exp.Expr:
        shortfall = exp.Sub(this=number(100.0), expression=_col(f"points_{item.indicator.key}"))
        return exp.Mul(
            this=self.number(item.indicator.weight), expression=exp.Paren(this=shortfall)
        )

    def ranks(self) -> list[exp.Expr]:
        """Rank of each indicator's loss (see ``table._reason_codes``)."""
        indicators = self.compiled.indicators
        if self.compiled.tables.reason_code_count == 0:
            return []
        ranks = []
        for i, item in enumerate(indicators):
            terms: list[exp.Expr] = [number(0.0)]
            for j, other in enumerate(indicators):
                if j == i:
                    continue
                kind = exp.GTE if j < i else exp.GT
                ahead = kind(this=wrap(self.loss(other)), expression=wrap(self.loss(item)))
                terms.append(
                    exp.Case(ifs=[exp.If(this=ahead, true=number(1.0))], default=number(0.0))
                )
            total = reduce(lambda a, b: exp.Add(this=a, expression=b), terms)
            ranks.append(exp.alias_(total, _name(f"__rank_{item.indicator.key}")))
        return ranks

    def rule_index(self) -> exp.Expr:
        conditions = [self.emitter.emit(r.condition.node) for r in self.compiled.rules]
        return exp.alias_(_first_index(conditions), _name("__rule"))

    def grade(self) -> list[exp.Expr]:
        rules = self.compiled.rules
        rating = self.compiled.policy.rating
        band: exp.Expr = typed_null(ExprType.TEXT, self.dialect)
        if rating is not None and rating.bands and self.compiled.indicators:
            ifs = [
                exp.If(
                    this=exp.GTE(this=_col("score"), expression=self.number(b.min_score)),
                    true=self.text(b.grade),
                )
                for b in rating.bands[:-1]
                if b.min_score is not None
            ]
            band = (
                exp.Case(ifs=ifs, default=self.text(rating.bands[-1].grade))
                if ifs
                else self.text(rating.bands[-1].grade)
            )
        lists = [r.rule.list.value if r.rule.list else None for r in rules]
        return [
            exp.alias_(self.lookup("__rule", [r.rule.grade for r in rules], band), _name("grade")),
            exp.alias_(self.lookup("__rule", lists, None), _name("list")),
            exp.alias_(
                self.lookup("__rule", [r.rule.id for r in rules], None), _name("rating_rule")
            ),
        ]

    def lookup(
        self, index: str, values: Sequence[str | None], default: exp.Expr | None
    ) -> exp.Expr:
        ifs = [
            exp.If(
                this=exp.EQ(this=_col(index), expression=number(float(position))),
                true=self.text(value),
            )
            for position, value in enumerate(values)
            if value is not None
        ]
        fallback = default if default is not None else typed_null(ExprType.TEXT, self.dialect)
        return exp.Case(ifs=ifs, default=fallback) if ifs else fallback

    def case_index(self) -> exp.Expr:
        conditions = [
            exp.true() if c.condition is None else self.emitter.emit(c.condition.node)
            for c in self.compiled.cases
        ]
        return exp.alias_(_first_index(conditions), _name("__case"))

    def raw_limit(self) -> exp.Expr:
        ifs = [
            exp.If(
                this=exp.EQ(this=_col("__case"), expression=number(float(index))),
                true=self.emitter.emit(c.limit.node),
            )
            for index, c in enumerate(self.compiled.cases)
        ]
        raw = (
            exp.Case(ifs=ifs, default=typed_null(ExprType.NUMBER, self.dialect))
            if ifs
            else typed_null(ExprType.NUMBER, self.dialect)
        )
        return exp.alias_(raw, _name("__raw_limit"))

    def final_limit(self) -> exp.Expr:
        credit = self.compiled.policy.credit
        if credit is None:
            return typed_null(ExprType.NUMBER, self.dialect)
        raw = _col("__raw_limit")
        value: exp.Expr = raw.copy()
        if credit.round_to is not None:
            value = round_to_step(value, self.number(credit.round_to))
        value = exp.Greatest(
            this=value, expressions=[self.number(credit.min or 0.0)], ignore_nulls=True
        )
        if credit.max is not None:
            value = exp.Least(this=value, expressions=[self.number(credit.max)], ignore_nulls=True)
        is_null = exp.Is(this=raw, expression=exp.Null())
        return exp.Case(
            ifs=[exp.If(this=is_null, true=typed_null(ExprType.NUMBER, self.dialect))],
            default=value,
        )

    def reason_codes(self) -> exp.Expr:
        indicators = self.compiled.indicators
        count = min(self.compiled.tables.reason_code_count, len(indicators))
        pieces = []
        for slot in range(count):
            ifs = []
            for item in indicators:
                key = item.indicator.key
                in_slot = exp.EQ(this=_col(f"__rank_{key}"), expression=number(float(slot)))
                loses = exp.GT(this=wrap(self.loss(item)), expression=number(0.0))
                ifs.append(
                    exp.If(
                        this=exp.And(this=wrap(in_slot), expression=wrap(loses)),
                        true=self.text("," + key),
                    )
                )
            pieces.append(exp.Case(ifs=ifs, default=self.text("")))
        return _joined(pieces, self.text)

    def outputs(self) -> list[exp.Expr]:
        computed = {"limit": self.final_limit()}
        if self.detail:
            cases = [c.case.id for c in self.compiled.cases]
            computed["credit_case"] = self.lookup("__case", cases, None)
            computed["reason_codes"] = self.reason_codes()
        tables = self.compiled.tables
        shares = zip(tables.keys, tables.shares, strict=True) if self.detail else iter(())
        for key, share in shares:
            product = exp.Mul(this=_col(f"points_{key}"), expression=self.number(share))
            computed[f"contribution_{key}"] = product
        return [
            exp.alias_(computed[name], _name(name)) if name in computed else _col(name)
            for name in output_columns(self.compiled, detail=self.detail)
        ]


def _any(conditions: list[exp.Expr]) -> exp.Expr:
    return reduce(lambda a, b: exp.Or(this=wrap(a), expression=wrap(b)), conditions)


def _first_index(conditions: list[exp.Expr]) -> exp.Expr:
    ifs = [
        exp.If(this=condition, true=number(float(index)))
        for index, condition in enumerate(conditions)
    ]
    return exp.Case(ifs=ifs, default=number(-1.0)) if ifs else number(-1.0)


def _joined(pieces: Sequence[exp.Expr], text: object) -> exp.Expr:
    """Concatenate ``,id`` pieces and drop the leading comma (portable: no CONCAT_WS)."""
    if not pieces:
        return text("")  # type: ignore[operator,no-any-return]
    concatenated = reduce(lambda a, b: exp.DPipe(this=a, expression=b), pieces)
    return exp.Substring(this=exp.Paren(this=concatenated), start=exp.Literal.number(2))

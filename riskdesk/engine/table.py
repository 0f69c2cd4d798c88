"""``evaluate_table``: a policy over a whole Polars DataFrame, as one lazy query.

The stages mirror the single-record function step for step (same comparisons, same float64
operations in the same order), so every row gets the value ``evaluate_one`` would give it.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from functools import cache, reduce
from typing import Any, cast

import polars as pl

from riskdesk.engine.compiler import CompiledIndicator, CompiledPolicy
from riskdesk.engine.errors import FeatureValueError
from riskdesk.engine.polars_backend import (
    POLARS_TYPES,
    constant_column,
    polars_expression,
    round_to_step,
)
from riskdesk.engine.policy import Outcome
from riskdesk.engine.types import ExprType

INPUT_PREFIX = "__in_"
OUTPUT_COLUMNS = ("admission", "admission_reasons", "grade", "list", "rating_rule", "score")
TRUE_TEXT = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}


def _input(name: str) -> pl.Expr:
    return pl.col(INPUT_PREFIX + name)


def _column_of(name: str) -> pl.Expr:
    if name == "score":
        return pl.col("score")
    if name == "grade":
        return pl.col("grade")
    return _input(name)


def output_columns(compiled: CompiledPolicy, *, detail: bool = True) -> list[str]:
    """The result columns, in order (after any kept input columns).

    Without ``detail``: the columns of ``riskdesk policy evaluate`` (admission …, limit and
    ``points_<key>``). With it, also the credit case, reason codes and contributions.
    """
    keys = [i.indicator.key for i in compiled.indicators]
    points = [f"points_{key}" for key in keys]
    if not detail:
        return [*OUTPUT_COLUMNS, "limit", *points]
    contributions = [f"contribution_{key}" for key in keys]
    return [*OUTPUT_COLUMNS, "limit", "credit_case", "reason_codes", *points, *contributions]


def evaluate_table(
    compiled: CompiledPolicy,
    table: pl.DataFrame,
    *,
    keep: Sequence[str] = ("id",),
    detail: bool = True,
) -> pl.DataFrame:
    """One output row per input row; ``keep`` columns present in ``table`` come first.

    A feature column missing from ``table`` is NULL for every row, as a missing key is on the
    single-record path. ``admission_reasons`` and ``reason_codes`` are comma-separated ids.
    """
    kept = [name for name in keep if name in table.columns]
    prepared = table.lazy().select(
        *(pl.col(name) for name in kept),
        *(_prepared(table, name, compiled) for name in compiled.input_features),
    )
    query = prepared
    for stage in _stages(compiled, detail):
        query = query.with_columns(stage)
    query = query.select(*kept, *output_columns(compiled, detail=detail))
    try:
        return query.collect()
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as error:
        first_line = str(error).splitlines()[0]
        raise FeatureValueError("input table", first_line, ExprType.NUMBER) from None


Stage = tuple[pl.Expr, ...]
_STAGES: dict[tuple[int, bool], tuple[Stage, ...]] = {}


def _stages(compiled: CompiledPolicy, detail: bool) -> tuple[Stage, ...]:
    """The policy's stages after the input columns, built once per compiled policy.

    Building the expressions costs about 10 ms of Python, most of a 10k-row evaluation; they
    depend only on the policy, so they are kept until the compiled policy is collected.
    """
    key = (id(compiled), detail)
    stages = _STAGES.get(key)
    if stages is None:
        stages = _build_stages(compiled, detail)
        _STAGES[key] = stages
        weakref.finalize(compiled, _STAGES.pop, key, None)
    return stages


def _build_stages(compiled: CompiledPolicy, detail: bool) -> tuple[Stage, ...]:
    # Indexes (first matching rule, credit case, failed-check mask) are materialised in their
    # own stage and looked up in the next, so no condition is evaluated twice.
    first = [*_admission_codes(compiled), *_points(compiled)]
    if detail:  # in the same stage as the points, so the bin tests are shared
        first += _loss_keys(compiled)
    stages = [
        first,
        [_score(compiled)],
        [_rule_index(compiled)],
        [*_admission(compiled), *_rating(compiled)],
        [_case_index(compiled)],
        _credit(compiled),
        [_final_limit(compiled)],
    ]
    if detail:
        stages += [*_top_losses(compiled), _contributions(compiled)]
    return tuple(tuple(stage) for stage in stages)


def _prepared(table: pl.DataFrame, name: str, compiled: CompiledPolicy) -> pl.Expr:
    """A feature column converted to the catalogue's type, as the single-record path does."""
    expr_type = compiled.catalogue[name].expr_type
    target = POLARS_TYPES[expr_type]
    alias = INPUT_PREFIX + name
    if name not in table.columns:
        return pl.lit(None, dtype=target).alias(alias)
    dtype = table.schema[name]
    column = pl.col(name)
    if dtype == pl.Null:
        return column.cast(target).alias(alias)
    if expr_type is ExprType.NUMBER:
        # Numeric text is parsed strictly; anything else fails the query (FeatureValueError).
        _require(dtype.is_numeric() or dtype in (pl.Decimal, pl.String), name, dtype, expr_type)
        return column.cast(pl.Float64, strict=True).fill_nan(None).alias(alias)
    if expr_type is ExprType.TEXT:
        _require(dtype in (pl.String, pl.Categorical, pl.Enum), name, dtype, expr_type)
        return column.cast(pl.String).alias(alias)
    if expr_type is ExprType.BOOLEAN:
        if dtype == pl.String:
            lowered = column.str.to_lowercase()
            return lowered.replace_strict(TRUE_TEXT, return_dtype=pl.Boolean).alias(alias)
        _require(dtype == pl.Boolean or dtype.is_integer(), name, dtype, expr_type)
        return column.cast(pl.Boolean).alias(alias)
    if dtype == pl.String:
        return column.str.slice(0, 10).str.to_date("%Y-%m-%d").alias(alias)
    _require(dtype in (pl.Date, pl.Datetime), name, dtype, expr_type)
    return column.cast(pl.Date).alias(alias)


def _require(condition: bool, name: str, dtype: object, expr_type: ExprType) -> None:
    if not condition:
        raise FeatureValueError(name, f"<{dtype} column>", expr_type)


def _any(conditions: list[pl.Expr]) -> pl.Expr:
    return reduce(lambda a, b: a | b, conditions) if conditions else pl.lit(False)


def _enum_lookup(index: pl.Expr, values: Sequence[str | None]) -> pl.Expr:
    """``values[index]`` (NULL for a negative or NULL index) as an Enum column.

    String columns are the slowest thing Polars builds; an Enum gather copies small integers,
    and the values still read back, compare and write out as text.
    """
    categories = list(dict.fromkeys(value for value in values if value is not None))
    if not categories:
        return pl.lit(None, dtype=pl.String)
    table = pl.Series(list(values), dtype=pl.Enum(categories))
    return pl.lit(table).gather(pl.when(index >= 0).then(index))


MAX_MASKED_CHECKS = 12  # up to 4096 precomputed reason strings; beyond, strings are concatenated


def _admission_codes(compiled: CompiledPolicy) -> list[pl.Expr]:
    """``__severity`` (0 pass, 1 review, 2 reject) and ``__failed`` (bit mask of failed checks)."""
    checks = compiled.checks
    failed = [polars_expression(c.condition.node, _column_of).fill_null(False) for c in checks]
    by_outcome = {
        outcome: [f for f, c in zip(failed, checks, strict=True) if c.check.outcome is outcome]
        for outcome in (Outcome.REJECT, Outcome.REVIEW)
    }
    severity = (
        pl.when(_any(by_outcome[Outcome.REJECT]))
        .then(pl.lit(2, dtype=pl.Int32))
        .when(_any(by_outcome[Outcome.REVIEW]))
        .then(pl.lit(1, dtype=pl.Int32))
        .otherwise(pl.lit(0, dtype=pl.Int32))
    )
    codes = [severity.alias("__severity")]
    if 0 < len(checks) <= MAX_MASKED_CHECKS:
        bits = [f.cast(pl.Int32) * (1 << bit) for bit, f in enumerate(failed)]
        codes.append(reduce(lambda a, b: a + b, bits).alias("__failed"))
    elif checks:
        pieces = [pl.when(f).then(pl.lit(c.check.id)) for f, c in zip(failed, checks, strict=True)]
        joined = pl.concat_str(pieces, separator=",", ignore_nulls=True).fill_null("")
        codes.append(joined.alias("__failed"))
    return codes


def _admission(compiled: CompiledPolicy) -> list[pl.Expr]:
    outcomes = [Outcome.PASS.value, Outcome.REVIEW.value, Outcome.REJECT.value]
    ids = [c.check.id for c in compiled.checks]
    if not ids:
        reasons = pl.lit("")
    elif len(ids) <= MAX_MASKED_CHECKS:
        texts = [
            ",".join(check for bit, check in enumerate(ids) if combination >> bit & 1)
            for combination in range(1 << len(ids))
        ]
        reasons = _enum_lookup(pl.col("__failed"), texts)
    else:
        reasons = pl.col("__failed")
    return [
        _enum_lookup(pl.col("__severity"), outcomes).alias("admission"),
        reasons.alias("admission_reasons"),
    ]


def _points(compiled: CompiledPolicy) -> list[pl.Expr]:
    return [
        _indicator_points(item).alias(f"points_{item.indicator.key}")
        for item in compiled.indicators
    ]


def _indicator_points(item: CompiledIndicator) -> pl.Expr:
    indicator = item.indicator
    return _indicator_chain(
        item,
        missing=indicator.missing_points,
        bins=[b.points for b in indicator.bins],
        categories=[points for _, points in indicator.categories],
        other=indicator.other_points,
        dtype=pl.Float64,
    )


def _indicator_chain(
    item: CompiledIndicator,
    *,
    missing: float,
    bins: Sequence[float],
    categories: Sequence[float],
    other: float,
    dtype: type[pl.DataType],
) -> pl.Expr:
    """The indicator's placement (missing, bin, category or other) mapped to given outputs."""
    indicator = item.indicator
    value = polars_expression(item.value.node, _column_of)
    chain: Any = pl.when(value.is_null()).then(pl.lit(missing, dtype=dtype))
    if item.is_categorical:  # a few equality tests beat replace_strict on text by far
        for (key, _), output in zip(indicator.categories, categories, strict=True):
            chain = chain.when(value == key).then(pl.lit(output, dtype=dtype))
        return cast(pl.Expr, chain.otherwise(pl.lit(other, dtype=dtype)))
    for item_bin, output in zip(indicator.bins, bins, strict=True):
        output_literal = pl.lit(output, dtype=dtype)
        if item_bin.below is None:
            return cast(pl.Expr, chain.otherwise(output_literal))
        chain = chain.when(value < item_bin.below).then(output_literal)
    raise AssertionError("validated bins end with an open bin")


def _weights(compiled: CompiledPolicy) -> list[tuple[str, float]]:
    return [(i.indicator.key, i.indicator.weight) for i in compiled.indicators]


def _score(compiled: CompiledPolicy) -> pl.Expr:
    if not compiled.indicators:
        return pl.lit(None, dtype=pl.Float64).alias("score")
    terms = [pl.col(f"points_{key}") * weight for key, weight in _weights(compiled)]
    weighted = reduce(lambda a, b: a + b, terms)
    return (weighted / constant_column(compiled.weight_total)).alias("score")


def _index_of_first(conditions: list[pl.Expr]) -> pl.Expr:
    """The index of the first TRUE condition (NULL counts as not matched), or -1."""
    if not conditions:
        return pl.lit(-1, dtype=pl.Int32)
    chain: Any = pl.when(conditions[0]).then(pl.lit(0, dtype=pl.Int32))
    for index, condition in enumerate(conditions[1:], start=1):
        chain = chain.when(condition).then(pl.lit(index, dtype=pl.Int32))
    return cast(pl.Expr, chain.otherwise(pl.lit(-1, dtype=pl.Int32)))


def _rule_index(compiled: CompiledPolicy) -> pl.Expr:
    conditions = [polars_expression(r.condition.node, _column_of) for r in compiled.rules]
    return _index_of_first(conditions).alias("__rule")


def _rating(compiled: CompiledPolicy) -> list[pl.Expr]:
    rule = pl.col("__rule")
    codes = [g.code for g in compiled.policy.grades]
    grades = pl.Enum(codes) if codes else pl.String
    rating = compiled.policy.rating
    band = pl.lit(None, dtype=grades)
    if rating is not None and rating.bands and compiled.indicators:
        band = pl.lit(rating.bands[-1].grade, dtype=grades)
        for item in reversed(rating.bands[:-1]):
            band = (
                pl.when(pl.col("score") >= item.min_score)
                .then(pl.lit(item.grade, dtype=grades))
                .otherwise(band)
            )
    by_rule = pl.lit(pl.Series([r.rule.grade for r in compiled.rules], dtype=grades))
    grade = pl.when(rule >= 0).then(by_rule.gather(pl.when(rule >= 0).then(rule)))
    lists = [r.rule.list.value if r.rule.list else None for r in compiled.rules]
    return [
        grade.otherwise(band).alias("grade"),
        _enum_lookup(rule, lists).alias("list"),
        _enum_lookup(rule, [r.rule.id for r in compiled.rules]).alias("rating_rule"),
    ]


def _case_index(compiled: CompiledPolicy) -> pl.Expr:
    conditions = [
        pl.lit(True) if c.condition is None else polars_expression(c.condition.node, _column_of)
        for c in compiled.cases
    ]
    return _index_of_first(conditions).alias("__case")


def _credit(compiled: CompiledPolicy) -> list[pl.Expr]:
    credit = compiled.policy.credit
    if credit is None:
        return [
            pl.lit(None, dtype=pl.Float64).alias("__raw_limit"),
            pl.lit(None, dtype=pl.String).alias("credit_case"),
        ]
    case = pl.col("__case")
    raw = pl.lit(None, dtype=pl.Float64)
    for index in reversed(range(len(compiled.cases))):
        limit = polars_expression(compiled.cases[index].limit.node, _column_of)
        raw = pl.when(case == index).then(limit).otherwise(raw)
    case_id = _enum_lookup(case, [c.case.id for c in compiled.cases])
    return [raw.alias("__raw_limit"), case_id.alias("credit_case")]


def _final_limit(compiled: CompiledPolicy) -> pl.Expr:
    """Round to ``round_to``, then clamp to [min (default 0), max], as every path does."""
    credit = compiled.policy.credit
    raw = pl.col("__raw_limit")
    if credit is None:
        return raw.alias("limit")
    value = round_to_step(raw, credit.round_to) if credit.round_to is not None else raw
    value = pl.max_horizontal(value, pl.lit(credit.min or 0.0))
    if credit.max is not None:
        value = pl.min_horizontal(value, pl.lit(credit.max))
    return pl.when(raw.is_null()).then(None).otherwise(value).alias("limit")


def _contributions(compiled: CompiledPolicy) -> list[pl.Expr]:
    shares = [
        (pl.col(f"points_{key}") * share).alias(f"contribution_{key}")
        for key, share in zip(compiled.tables.keys, compiled.tables.shares, strict=True)
    ]
    return [*shares, _reason_codes(compiled)]


def _loss(weight: float, points: float) -> float:
    return weight * (100.0 - points)  # the single-record path's float64 steps


def _loss_keys(compiled: CompiledPolicy) -> list[pl.Expr]:
    """``__key_<key>``: an integer that orders indicators as the reason codes rank them.

    Every indicator's points come from a short list fixed by the policy, so its loss
    ``weight × (100 − points)`` does too. Ranking all possible positive losses gives
    ``key = rank × (n + 1) + (n − index)``: a bigger loss is a bigger key, an equal loss
    earlier in the policy is a bigger key, no loss is 0, and the low digit names the
    indicator. Ordering the keys is then a few integer maxima instead of comparing losses.
    """
    possible = {_loss(i.indicator.weight, p) for i in compiled.indicators for p in _options(i)}
    rank = {loss: r for r, loss in enumerate(sorted(x for x in possible if x > 0), start=1)}
    base = len(compiled.indicators) + 1
    keys = []
    for index, item in enumerate(compiled.indicators):
        indicator, tie = item.indicator, base - 1 - index

        def key(points: float, weight: float = indicator.weight, tie: int = tie) -> int:
            loss = _loss(weight, points)
            return rank[loss] * base + tie if loss > 0 else 0

        chain = _indicator_chain(
            item,
            missing=key(indicator.missing_points),
            bins=[key(b.points) for b in indicator.bins],
            categories=[key(points) for _, points in indicator.categories],
            other=key(indicator.other_points),
            dtype=pl.Int32,
        )
        keys.append(chain.alias(f"__key_{indicator.key}"))
    return keys


def _options(item: CompiledIndicator) -> list[float]:
    """Every value the indicator's points can take (its chain's outputs)."""
    indicator = item.indicator
    categories = (points for _, points in indicator.categories)
    bins = (b.points for b in indicator.bins)
    return [indicator.missing_points, indicator.other_points, *bins, *categories]


def _top_losses(compiled: CompiledPolicy) -> list[list[pl.Expr]]:
    """Stages giving ``__top_0 … __top_<count-1>``: each row's largest loss keys, largest first.

    One indicator at a time is pushed through the sorted slots (a running top-k), so the cost
    grows with the number of indicators, not its square. Each step is its own stage: nested,
    the slots would be recomputed once per use.
    """
    keys = [f"__key_{key}" for key in compiled.tables.keys]
    count = min(compiled.tables.reason_code_count, len(keys))
    if count == 0:
        return []
    slots = [f"__top_{slot}" for slot in range(count)]
    stages = [[pl.lit(0, dtype=pl.Int32).alias(slot) for slot in slots]]
    for key in keys:
        carried = pl.col(key)
        updates = []
        for slot in slots:
            current = pl.col(slot)
            updates.append(pl.max_horizontal(current, carried).alias(slot))
            carried = pl.min_horizontal(current, carried)
        stages.append(updates)
    return stages


MAX_REASON_TEXTS = 1 << 16  # beyond, the reason codes are concatenated per row


@cache
def _reason_texts(keys: tuple[str, ...], count: int) -> pl.Series:
    """Every ``key(slot 0) × base^(count-1) + …`` code spelled out (see ``_reason_codes``)."""
    base = len(keys) + 1
    texts = []
    for code in range(base**count):
        digits = [code // base**power % base for power in reversed(range(count))]
        texts.append(",".join(keys[base - 1 - digit] for digit in digits if digit))
    return pl.Series(texts, dtype=pl.String)


def _reason_codes(compiled: CompiledPolicy) -> pl.Expr:
    """The indicators in the top slots that lose anything, in rank order, comma-separated."""
    keys = compiled.tables.keys
    count = min(compiled.tables.reason_code_count, len(keys))
    if count == 0:
        return pl.lit("").alias("reason_codes")
    base = len(keys) + 1
    digits = [pl.col(f"__top_{slot}") % base for slot in range(count)]
    if base**count <= MAX_REASON_TEXTS:
        code = reduce(lambda a, b: a * base + b, digits)
        return pl.lit(_reason_texts(keys, count)).gather(code).alias("reason_codes")
    names = pl.Series([None, *reversed(keys)], dtype=pl.String)
    pieces = [pl.lit(names).gather(digit) for digit in digits]
    return pl.concat_str(pieces, separator=",", ignore_nulls=True).alias("reason_codes")

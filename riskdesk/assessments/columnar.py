"""A chunk of batch assessments built column-wise and inserted in bulk.

The stored feature vector and outputs of every row are encoded to JSON by Polars, and the rows
go to the database in one statement per chunk (COPY on PostgreSQL), without a model instance
or a Python dict per row: at 100k customers that per-row work was most of a batch run.

The JSON is what the single-record path stores, value for value: floats round-trip exactly
(shortest representation), NaN and infinities are NULL, dates are ISO text, and the outputs
have the shape of ``services.outputs_from_decision``. Replaying a batch row therefore gives
exactly its stored outputs (``verify_assessments``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from riskdesk.assessments.models import Assessment
from riskdesk.engine import CompiledPolicy

LIMIT_COLUMN_MAX = Decimal("1e16")
INSERT_COLUMNS = (
    "customer_id",
    "policy_version_id",
    "as_of",
    "features",
    "outputs",
    "trigger",
    "actor_id",
    "batch_run_id",
    "admission",
    "grade",
    "list",
    "score",
    "proposed_limit",
    "created_at",
)
_TEXT_LIKE = (pl.String, pl.Boolean, pl.Null)


# --- stored JSON values ---------------------------------------------------------------------


def json_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN in data is NULL (docs/policy-language.md §2); so are infinities
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def stored_features(features: Mapping[str, object]) -> dict[str, object]:
    """A feature vector as it is stored: JSON values only (dates as ISO text)."""
    return {name: json_value(value) for name, value in sorted(features.items())}


def limit_column(limit: float | None) -> Decimal | None:
    """The proposed limit as the ``proposed_limit`` column holds it (cents; None if huge)."""
    if limit is None or not math.isfinite(limit):
        return None
    amount = Decimal(repr(limit)).quantize(Decimal("0.01"))
    return amount if abs(amount) < LIMIT_COLUMN_MAX else None


# --- column-wise ----------------------------------------------------------------------------


def storable(frame: pl.DataFrame) -> pl.DataFrame:
    """The feature table with the values the stored JSON will hold (non-finite floats NULL),
    so that the evaluation sees exactly what a replay of the stored vector will see."""
    finite = [
        pl.when(pl.col(name).is_finite()).then(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    ]
    return frame.with_columns(finite) if finite else frame


def _feature_field(name: str, dtype: pl.DataType) -> pl.Expr | None:
    column = pl.col(name)
    if dtype.is_integer() or dtype.is_float() or dtype in _TEXT_LIKE:
        return column
    if dtype == pl.Date:
        return column.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, (pl.Enum, pl.Categorical)):
        return column.cast(pl.String)
    return None


def features_json(frame: pl.DataFrame) -> pl.Series:
    """The stored feature vector of every row (all columns but ``customer_id``) as JSON text."""
    names = sorted(name for name in frame.columns if name != "customer_id")
    fields = [_feature_field(name, frame.schema[name]) for name in names]
    if names and all(field is not None for field in fields):
        return frame.select(pl.struct(fields).struct.json_encode()).to_series()
    return pl.Series(  # an unusual column type: the per-row path, same values
        [
            json.dumps(stored_features(row), ensure_ascii=False)
            for row in frame.drop("customer_id").iter_rows(named=True)
        ],
        dtype=pl.String,
    )


def _ids(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.String).fill_null("")
    return text.str.split(",").list.eval(pl.element().filter(pl.element() != "")).alias(name)


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String)


def outputs_json(result: pl.DataFrame, compiled: CompiledPolicy) -> pl.Series:
    """The stored outputs of every row of ``evaluate_table`` as JSON text."""
    keys = [item.indicator.key for item in compiled.indicators]
    if not keys:  # a struct needs at least one field; a policy without a scorecard is rare
        return _outputs_json_per_row(result, compiled)
    number = pl.Float64
    fields = [
        _text("admission"),
        _ids("admission_reasons"),
        _text("grade"),
        _text("list"),
        _text("rating_rule"),
        pl.col("score").cast(number),
        pl.struct(pl.col(f"points_{key}").cast(number).alias(key) for key in keys).alias("points"),
        pl.struct(pl.col(f"contribution_{key}").cast(number).alias(key) for key in keys).alias(
            "contributions"
        ),
        _ids("reason_codes"),
        pl.col("limit").cast(number),
        _text("credit_case"),
        pl.lit(compiled.tables.currency, dtype=pl.String).alias("currency"),
        pl.lit(compiled.tables.valid_months, dtype=pl.Int64).alias("valid_months"),
    ]
    return result.select(pl.struct(fields).struct.json_encode()).to_series()


def _outputs_json_per_row(result: pl.DataFrame, compiled: CompiledPolicy) -> pl.Series:
    from riskdesk.assessments.services import outputs_from_row

    return pl.Series(
        [
            json.dumps(outputs_from_row(row, compiled), ensure_ascii=False)
            for row in result.iter_rows(named=True)
        ],
        dtype=pl.String,
    )


def chunk_rows(frame: pl.DataFrame, result: pl.DataFrame, compiled: CompiledPolicy) -> pl.DataFrame:
    """One row per customer with what the insert needs: JSON texts and the output columns."""
    return pl.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "features": features_json(frame),
            "outputs": outputs_json(result, compiled),
            "admission": result["admission"].cast(pl.String),
            "grade": result["grade"].cast(pl.String).fill_null(""),
            "list": result["list"].cast(pl.String).fill_null(""),
            "score": result["score"].cast(pl.Float64),
            "limit": result["limit"].cast(pl.Float64),
        }
    )


# --- insert ---------------------------------------------------------------------------------


def insert_rows(rows: pl.DataFrame, *, batch) -> dict[int, Decimal | None]:
    """Insert the chunk's rows as assessments of ``batch``; returns each customer's proposed
    limit (the ``proposed_limit`` column) for the limit step."""
    ops = connection.ops
    limits = [limit_column(value) for value in rows["limit"].to_list()]
    constants: dict[str, Any] = {
        "policy_version_id": batch.policy_version_id,
        "as_of": ops.adapt_datefield_value(batch.as_of),
        "trigger": batch.trigger,
        "actor_id": batch.actor_id,
        "batch_run_id": batch.pk,
        "created_at": ops.adapt_datetimefield_value(timezone.now()),
    }
    columns = {name: rows[name].to_list() for name in rows.columns}
    records = [
        (
            customer_id,
            constants["policy_version_id"],
            constants["as_of"],
            features,
            outputs,
            constants["trigger"],
            constants["actor_id"],
            constants["batch_run_id"],
            admission,
            grade,
            list_,
            score,
            limit,
            constants["created_at"],
        )
        for customer_id, features, outputs, admission, grade, list_, score, limit in zip(
            columns["customer_id"],
            columns["features"],
            columns["outputs"],
            columns["admission"],
            columns["grade"],
            columns["list"],
            columns["score"],
            limits,
            strict=True,
        )
    ]
    _insert(records)
    return dict(zip(columns["customer_id"], limits, strict=True))


def _insert(records: list[tuple]) -> None:
    table = connection.ops.quote_name(Assessment._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
            return
        marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", records)

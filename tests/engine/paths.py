"""Evaluate a compiled policy on every path and compare the rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl

from riskdesk.engine import CompiledPolicy, evaluate_one, evaluate_table, output_columns, policy_sql
from riskdesk.engine.types import ExprType

POLARS_TYPES = {
    ExprType.NUMBER: pl.Float64,
    ExprType.TEXT: pl.String,
    ExprType.BOOLEAN: pl.Boolean,
    ExprType.DATE: pl.Date,
}


def decision_row(compiled: CompiledPolicy, record: Mapping[str, Any]) -> dict[str, Any]:
    """``evaluate_one`` flattened to the table's columns."""
    decision = evaluate_one(compiled, record)
    row: dict[str, Any] = {
        "admission": decision.admission,
        "admission_reasons": ",".join(decision.admission_reasons),
        "grade": decision.grade,
        "list": decision.list,
        "rating_rule": decision.rating_rule,
        "score": decision.score,
        "limit": decision.limit,
        "credit_case": decision.credit_case,
        "reason_codes": ",".join(decision.reason_codes),
    }
    row |= {f"points_{key}": value for key, value in decision.points.items()}
    row |= {f"contribution_{key}": value for key, value in decision.contributions.items()}
    return row


def typed_frame(compiled: CompiledPolicy, records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    schema = {
        name: POLARS_TYPES[compiled.catalogue[name].expr_type] for name in compiled.input_features
    }
    rows = [{name: record.get(name) for name in schema} for record in records]
    return pl.DataFrame(rows, schema=schema, orient="row").with_row_index("id")


def table_rows(
    compiled: CompiledPolicy, records: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    result = evaluate_table(compiled, typed_frame(compiled, records))
    return result.drop("id").to_dicts()


def duckdb_rows(
    compiled: CompiledPolicy, records: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    query = policy_sql(compiled, "duckdb")
    connection = duckdb.connect()
    try:
        connection.register("features", typed_frame(compiled, records).to_arrow())
        cursor = connection.execute(query.text + " ORDER BY id", query.params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def assert_paths_agree(compiled: CompiledPolicy, records: Sequence[Mapping[str, Any]]) -> None:
    expected = [decision_row(compiled, record) for record in records]
    columns = output_columns(compiled)
    assert table_rows(compiled, records) == [{c: row[c] for c in columns} for row in expected]
    from_sql = [{c: row[c] for c in columns} for row in duckdb_rows(compiled, records)]
    assert from_sql == [{c: row[c] for c in columns} for row in expected]

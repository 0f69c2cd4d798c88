"""Run one compiled expression on every evaluation path over the same rows.

Used by the differential tests: the Python path, Polars, DuckDB, SQLite and PostgreSQL must
return the same value for every row, NULLs included.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from riskdesk.engine import Feature, ValueType, compile_expression
from riskdesk.engine.catalogue import catalogue_of
from riskdesk.engine.expression import CompiledExpression
from riskdesk.engine.types import ExprType

COLUMNS: dict[str, ValueType] = {
    "n1": ValueType.NUMBER,
    "n2": ValueType.NUMBER,
    "n3": ValueType.NUMBER,
    "i1": ValueType.INTEGER,
    "t1": ValueType.TEXT,
    "t2": ValueType.TEXT,
    "b1": ValueType.BOOLEAN,
    "b2": ValueType.BOOLEAN,
    "d1": ValueType.DATE,
    "d2": ValueType.DATE,
}
CATALOGUE = catalogue_of(Feature(name, kind, name, name) for name, kind in COLUMNS.items())
POLARS_SCHEMA = {
    "n1": pl.Float64,
    "n2": pl.Float64,
    "n3": pl.Float64,
    "i1": pl.Float64,
    "t1": pl.String,
    "t2": pl.String,
    "b1": pl.Boolean,
    "b2": pl.Boolean,
    "d1": pl.Date,
    "d2": pl.Date,
}
SQL_COLUMN_TYPES = {
    "postgres": {
        "number": "double precision",
        "text": "text",
        "boolean": "boolean",
        "date": "date",
    },
    "sqlite": {"number": "REAL", "text": "TEXT", "boolean": "INTEGER", "date": "TEXT"},
}

Row = dict[str, Any]


def compile_test_expression(text: str) -> CompiledExpression:
    return compile_expression(text, CATALOGUE)


def _column_type(name: str) -> str:
    kind = COLUMNS[name]
    return "number" if kind in (ValueType.NUMBER, ValueType.INTEGER) else kind.value


def python_results(compiled: CompiledExpression, rows: Sequence[Row]) -> list[object]:
    return [compiled.evaluate(row) for row in rows]


def polars_frame(rows: Sequence[Row]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA, orient="row")


def polars_results(compiled: CompiledExpression, rows: Sequence[Row]) -> list[object]:
    frame = polars_frame(rows)
    return frame.with_columns(compiled.to_polars().alias("__result"))["__result"].to_list()


def duckdb_results(compiled: CompiledExpression, rows: Sequence[Row]) -> list[object]:
    fragment = compiled.to_sql("duckdb")
    connection = duckdb.connect()
    try:
        arrow = polars_frame(rows).with_row_index("__row").to_arrow()
        connection.register("features", arrow)
        query = f"SELECT {fragment.text} AS result FROM features ORDER BY __row"
        return [row[0] for row in connection.execute(query, fragment.params).fetchall()]
    finally:
        connection.close()


def sqlite_results(compiled: CompiledExpression, rows: Sequence[Row]) -> list[object]:
    fragment = compiled.to_sql("sqlite")
    connection = sqlite3.connect(":memory:")
    try:
        _load_rows(connection, rows, "sqlite", "?")
        query = f"SELECT {fragment.text} AS result FROM features ORDER BY row_number"
        results = [row[0] for row in connection.execute(query, fragment.params).fetchall()]
    finally:
        connection.close()
    return [_from_sqlite(value, compiled.type) for value in results]


def _from_sqlite(value: object, expr_type: ExprType) -> object:
    if value is None:
        return None
    if expr_type is ExprType.BOOLEAN:
        return bool(value)
    if expr_type is ExprType.DATE:
        return dt.date.fromisoformat(str(value))
    if expr_type is ExprType.NUMBER:
        return float(value)  # type: ignore[arg-type]
    return value


def postgres_results(
    compiled: CompiledExpression, rows: Sequence[Row], connection: Any
) -> list[object]:
    fragment = compiled.to_sql("postgres")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE features")
        columns = ", ".join(["row_number", *COLUMNS])
        placeholders = ", ".join(["%s"] * (len(COLUMNS) + 1))
        cursor.executemany(
            f"INSERT INTO features ({columns}) VALUES ({placeholders})",
            [(index, *(row.get(name) for name in COLUMNS)) for index, row in enumerate(rows)],
        )
        cursor.execute(
            f"SELECT {fragment.text} AS result FROM features ORDER BY row_number", fragment.params
        )
        return [row[0] for row in cursor.fetchall()]


def create_postgres_table(connection: Any) -> None:
    types = SQL_COLUMN_TYPES["postgres"]
    columns = ", ".join(f"{name} {types[_column_type(name)]}" for name in COLUMNS)
    connection.execute(f"CREATE TEMPORARY TABLE features (row_number integer, {columns})")


def _load_rows(
    connection: sqlite3.Connection, rows: Sequence[Row], dialect: str, mark: str
) -> None:
    types = SQL_COLUMN_TYPES[dialect]
    columns = ", ".join(f"{name} {types[_column_type(name)]}" for name in COLUMNS)
    connection.execute(f"CREATE TABLE features (row_number INTEGER, {columns})")
    placeholders = ", ".join([mark] * (len(COLUMNS) + 1))
    connection.executemany(
        f"INSERT INTO features VALUES ({placeholders})",
        [
            (index, *(_to_sqlite(row.get(name)) for name in COLUMNS))
            for index, row in enumerate(rows)
        ],
    )


def _to_sqlite(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

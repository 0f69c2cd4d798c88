"""Every evaluation path agrees: Python, Polars, DuckDB, SQLite and PostgreSQL.

Random expressions of every type over random rows with NULLs; the expressions are generated as
*text*, so the parser is exercised as well as the backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.conftest import ENGINE_PROFILE
from tests.engine.differential import (
    compile_test_expression,
    create_postgres_table,
    duckdb_results,
    polars_results,
    postgres_results,
    python_results,
    sqlite_results,
)
from tests.services import need, postgres_url

NUMBERS = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 0.5, 3.0, 100.0, 0.1, 1e6, 12.345, -7.0]
)
TEXTS = st.sampled_from(["a", "b", "ab", "A", "a%", "_b", "", "央企", "a\\b", "x*y", "[q]"])
DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "n1": nullable(NUMBERS | st.floats(-1e4, 1e4, allow_nan=False)),
            "n2": nullable(NUMBERS | st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)),
            "n3": nullable(NUMBERS),
            "i1": nullable(st.integers(-50, 50).map(float)),
            "t1": nullable(TEXTS),
            "t2": nullable(TEXTS),
            "b1": nullable(st.booleans()),
            "b2": nullable(st.booleans()),
            "d1": nullable(DATES),
            "d2": nullable(DATES),
        }
    ),
    min_size=1,
    max_size=12,
)

NUMBER_LITERALS = st.sampled_from(
    ["0", "1", "2", "-1", "0.5", "2.5", "0.1", "1e3", "100", "3", "7", "0.3", "365.25"]
)
TEXT_LITERALS = st.sampled_from(["'a'", "'b'", "'ab'", "''", "'央企'", "'a\\b'", "'x*y'"])
PATTERNS = st.sampled_from(["'a%'", "'%b'", "'_'", "'%'", "'a\\b'", "'x*y'", "'[q]'", "'%*%'"])
DATE_LITERALS = st.sampled_from(["DATE '2000-01-01'", "DATE '2024-02-29'", "DATE '2030-12-31'"])


def _fmt(template: str, *parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda values: template.format(*values))


@cache
def number_expr(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["n1", "n2", "n3", "i1"]) | NUMBER_LITERALS
    if depth == 0:
        return leaves | st.just("NULL")
    sub, cond = number_expr(depth - 1), bool_expr(depth - 1)
    return st.one_of(
        leaves,
        _fmt("({} + {})", sub, sub),
        _fmt("({} - {})", sub, sub),
        _fmt("({} * {})", sub, sub),
        _fmt("({} / {})", sub, sub),
        _fmt("{} + {} - {}", sub, sub, sub),
        _fmt("-({})", sub),
        _fmt("ABS({})", sub),
        _fmt("ROUND({}, {})", sub, st.sampled_from(["0", "1", "2", "-1"])),
        _fmt("ROUND({})", sub),
        _fmt("LEAST({}, {})", sub, sub),
        _fmt("GREATEST({}, {}, {})", sub, sub, sub),
        _fmt("COALESCE({}, {})", sub, sub),
        _fmt("CASE WHEN {} THEN {} ELSE {} END", cond, sub, sub),
        _fmt("CASE WHEN {} THEN {} END", cond, sub),
        _fmt("DAYS_BETWEEN({}, {})", date_expr(depth - 1), date_expr(depth - 1)),
    )


@cache
def text_expr(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["t1", "t2"]) | TEXT_LITERALS
    if depth == 0:
        return leaves
    sub = text_expr(depth - 1)
    return st.one_of(
        leaves,
        _fmt("COALESCE({}, {})", sub, sub),
        _fmt("CASE WHEN {} THEN {} ELSE {} END", bool_expr(depth - 1), sub, sub),
    )


@cache
def date_expr(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["d1", "d2"]) | DATE_LITERALS
    if depth == 0:
        return leaves
    sub = date_expr(depth - 1)
    return st.one_of(leaves, _fmt("LEAST({}, {})", sub, sub), _fmt("COALESCE({}, {})", sub, sub))


COMPARE = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])
EQUALITY = st.sampled_from(["=", "<>"])


@cache
def bool_expr(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["b1", "b2", "TRUE", "FALSE", "NULL"])
    if depth == 0:
        return leaves
    sub, num, text = bool_expr(depth - 1), number_expr(depth - 1), text_expr(depth - 1)
    date = date_expr(depth - 1)
    return st.one_of(
        leaves,
        _fmt("{} {} {}", num, COMPARE, num),
        _fmt("{} {} {}", date, COMPARE, date),
        _fmt("{} {} {}", text, EQUALITY, text),
        _fmt("({}) {} ({})", sub, EQUALITY, sub),
        _fmt("({} AND {})", sub, sub),
        _fmt("({} OR {})", sub, sub),
        _fmt("{} AND {} OR {}", sub, sub, sub),
        _fmt("NOT ({})", sub),
        _fmt("{} IS NULL", num),
        _fmt("{} IS NOT NULL", text),
        _fmt("{} BETWEEN {} AND {}", num, num, num),
        _fmt("{} NOT BETWEEN {} AND {}", date, date, date),
        _fmt("{} IN ({}, {})", num, NUMBER_LITERALS, NUMBER_LITERALS),
        _fmt("{} NOT IN ({}, {})", text, TEXT_LITERALS, TEXT_LITERALS),
        _fmt("{} IN ({}, NULL)", num, num),
        _fmt("{} NOT IN ({}, {})", num, num, st.sampled_from(["NULL", "1"])),
        _fmt("{} LIKE {}", text, PATTERNS),
        _fmt("{} NOT LIKE {}", text, PATTERNS),
        _fmt("COALESCE({}, {})", sub, sub),
    )


ANY_EXPRESSION = st.one_of(number_expr(3), bool_expr(3), text_expr(2), date_expr(2))


@pytest.fixture(scope="module")
def postgres() -> Iterator[Any]:
    psycopg = pytest.importorskip("psycopg")
    url = postgres_url()
    need(url, "PostgreSQL")
    with psycopg.connect(url, autocommit=True) as connection:
        create_postgres_table(connection)
        yield connection


def _agree(text: str, rows: list[dict[str, Any]], postgres: Any | None) -> None:
    compiled = compile_test_expression(text)
    expected = python_results(compiled, rows)
    paths = {
        "polars": polars_results(compiled, rows),
        "duckdb": duckdb_results(compiled, rows),
        "sqlite": sqlite_results(compiled, rows),
    }
    if postgres is not None:
        paths["postgres"] = postgres_results(compiled, rows, postgres)
    for path, values in paths.items():
        assert values == expected, f"{path} disagrees with Python for {text!r}"


@settings(ENGINE_PROFILE)
@given(text=ANY_EXPRESSION, rows=ROWS)
def test_python_polars_duckdb_sqlite_agree(text: str, rows: list[dict[str, Any]]) -> None:
    _agree(text, rows, None)


@pytest.mark.postgres
@settings(ENGINE_PROFILE, max_examples=max(ENGINE_PROFILE.max_examples // 2, 10))
@given(text=ANY_EXPRESSION, rows=ROWS)
def test_postgres_agrees_with_python(postgres: Any, text: str, rows: list[dict[str, Any]]) -> None:
    _agree(text, rows, postgres)

"""Arbitrary text either compiles or raises the one error class — never anything else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from riskdesk.engine import ExpressionError, compile_expression, default_catalogue
from tests.engine.conftest import ENGINE_PROFILE

CATALOGUE = default_catalogue()
SQLISH = st.lists(
    st.sampled_from(
        [
            "state_share",
            "patent_count",
            "status",
            "sanctions_hit",
            "grade",
            "AND",
            "OR",
            "NOT",
            "(",
            ")",
            ",",
            "=",
            "<>",
            "<",
            ">=",
            "+",
            "-",
            "*",
            "/",
            "'央企'",
            "'x",
            "1",
            "0.5",
            "NULL",
            "TRUE",
            "IN",
            "BETWEEN",
            "IS",
            "LIKE",
            "CASE",
            "WHEN",
            "THEN",
            "ELSE",
            "END",
            "COALESCE(",
            "LEAST(",
            "ROUND(",
            "DAYS_BETWEEN(",
            "SELECT",
            "FROM",
            ";",
            "--",
            "/*",
            "*/",
            "read_csv(",
            "DATE",
            "'2024-01-01'",
            "t.",
            '"',
            "::",
            "?",
            "$1",
            "@x",
            "||",
        ]
    ),
    max_size=25,
).map(" ".join)


def _compiles_or_rejects(text: str) -> None:
    try:
        compiled = compile_expression(text, CATALOGUE)
    except ExpressionError as error:
        assert error.message_zh and error.message_en
        return
    compiled.evaluate({})  # a compiled expression always runs on an empty record


@settings(ENGINE_PROFILE, max_examples=ENGINE_PROFILE.max_examples * 5)
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _compiles_or_rejects(text)


@settings(ENGINE_PROFILE, max_examples=ENGINE_PROFILE.max_examples * 5)
@given(SQLISH)
def test_sql_like_token_soup(text: str) -> None:
    _compiles_or_rejects(text)


def test_deep_nesting_is_rejected_not_crashing() -> None:
    for depth in (60, 300, 2000):
        _compiles_or_rejects("(" * depth + "state_share" + ")" * depth + " > 1")
        _compiles_or_rejects(" + ".join(["state_share"] * depth) + " > 1")
        _compiles_or_rejects(" AND ".join(["sanctions_hit"] * depth))
        _compiles_or_rejects("-" * depth + "state_share > 1")

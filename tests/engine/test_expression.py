"""The expression language: what compiles, what is rejected (and how), and SQL semantics."""

from __future__ import annotations

import pytest

from riskdesk.engine import (
    ErrorCode,
    ExpressionError,
    ExprType,
    compile_expression,
    default_catalogue,
)
from tests.engine.differential import compile_test_expression

CATALOGUE = default_catalogue()


def rejected(text: str, **kwargs: object) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, CATALOGUE, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("text", "code", "token"),
    [
        ("state_share > '央企'", ErrorCode.TYPE_MISMATCH, ">"),
        ("patent_count = '1'", ErrorCode.TYPE_MISMATCH, "="),
        ("sanctions_hit + 1", ErrorCode.TYPE_MISMATCH, "sanctions_hit"),
        ("enterprise_type < '央企'", ErrorCode.TYPE_MISMATCH, "<"),
        ("stat_share > 0.5", ErrorCode.UNKNOWN_FEATURE, "stat_share"),
        ("UPPER(status) = 'X'", ErrorCode.UNKNOWN_FUNCTION, "UPPER(status)"),
        ("read_csv('/etc/passwd') IS NULL", ErrorCode.UNKNOWN_FUNCTION, "read_csv('/etc/passwd')"),
        ("patent_count IN (SELECT 1)", ErrorCode.UNSUPPORTED, None),
        ("patent_count > 1; DROP TABLE customers", ErrorCode.FORBIDDEN_SYNTAX, ";"),
        ("patent_count > 1 -- hidden", ErrorCode.FORBIDDEN_SYNTAX, None),
        ("patent_count /* x */ > 1", ErrorCode.FORBIDDEN_SYNTAX, None),
        ("t.patent_count > 1", ErrorCode.QUALIFIED_NAME, "t.patent_count"),
        ("patent_count > ?", ErrorCode.FORBIDDEN_SYNTAX, "?"),
        ("CAST(patent_count AS TEXT) = '1'", ErrorCode.UNSUPPORTED, None),
        ("province = '广东'", ErrorCode.UNKNOWN_VALUE, "'广东'"),
        ("ROUND(state_share, 2.5)", ErrorCode.WRONG_ARGUMENTS, "2.5"),
        ("grade = 'A'", ErrorCode.NOT_AVAILABLE_HERE, "grade"),
        ("patent_count > AND 1", ErrorCode.SYNTAX, None),
        ("status = '存续", ErrorCode.SYNTAX, "'"),
        ("", ErrorCode.SYNTAX, None),
    ],
)
def test_rejected_with_code_and_offending_text(
    text: str, code: ErrorCode, token: str | None
) -> None:
    error = rejected(text)
    assert error.code is code
    assert error.message_zh and error.message_en
    if token is not None:
        assert error.text == token
        assert error.position is not None
        assert text[error.position :].startswith(token)


def test_near_miss_feature_gets_a_suggestion() -> None:
    assert rejected("stat_share > 0.5").suggestion == "state_share"
    assert rejected("国有持股比例 > 0.5").suggestion == "state_share"
    assert rejected("province = '广东'").suggestion == "广东省"
    assert rejected("IF(sanctions_hit, 1, 0) > 0").suggestion == "CASE WHEN … THEN … ELSE … END"


def test_message_is_bilingual_and_locates_the_problem() -> None:
    error = rejected("enterprise_type = '央企' AND\n  state_share > '央企'")
    assert error.line_column == (2, 15)
    assert "这里" in str(error) or "类型" in str(error)
    assert "expected" in str(error) or "mismatch" in str(error)


def test_condition_must_be_boolean() -> None:
    error = rejected("state_share * 2", expected_type=ExprType.BOOLEAN)
    assert error.code is ErrorCode.TYPE_MISMATCH


def test_output_features_only_where_available() -> None:
    compiled = compile_expression("grade = 'A'", CATALOGUE, available_outputs=frozenset({"grade"}))
    assert compiled.evaluate({"grade": "A"}) is True


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("NOT b1", {}, None),
        ("b1 AND FALSE", {}, False),
        ("b1 OR TRUE", {}, True),
        ("b1 AND TRUE", {}, None),
        ("n1 IN (1, 2)", {"n1": 3.0}, False),
        ("n1 IN (1, NULL)", {"n1": 3.0}, None),
        ("n1 IN (1, NULL)", {"n1": 1.0}, True),
        ("n1 NOT IN (1, NULL)", {"n1": 3.0}, None),
        ("n1 BETWEEN 1 AND 3", {"n1": 3.0}, True),
        ("n1 BETWEEN NULL AND 3", {"n1": 5.0}, False),
        ("t1 LIKE 'a%'", {"t1": "Abc"}, False),
        ("t1 LIKE 'a_c'", {"t1": "abc"}, True),
        ("t1 LIKE 'a%'", {}, None),
        ("CASE WHEN b1 THEN 1 ELSE 2 END", {}, 2.0),
        ("COALESCE(n1, n2, 7)", {"n2": 5.0}, 5.0),
        ("LEAST(n1, 5)", {}, None),
        ("GREATEST(n1, 5, 2)", {"n1": 3.0}, 5.0),
        ("1 / 2", {}, 0.5),
        ("n1 / 0", {"n1": 1.0}, None),
        ("n1 / n2", {"n1": 1.0, "n2": 0.0}, None),
        ("ROUND(2.5)", {}, 3.0),
        ("ROUND(-2.5)", {}, -3.0),
        ("ROUND(1005, -1)", {}, 1010.0),
        ("ROUND(-1005, -1)", {}, -1010.0),
        ("ROUND(n1, 2)", {"n1": 0.125}, 0.13),
        ("ABS(-n1)", {"n1": 2.0}, 2.0),
        ("DAYS_BETWEEN(d1, d2)", {"d1": "2024-01-01", "d2": "2024-03-01"}, 60.0),
        ("d1 < DATE '2024-01-02'", {"d1": "2024-01-01"}, True),
        ("n1 IS NULL", {"n1": float("nan")}, True),
        ("i1 * 2", {"i1": 3}, 6.0),
    ],
)
def test_sql_semantics_on_one_record(text: str, row: dict[str, object], expected: object) -> None:
    assert compile_test_expression(text).evaluate(row) == expected


def test_sql_literals_are_bound_as_parameters() -> None:
    fragment = compile_expression("status = '吊销' OR state_share > 0.8").to_sql("postgres")
    assert "吊销" not in fragment.text
    assert sorted(fragment.params.values(), key=str) == [0.8, "吊销"]


def test_spark_sql_inlines_escaped_literals() -> None:
    text = compile_test_expression("t1 = 'it''s'").to_sql("spark").text
    assert "'it\\'s'" in text


def test_generated_python_holds_no_user_text() -> None:
    compiled = compile_test_expression("t1 = '__import__(\"os\")'")
    assert compiled.evaluate({"t1": '__import__("os")'}) is True

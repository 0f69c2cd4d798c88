"""Policies: YAML round trip, validation with paths, and every rule part on every path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskdesk.engine import (
    DEFAULT_POLICY_PATH,
    POLICIES_DIR,
    Decision,
    ErrorCode,
    PolicyValidationError,
    compile_policy,
    dump_policy,
    evaluate_one,
    evaluate_table,
    load_policy,
    policy_sql,
)
from tests.engine.conftest import ENGINE_PROFILE
from tests.engine.paths import assert_paths_agree, decision_row, table_rows, typed_frame

SMALL = """
grades:
  - {code: S, label: 白名单}
  - {code: A, label: 优质}
  - {code: D, label: 高风险}
admission:
  - {id: sanctioned, when: "sanctions_hit", outcome: reject, reason: 制裁}
  - {id: young, when: "years_established < 1", outcome: review, reason: 新成立}
scorecard:
  reason_codes: 2
  indicators:
    - {key: patents, label: 专利, value: patent_count, weight: 1,
       bins: [{below: 1, points: 0}, {below: 10, points: 60}, {points: 100}], missing_points: 10}
    - {key: ownership, label: 性质, value: enterprise_type, weight: 3,
       categories: {央企: 100, 民企: 50}, other_points: 40, missing_points: 5}
rating:
  rules:
    - {id: dishonest, when: "dishonest_debtor_count > 0", grade: D, list: blacklist, reason: 失信}
    - {id: soe, when: "enterprise_type = '央企' AND state_share > 0.8", grade: S, list: whitelist}
  bands: [{min_score: 60, grade: A}, {grade: D}]
credit:
  cases:
    - {id: s, when: "grade = 'S'", limit: "annual_revenue / 10"}
    - {id: a, when: "grade = 'A'", limit: "registered_capital * 0.25"}
    - {id: other, limit: "0"}
  min: 1000
  max: 5000000
  round_to: 10000
  valid_months: 12
"""


@pytest.fixture(scope="module")
def small() -> Any:
    return compile_policy(load_policy(SMALL))


def test_round_trip_of_shipped_policies() -> None:
    for path in POLICIES_DIR.glob("*.yaml"):
        policy = load_policy(path)
        dumped = dump_policy(policy)
        assert load_policy(dumped) == policy
        assert dump_policy(load_policy(dumped)) == dumped
        compile_policy(policy)


def test_default_policy_is_chinese_and_complete() -> None:
    compiled = compile_policy(load_policy(DEFAULT_POLICY_PATH))
    assert 12 <= len(compiled.indicators) <= 15
    assert {r.rule.id for r in compiled.rules} >= {
        "dishonest",
        "serious_violation",
        "deregistered",
        "sanctioned",
        "central_soe",
    }
    assert all(
        any("\u4e00" <= ch <= "\u9fff" for ch in i.indicator.label) for i in compiled.indicators
    )


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        ({"sanctions_hit": True, "years_established": 0.5}, "admission", "reject"),
        (
            {"sanctions_hit": True, "years_established": 0.5},
            "admission_reasons",
            ("sanctioned", "young"),
        ),
        ({"years_established": 0.5}, "admission", "review"),
        ({"years_established": 1}, "admission", "pass"),
        ({}, "admission", "pass"),  # a NULL condition does not match
        ({"patent_count": 0}, "points", {"patents": 0.0, "ownership": 5.0}),
        ({"patent_count": 0.999}, "points", {"patents": 0.0, "ownership": 5.0}),
        ({"patent_count": 1}, "points", {"patents": 60.0, "ownership": 5.0}),  # bin edge
        (
            {"patent_count": 10, "enterprise_type": "国企"},
            "points",
            {"patents": 100.0, "ownership": 40.0},
        ),
        (
            {"dishonest_debtor_count": 1, "enterprise_type": "央企", "state_share": 0.9},
            "rating_rule",
            "dishonest",
        ),
        ({"enterprise_type": "央企", "state_share": 0.9}, "grade", "S"),
        ({"enterprise_type": "央企", "state_share": 0.8}, "grade", "A"),  # band: score 75.25
        ({"enterprise_type": "民企"}, "grade", "D"),
        (
            {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 123_456_789},
            "limit",
            5_000_000.0,
        ),
        (
            {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1_249_999},
            "limit",
            120_000.0,
        ),
        (
            {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1_250_000},
            "limit",
            130_000.0,
        ),
        ({"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1}, "limit", 1_000.0),
        ({"enterprise_type": "央企", "state_share": 0.9}, "limit", None),  # NULL formula
        ({"enterprise_type": "民企"}, "credit_case", "other"),
        ({"patent_count": 0, "enterprise_type": "民企"}, "reason_codes", ("ownership", "patents")),
    ],
)
def test_each_part_on_one_record(
    small: Any, record: dict[str, Any], field: str, expected: Any
) -> None:
    assert getattr(evaluate_one(small, record), field) == expected


def test_each_part_on_every_path(small: Any) -> None:
    records: list[dict[str, Any]] = [
        {"sanctions_hit": True, "years_established": 0.5},
        {"years_established": 1.0},
        {},
        {"patent_count": 1.0, "enterprise_type": "国企"},
        {
            "patent_count": 10.0,
            "enterprise_type": "央企",
            "state_share": 0.8,
            "registered_capital": 1e6,
        },
        {"dishonest_debtor_count": 1.0, "enterprise_type": "央企", "state_share": 0.9},
        {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1_250_000.0},
        {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1_249_999.0},
        {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 1e12},
    ]
    assert_paths_agree(small, records)


def test_trace_explains_every_step(small: Any) -> None:
    decision = evaluate_one(
        small, {"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 2e6}
    )
    stages = [(step.stage, step.item, step.outcome) for step in decision.trace]
    assert ("admission", "sanctioned", "unknown") in stages
    assert ("scorecard", "patents", "missing") in stages
    assert ("rating", "soe", "matched") in stages
    assert ("credit", "s", "matched") in stages
    credit = next(step for step in decision.trace if step.item == "s")
    assert credit.values == {"grade": "S", "annual_revenue": 2e6}
    assert decision.to_dict()["trace"][0]["stage"] == "admission"


def _errors(text: str) -> dict[str, ErrorCode]:
    with pytest.raises(PolicyValidationError) as caught:
        compile_policy(load_policy(text))
    return {error.path or "": error.code for error in caught.value.errors}


def test_validation_names_yaml_paths() -> None:
    broken = SMALL.replace(
        "\"enterprise_type = '央企' AND state_share > 0.8\"",
        "\"enterprise_type = '央企' AND state_share > 'x'\"",
    )
    broken = broken.replace("grade: S, list: whitelist", "grade: X, list: whitelist")
    broken = broken.replace("{below: 10, points: 60}", "{below: 0.5, points: 60}")
    broken = broken.replace("weight: 3", "weight: 0")
    broken = broken.replace(
        'limit: "registered_capital * 0.25"', 'limit: "registered_capitl * 0.25"'
    )
    errors = _errors(broken)
    assert errors["rating.rules[1].when"] is ErrorCode.TYPE_MISMATCH
    assert errors["rating.rules[1].grade"] is ErrorCode.UNKNOWN_GRADE
    assert errors["scorecard.indicators[0].bins[1].below"] is ErrorCode.BINS_ORDER
    assert errors["scorecard.indicators[1].weight"] is ErrorCode.INVALID_VALUE
    assert errors["credit.cases[1].limit"] is ErrorCode.UNKNOWN_FEATURE


def test_expression_errors_keep_their_position() -> None:
    broken = SMALL.replace('"dishonest_debtor_count > 0"', "\"dishonest_debtor_count > '0'\"")
    with pytest.raises(PolicyValidationError) as caught:
        compile_policy(load_policy(broken))
    (error,) = caught.value.errors
    assert error.path == "rating.rules[0].when"
    assert error.position == len("dishonest_debtor_count ")


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (("rating:", "rating:\n  colour: red"), "rating.colour", ErrorCode.UNKNOWN_FIELD),
        (("weight: 1,", ""), "scorecard.indicators[0].weight", ErrorCode.MISSING_FIELD),
        (("outcome: review", "outcome: maybe"), "admission[1].outcome", ErrorCode.INVALID_VALUE),
        (
            ("{points: 100}]", "{below: 20, points: 100}]"),
            "scorecard.indicators[0].bins[2]",
            ErrorCode.BINS_ORDER,
        ),
        (("{grade: D}]", "{min_score: 10, grade: D}]"), "rating.bands[1]", ErrorCode.BANDS_ORDER),
        (("round_to: 10000", "round_to: -1"), "credit.round_to", ErrorCode.INVALID_VALUE),
        (
            ("民企: 50", "民营: 50"),
            "scorecard.indicators[1].categories.民营",
            ErrorCode.UNKNOWN_VALUE,
        ),
        (("id: young", "id: sanctioned"), "admission[1].id", ErrorCode.DUPLICATE),
        (("grade = 'A'\"", "grade = 'Z'\""), "credit.cases[1].when", ErrorCode.UNKNOWN_VALUE),
        (
            ("missing_points: 10", "missing_points: 101"),
            "scorecard.indicators[0].missing_points",
            ErrorCode.INVALID_VALUE,
        ),
    ],
)
def test_structural_problems(change: tuple[str, str], path: str, code: ErrorCode) -> None:
    assert SMALL.count(change[0]) >= 1
    errors = _errors(SMALL.replace(change[0], change[1], 1))
    assert errors.get(path) is code, errors


def test_derived_feature_cycle_is_rejected() -> None:
    text = (
        SMALL
        + """
features:
  - {name: a_ratio, expression: "b_ratio + 1", label: A}
  - {name: b_ratio, expression: "a_ratio * 2", label: B}
"""
    )
    assert _errors(text).get("features[0].expression") is ErrorCode.CYCLE


def test_invalid_yaml() -> None:
    assert _errors("grades: [") == {"": ErrorCode.INVALID_DOCUMENT}


RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "enterprise_type": st.sampled_from(["央企", "国企", "民企", "外资", "其他"]),
        "state_share": st.sampled_from([0.0, 0.5, 0.8, 0.81, 1.0]),
        "patent_count": st.integers(0, 30),
        "negative_news_count_90d": st.integers(0, 12),
        "total_assets": st.floats(0, 5e9),
        "registered_capital": st.floats(0, 5e8),
        "years_established": st.floats(0, 40),
        "tax_credit_grade": st.sampled_from(["A", "B", "M", "C", "D"]),
        "lawsuit_defendant_count_12m": st.integers(0, 12),
        "penalty_count_24m": st.integers(0, 6),
        "abnormal_operation_active": st.booleans(),
        "serious_violation_active": st.booleans(),
        "sanctions_hit": st.booleans(),
        "consumption_restriction": st.booleans(),
        "dishonest_debtor_count": st.integers(0, 2),
        "status": st.sampled_from(["存续", "在业", "吊销", "注销", "停业"]),
        "max_overdue_days_12m": st.integers(0, 200),
        "dso_days": st.floats(0, 300),
        "sales_12m": st.floats(0, 5e7),
        "avg_monthly_sales_12m": st.floats(0, 5e6),
        "annual_revenue": st.floats(0, 5e9),
        "net_profit": st.floats(-1e8, 1e8),
        "overdue_amount": st.floats(0, 1e6),
        "open_receivables": st.floats(0, 1e7),
        "customer_since_years": st.floats(0, 20),
        "utilisation": st.floats(0, 1.5),
        "enforcement_count": st.integers(0, 5),
        "pd": st.floats(0, 0.5),
        "established_date": st.dates(dt.date(1990, 1, 1), dt.date(2024, 1, 1)),
        "as_of_date": st.just(dt.date(2025, 6, 30)),
    },
)


@pytest.mark.parametrize("name", ["default.yaml", "example_en.yaml"])
# Each example plans a large SQL query in DuckDB, so a few examples of many rows each.
@settings(ENGINE_PROFILE, max_examples=max(ENGINE_PROFILE.max_examples // 8, 5))
@given(records=st.lists(RECORDS, min_size=1, max_size=20))
def test_shipped_policies_agree_on_every_path(name: str, records: list[dict[str, Any]]) -> None:
    compiled = _compiled(name)
    assert_paths_agree(compiled, records)


_CACHE: dict[str, Any] = {}


def _compiled(name: str) -> Any:
    if name not in _CACHE:
        _CACHE[name] = compile_policy(load_policy(POLICIES_DIR / name))
    return _CACHE[name]


def test_core_columns_match_in_sql_with_bound_parameters(small: Any) -> None:
    records = [{"enterprise_type": "央企", "state_share": 0.9, "annual_revenue": 2e6}, {}]
    frame = typed_frame(small, records)
    query = policy_sql(small, "duckdb", detail=False)
    connection = duckdb.connect()
    connection.register("features", frame.to_arrow())
    rows = connection.execute(query.text + " ORDER BY id", query.params).fetchall()
    assert rows == evaluate_table(small, frame, detail=False).rows()
    assert query.params  # literals were bound, not inlined


def _default_with_reason_codes(count: int) -> Any:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert "  reason_codes: 3\n" in text
    return compile_policy(
        load_policy(text.replace("  reason_codes: 3\n", f"  reason_codes: {count}\n"))
    )


# Up to 16³ rankings the reason codes are spelled from a table of every ranking (the shipped
# policies); with 5 of 15 indicators (16⁵) they are joined row by row instead.
@settings(ENGINE_PROFILE, max_examples=max(ENGINE_PROFILE.max_examples // 15, 4))
@given(records=st.lists(RECORDS, min_size=1, max_size=20))
def test_many_reason_codes_agree_on_every_path(records: list[dict[str, Any]]) -> None:
    assert_paths_agree(_compiled_with_reason_codes(5), records)


@settings(ENGINE_PROFILE, max_examples=max(ENGINE_PROFILE.max_examples // 4, 10))
@given(records=st.lists(RECORDS, min_size=1, max_size=30))
def test_reason_codes_beyond_the_indicators_agree(records: list[dict[str, Any]]) -> None:
    compiled = _compiled_with_reason_codes(20)  # every indicator that loses points, ranked
    expected = [decision_row(compiled, record) for record in records]
    assert table_rows(compiled, records) == expected


def _compiled_with_reason_codes(count: int) -> Any:
    key = f"reason_codes={count}"
    if key not in _CACHE:
        _CACHE[key] = _default_with_reason_codes(count)
    return _CACHE[key]


def test_equal_losses_keep_policy_order_on_every_path() -> None:
    compiled = _compiled("default.yaml")
    # lawsuits and dso both weigh 8 and score 0 here: equal losses of 800, lawsuits first.
    record = {"lawsuit_defendant_count_12m": 20, "dso_days": 400.0, "max_overdue_days_12m": 0}
    decision = evaluate_one(compiled, record)
    assert decision.reason_codes[:2] == ("lawsuits", "dso")
    assert_paths_agree(compiled, [record, {}])


def test_decision_fields_read_the_same_however_built(small: Any) -> None:
    record = {"patent_count": 0, "enterprise_type": "民企", "sanctions_hit": True}
    decision = evaluate_one(small, record)
    fields = {f.name: getattr(decision, f.name) for f in dataclasses.fields(decision)}
    rebuilt = Decision(**fields)
    assert rebuilt == decision
    assert decision.contributions == {"patents": 0.0, "ownership": 37.5}
    assert decision.reason_codes == ("ownership", "patents")
    assert dataclasses.replace(decision, grade="S").reason_codes == ("ownership", "patents")
    assert decision.to_dict()["contributions"] == {"patents": 0.0, "ownership": 37.5}
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.reason_codes = ()  # type: ignore[misc]


def test_table_stages_are_released_with_the_policy() -> None:
    from riskdesk.engine import table

    compiled = compile_policy(load_policy(SMALL))
    frame = typed_frame(compiled, [{"enterprise_type": "央企", "state_share": 0.9}])
    first = evaluate_table(compiled, frame)
    assert evaluate_table(compiled, frame).equals(first)  # built once, reused
    before = len(table._STAGES)
    del compiled
    gc.collect()
    assert len(table._STAGES) == before - 1

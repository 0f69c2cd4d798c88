from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from riskdesk.engine import ValueType, compile_expression, default_catalogue
from riskdesk.policies.conditions import (
    NULL_OPERATORS,
    OPERATORS,
    Group,
    NotInForm,
    Row,
    expression_to_form,
    form_from_fields,
    form_to_expression,
    literal_text,
    normalized,
)

CATALOGUE = default_catalogue()
FEATURES = {f.name: f for f in CATALOGUE if f.name not in ("score", "grade")}


def test_rows_and_groups_become_text():
    condition = Group(
        "AND",
        (
            Row("enterprise_type", "=", ("央企",)),
            Group("OR", (Row("state_share", ">", (0.8,)), Row("status", "IS NULL"))),
            Row("province", "IN", ("广东省", "浙江省")),
        ),
    )
    text = form_to_expression(condition)
    assert text == (
        "enterprise_type = '央企' AND (state_share > 0.8 OR status IS NULL)"
        " AND province IN ('广东省', '浙江省')"
    )
    compile_expression(text, expected_type="boolean")
    assert expression_to_form(text) == condition


@pytest.mark.parametrize(
    ("row", "text"),
    [
        (Row("years_established", "BETWEEN", (1.0, 3.5)), "years_established BETWEEN 1 AND 3.5"),
        (Row("state_share", "<>", (-0.25,)), "state_share <> -0.25"),
        (Row("status", "NOT IN", ("注销", "吊销")), "status NOT IN ('注销', '吊销')"),
        (Row("status", "IS NOT NULL"), "status IS NOT NULL"),
        (Row("sanctions_hit", "=", (False,)), "sanctions_hit = FALSE"),
        (
            Row("established_date", "<", (dt.date(2020, 1, 31),)),
            "established_date < DATE '2020-01-31'",
        ),
        (Row("industry", "LIKE", ("信息%",)), "industry LIKE '信息%'"),
        (Row("annual_revenue", ">=", (1e16,)), "annual_revenue >= 1e+16"),
    ],
)
def test_each_operator_writes_and_reads_back(row, text):
    condition = Group("AND", (row,))
    assert form_to_expression(condition) == text
    compile_expression(text, expected_type="boolean")
    assert expression_to_form(text) == condition


def test_quotes_inside_text_are_doubled_and_read_back():
    row = Row("enterprise_type", "=", ("it's \"x\" ''",))
    text = form_to_expression(Group("AND", (row,)))
    assert text == "enterprise_type = 'it''s \"x\" '''''"
    assert expression_to_form(text).items == (row,)


def test_bare_booleans_and_not_read_as_comparisons():
    assert expression_to_form("sanctions_hit").items == (Row("sanctions_hit", "=", (True,)),)
    assert expression_to_form("NOT sanctions_hit").items == (Row("sanctions_hit", "=", (False,)),)


def test_parenthesised_and_precedence_forms():
    assert expression_to_form("(a = 1 OR b = 2)") == Group(
        "OR", (Row("a", "=", (1.0,)), Row("b", "=", (2.0,)))
    )
    # AND binds tighter than OR: its operands become a group.
    assert expression_to_form("a = 1 OR b = 2 AND c = 3") == Group(
        "OR", (Row("a", "=", (1.0,)), Group("AND", (Row("b", "=", (2.0,)), Row("c", "=", (3.0,)))))
    )
    assert expression_to_form("a = 1 AND (b = 2 AND c = 3)").items[1] == Group(
        "AND", (Row("b", "=", (2.0,)), Row("c", "=", (3.0,)))
    )
    assert expression_to_form("") == Group("AND", ())


@pytest.mark.parametrize(
    "text",
    [
        "a + 1 > 2",
        "1 < a",
        "a = b",
        "COALESCE(a, 0) > 1",
        "a = 1 AND (b = 2 OR (c = 3 AND d = 4))",
        "NOT (a = 1)",
        "a NOT BETWEEN 1 AND 2",
        "a IN (1, b)",
        "a = NULL",
        "CASE WHEN a THEN TRUE ELSE FALSE END",
        "t.a = 1",
        '"a" = 1',
        "a IS TRUE",
    ],
)
def test_text_beyond_the_form_is_refused(text):
    with pytest.raises(NotInForm) as raised:
        expression_to_form(text)
    assert "文本" in raised.value.message_zh and "text" in raised.value.message_en


def test_normalized_drops_empty_and_lifts_single_groups():
    row = Row("a", "=", (1.0,))
    assert normalized(Group("AND", (Group("OR", ()), Group("OR", (row,))))) == Group("AND", (row,))
    lone = Group("OR", (row, Row("b", "IS NULL")))
    assert normalized(Group("AND", (lone,))) == lone
    assert form_to_expression(Group("AND", ())) == ""


def test_posted_builder_fields_become_a_condition():
    data = QueryDict(mutable=True)
    data.update({"c-join": "AND", "c-groups": "2", "c-g0-join": "AND", "c-g0-rows": "1"})
    data.update({"c-g0-r0-feature": "state_share", "c-g0-r0-op": ">", "c-g0-r0-value": "0.8"})
    data.update({"c-g1-join": "OR", "c-g1-rows": "2"})
    data.update({"c-g1-r0-feature": "province", "c-g1-r0-op": "IN"})
    data.setlist("c-g1-r0-value", ["广东省", "浙江省"])
    data.update({"c-g1-r1-feature": "years_established", "c-g1-r1-op": "BETWEEN"})
    data.setlist("c-g1-r1-value", ["1", "3"])
    condition, problems = form_from_fields(data.getlist, "c", FEATURES)
    assert problems == []
    assert form_to_expression(condition) == (
        "state_share > 0.8 AND "
        "(province IN ('广东省', '浙江省') OR years_established BETWEEN 1 AND 3)"
    )


def test_unreadable_builder_values_are_reported_bilingually():
    data = QueryDict(mutable=True)
    data.update({"c-groups": "1", "c-g0-rows": "2"})
    data.update({"c-g0-r0-feature": "state_share", "c-g0-r0-op": ">", "c-g0-r0-value": "abc"})
    data.update({"c-g0-r1-feature": "employees", "c-g0-r1-op": "IN", "c-g0-r1-value": "1, 2,3"})
    condition, problems = form_from_fields(data.getlist, "c", FEATURES)
    assert form_to_expression(condition) == "employees IN (1, 2, 3)"
    assert [p.where for p in problems] == ["c-g0-r0-value"]
    assert "不是有效的数值" in str(problems[0]) and "is not a number" in str(problems[0])


# -- properties -------------------------------------------------------------------------------

numbers = st.floats(allow_nan=False, allow_infinity=False, width=64)
texts = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


def values_for(value_type: ValueType, allowed: tuple[str, ...]):
    if value_type in (ValueType.NUMBER, ValueType.INTEGER):
        return numbers
    if value_type is ValueType.BOOLEAN:
        return st.booleans()
    if value_type is ValueType.DATE:
        return dates
    return st.sampled_from(allowed) if allowed else texts


@st.composite
def rows(draw):
    feature = draw(st.sampled_from(sorted(FEATURES.values(), key=lambda f: f.name)))
    ops = list(OPERATORS)
    if feature.type not in (ValueType.NUMBER, ValueType.INTEGER, ValueType.DATE):
        ops = [op for op in ops if op not in ("<", "<=", ">", ">=", "BETWEEN")]
    if feature.type is not ValueType.TEXT:
        ops = [op for op in ops if "LIKE" not in op]
    op = draw(st.sampled_from(ops))
    value = values_for(feature.type, feature.allowed_values)
    if op in NULL_OPERATORS:
        values = ()
    elif op in ("IN", "NOT IN"):
        values = tuple(draw(st.lists(value, min_size=1, max_size=4)))
    elif op == "BETWEEN":
        values = (draw(value), draw(value))
    elif "LIKE" in op:
        values = (draw(texts),)
    else:
        values = (draw(value),)
    return Row(feature.name, op, values)


groups = st.builds(
    lambda join, items: Group(join, tuple(items)),
    st.sampled_from(("AND", "OR")),
    st.lists(rows(), min_size=2, max_size=3),
)
conditions = st.builds(
    lambda join, items: normalized(Group(join, tuple(items))),
    st.sampled_from(("AND", "OR")),
    st.lists(st.one_of(rows(), groups), min_size=1, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(conditions)
def test_form_to_text_to_form_is_the_identity_and_the_engine_accepts_the_text(condition):
    text = form_to_expression(condition)
    compile_expression(text, CATALOGUE, expected_type="boolean")
    assert expression_to_form(text) == condition


@settings(max_examples=100, deadline=None)
@given(st.one_of(numbers, texts, st.booleans(), dates))
def test_every_literal_reads_back_as_itself(value):
    text = form_to_expression(Group("AND", (Row("x", "=", (value,)),)))
    assert text.startswith("x = ") and literal_text(value) in text
    assert expression_to_form(text).items[0].values == (value,)

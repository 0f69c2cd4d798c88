from __future__ import annotations

import json
import random
from datetime import date, timedelta
from itertools import pairwise
from typing import get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from riskdesk.dossier.diff import _SPLIT_OBJECTS, diff_canonical, diff_dossiers
from riskdesk.dossier.events import EVENT_TYPES, Severity
from riskdesk.dossier.sandbox import sandbox_dossier, sandbox_usccs
from riskdesk.dossier.schema import Dossier, canonical_json

USCC = "913172971417776307"
BASE = {
    "registration": {
        "name": "测试有限公司",
        "uscc": USCC,
        "legal_representative": "张三",
        "status": "存续",
        "registered_capital_cny": 10_000_000,
    },
    "shareholders": [{"name": "张三", "kind": "natural_person", "ratio": 1.0}],
    "licences": [{"name": "食品生产许可证", "number": "SC1", "valid_to": "2026-12-20"}],
    "tax": {"credit_grades": [{"year": 2024, "grade": "A"}]},
}
SUIT = {
    "case_number": "(2026)粤01民初9号",
    "role": "defendant",
    "amount_cny": 2_000_000,
    "filed_on": "2026-10-01",
}


def _dossier(**changes: object) -> Dossier:
    document = {key: value for key, value in BASE.items()}
    for key, value in changes.items():
        document[key] = value
    return Dossier.model_validate(document)


def _types(events: list) -> list[str]:
    return sorted(event.type for event in events)


def test_first_snapshot_is_a_baseline() -> None:
    assert diff_dossiers(None, _dossier()) == []


def test_new_lawsuit_as_defendant_with_large_amount_is_high() -> None:
    events = diff_dossiers(_dossier(), _dossier(judicial={"lawsuits": [SUIT]}))
    assert _types(events) == ["lawsuit.added"]
    event = events[0]
    assert event.severity is Severity.HIGH
    assert "(2026)粤01民初9号" in event.text_zh and "defendant" in event.text_en
    assert event.after["case_number"] == SUIT["case_number"] and event.occurred_on == "2026-10-01"


def test_registration_status_capital_and_legal_representative_changes() -> None:
    registration = {
        **BASE["registration"],
        "status": "吊销",
        "registered_capital_cny": 2_000_000,
        "legal_representative": "李四",
    }
    events = diff_dossiers(_dossier(), _dossier(registration=registration))
    by_type = {event.type: event for event in events}
    assert set(by_type) == {"status.changed", "capital.reduced", "registration.changed"}
    assert by_type["status.changed"].severity is Severity.CRITICAL
    assert by_type["capital.reduced"].severity is Severity.CRITICAL
    assert by_type["registration.changed"].after == {
        "field": "legal_representative",
        "value": "李四",
    }


def test_shareholder_ratio_change_and_tax_grade_drop() -> None:
    holders = [
        {"name": "张三", "kind": "natural_person", "ratio": 0.4},
        {"name": "某某投资有限公司", "kind": "private", "ratio": 0.6},
    ]
    grades = [{"year": 2024, "grade": "A"}, {"year": 2025, "grade": "C"}]
    events = diff_dossiers(
        _dossier(), _dossier(shareholders=holders, tax={"credit_grades": grades})
    )
    assert _types(events) == ["shareholder.changed", "shareholder.changed", "tax_grade.changed"]
    grade_event = next(event for event in events if event.type == "tax_grade.changed")
    assert grade_event.severity is Severity.HIGH


def test_abnormal_operation_listed_then_removed() -> None:
    listed = {"listed_on": "2026-01-05", "reason": "通过登记的住所或者经营场所无法联系"}
    first = _dossier(operations={"abnormal_operations": [listed]})
    removed = _dossier(operations={"abnormal_operations": [{**listed, "removed_on": "2026-06-01"}]})
    assert _types(diff_dossiers(_dossier(), first)) == ["abnormal_operation.added"]
    assert _types(diff_dossiers(first, removed)) == ["abnormal_operation.removed"]


def test_loss_year_and_negative_news_and_sanctions() -> None:
    after = _dossier(
        financials=[{"year": 2025, "revenue_cny": 1_000_000, "net_profit_cny": -300_000}],
        news=[
            {"title": "某公司拖欠货款", "published_on": "2026-11-01", "sentiment": "negative"},
            {"title": "某公司获奖", "published_on": "2026-11-02", "sentiment": "positive"},
        ],
        sanctions=[{"entity_id": "NK-1", "matched_name": "测试", "score": 0.93}],
    )
    events = diff_dossiers(_dossier(), after)
    assert _types(events) == ["financials.loss", "news.negative", "sanctions.hit"]
    assert next(e for e in events if e.type == "financials.loss").severity is Severity.HIGH


def test_licence_expiry_follows_the_dates_even_when_bytes_are_equal() -> None:
    dossier = _dossier()
    assert (
        diff_dossiers(dossier, dossier, as_of=date(2026, 11, 1), previous_as_of=date(2026, 10, 1))
        == []
    )
    expiring = diff_dossiers(
        dossier, dossier, as_of=date(2026, 12, 1), previous_as_of=date(2026, 11, 1)
    )
    assert _types(expiring) == ["licence.expiring"]
    expired = diff_dossiers(
        dossier, dossier, as_of=date(2026, 12, 21), previous_as_of=date(2026, 12, 1)
    )
    assert _types(expired) == ["licence.expired"]
    assert (
        diff_dossiers(dossier, dossier, as_of=date(2026, 12, 21), previous_as_of=date(2026, 12, 21))
        == []
    )


def test_a_renewed_licence_does_not_expire() -> None:
    renewed = _dossier(
        licences=[
            *BASE["licences"],
            {"name": "食品生产许可证", "number": "SC2", "valid_to": "2031-12-19"},
        ]
    )
    assert (
        diff_dossiers(renewed, renewed, as_of=date(2027, 1, 1), previous_as_of=date(2026, 11, 1))
        == []
    )


def test_bytes_path_agrees_with_object_path(dossiers: list[Dossier]) -> None:
    later = [sandbox_dossier(d.uscc, date(2027, 6, 30)) for d in dossiers[:60]]
    for before, after in zip(dossiers, later, strict=False):
        objects = diff_dossiers(
            before, after, as_of=date(2027, 6, 30), previous_as_of=date(2026, 11, 28)
        )
        stored = diff_canonical(
            canonical_json(before),
            canonical_json(after),
            as_of=date(2027, 6, 30),
            previous_as_of=date(2026, 11, 28),
        )
        assert objects == stored


def test_evolution_produces_a_realistic_stream_of_events(dossiers: list[Dossier]) -> None:
    later = date(2027, 11, 28)
    counts: dict[str, int] = {}
    for before in dossiers:
        after = sandbox_dossier(before.uscc, later)
        for event in diff_dossiers(before, after, as_of=later, previous_as_of=date(2026, 11, 28)):
            counts[event.type] = counts.get(event.type, 0) + 1
    assert {"lawsuit.added", "financials.loss", "registration.changed", "news.negative"} <= set(
        counts
    )
    assert counts["lawsuit.added"] < len(dossiers)


# ---------------------------------------------------------------------------- properties

_CODES = sandbox_usccs(50, seed=11)
_days = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from(_CODES), day=_days)
def test_diff_of_a_dossier_with_itself_is_empty(code: str, day: date) -> None:
    dossier = sandbox_dossier(code, day)
    assert diff_dossiers(dossier, dossier) == []
    assert diff_dossiers(dossier, sandbox_dossier(code, day), as_of=day, previous_as_of=day) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from(_CODES), day=_days, gap=st.integers(1, 900), seed=st.integers(0, 2**32))
def test_later_events_are_catalogued_and_keys_are_stable(
    code: str, day: date, gap: int, seed: int
) -> None:
    before, after = sandbox_dossier(code, day), sandbox_dossier(code, day + timedelta(days=gap))
    events = diff_dossiers(before, after, as_of=day + timedelta(days=gap), previous_as_of=day)
    assert all(event.type in EVENT_TYPES for event in events)
    assert len({event.dedup_key for event in events}) == len(events)
    shuffled = _reimported(after, random.Random(seed))
    again = diff_dossiers(before, shuffled, as_of=day + timedelta(days=gap), previous_as_of=day)
    assert [event.dedup_key for event in again] == [event.dedup_key for event in events]


def _reimported(dossier: Dossier, rng: random.Random) -> Dossier:
    """The same facts in another order and without ids, as a second import would bring them."""
    document = dossier.model_dump(mode="json")

    def scramble(value: object) -> object:
        if isinstance(value, list):
            items = [scramble(item) for item in value]
            rng.shuffle(items)
            return items
        if isinstance(value, dict):
            return {key: scramble(item) for key, item in value.items() if key != "id"}
        return value

    return Dossier.model_validate(scramble(document))


# ---------------------------------------------------------------------------- the bytes fast path


def _pretty(dossier: Dossier) -> bytes:
    """The same document, not canonical: the diff parses it whole, as it always did."""
    return json.dumps(dossier.model_dump(mode="json"), indent=1, ensure_ascii=True).encode()


def _keys(events: list) -> list[tuple[str, str, str | None]]:
    return [(event.type, event.dedup_key, event.item_id) for event in events]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(_CODES),
    day=st.dates(min_value=date(2012, 1, 1), max_value=date(2031, 6, 30)),
    gap=st.integers(0, 1500),
    dated=st.booleans(),
)
def test_section_diff_of_canonical_bytes_equals_the_whole_document_diff(
    code: str, day: date, gap: int, dated: bool
) -> None:
    """Sections compared as bytes and parsed on demand give exactly the events (same order,
    same dedup keys, same payloads) of parsing both documents whole; both directions."""
    later = day + timedelta(days=gap)
    before, after = sandbox_dossier(code, day), sandbox_dossier(code, later)
    dates = {"as_of": later, "previous_as_of": day} if dated else {}
    for old, new in ((before, after), (after, before)):
        whole = diff_canonical(_pretty(old), _pretty(new), **dates)
        assert diff_canonical(canonical_json(old), canonical_json(new), **dates) == whole
        assert diff_canonical(canonical_json(old), _pretty(new), **dates) == whole
        assert diff_canonical(_pretty(old), canonical_json(new), **dates) == whole
        assert diff_dossiers(old, new, **dates) == whole
        assert _keys(diff_dossiers(old, new, **dates)) == _keys(whole)


def test_bytes_and_objects_agree_over_a_portfolio_and_several_dates(usccs: list[str]) -> None:
    days = [date(2019, 3, 1), date(2023, 7, 15), date(2026, 11, 28), date(2029, 1, 1)]
    events = 0
    for code in usccs[:150]:
        snapshots = [sandbox_dossier(code, day) for day in days]
        for (first, old), (second, new) in pairwise(zip(days, snapshots, strict=True)):
            found = diff_dossiers(old, new, as_of=second, previous_as_of=first)
            assert found == diff_canonical(
                _pretty(old), _pretty(new), as_of=second, previous_as_of=first
            )
            assert found == diff_canonical(
                canonical_json(old), canonical_json(new), as_of=second, previous_as_of=first
            )
            events += len(found)
    assert events > 300


def test_equal_bytes_with_moved_dates_agree_with_objects() -> None:
    dossier = _dossier()
    dates = {"as_of": date(2026, 12, 21), "previous_as_of": date(2026, 11, 1)}
    stored = canonical_json(dossier)
    assert diff_canonical(stored, stored, **dates) == diff_dossiers(dossier, dossier, **dates)
    assert _types(diff_canonical(stored, stored, **dates)) == ["licence.expired"]


def test_a_new_loss_year_is_reported_once_beside_an_old_one() -> None:
    old_loss = {"year": 2023, "revenue_cny": 1_000_000, "net_profit_cny": -5_000}
    new_loss = {"year": 2024, "revenue_cny": 1_000_000, "net_profit_cny": -300_000}
    before, after = _dossier(financials=[old_loss]), _dossier(financials=[old_loss, new_loss])
    events = diff_canonical(canonical_json(before), canonical_json(after))
    assert [(event.type, event.after["year"]) for event in events] == [("financials.loss", 2024)]


def test_no_field_below_a_split_object_shares_a_member_name() -> None:
    """The diff finds members by ``,"name":`` in canonical bytes; that is only sound while no
    nested object has a field of the same name (text cannot hold an unescaped quote)."""

    def nested_fields(model: type[BaseModel]) -> set[str]:
        names: set[str] = set()
        for field in model.model_fields.values():
            for inner in _models_in(field.annotation):
                names |= set(inner.model_fields) | nested_fields(inner)
        return names

    for path, members in _SPLIT_OBJECTS.items():
        model: type[BaseModel] = Dossier
        for key in path:
            model = next(iter(_models_in(model.model_fields[key].annotation)))
        assert set(members) == set(model.model_fields)
        assert not set(members) & nested_fields(model), path


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]

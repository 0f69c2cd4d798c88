from __future__ import annotations

import pytest

from riskdesk.dossier.events import EVENT_TYPES, Dimension, Severity, make_event

DESIGN_TYPES = {
    "registration.changed",
    "status.changed",
    "capital.reduced",
    "shareholder.changed",
    "lawsuit.added",
    "enforcement.added",
    "dishonest.added",
    "consumption_restriction.added",
    "abnormal_operation.added",
    "abnormal_operation.removed",
    "penalty.added",
    "serious_violation.added",
    "equity_pledge.added",
    "chattel_mortgage.added",
    "tax_arrears.added",
    "tax_grade.changed",
    "tax_violation.added",
    "licence.expiring",
    "licence.expired",
    "financials.loss",
    "news.negative",
    "sanctions.hit",
    "overdue.started",
    "utilisation.high",
    "grade.changed",
    "score.dropped",
    "limit.expiring",
    "credit.hold",
    "provider.error",
}


def test_catalogue_has_every_design_type_with_bilingual_labels() -> None:
    assert set(EVENT_TYPES) >= DESIGN_TYPES
    for spec in EVENT_TYPES.values():
        assert spec.label_zh and spec.label_en
    assert {spec.dimension for spec in EVENT_TYPES.values()} == set(Dimension)


def test_dimensions_and_severities_carry_labels_and_order() -> None:
    assert Dimension.JUDICIAL.label_zh == "司法"
    assert [severity.rank for severity in Severity] == [0, 1, 2, 3, 4]
    assert Severity.CRITICAL.label_zh == "严重"


def test_internal_events_get_stable_keys_and_catalogue_defaults() -> None:
    first = make_event(
        "overdue.started", uscc="U", fact=("INV-1", "2026-11-01"), text_zh="逾期", text_en="overdue"
    )
    again = make_event(
        "overdue.started", uscc="U", fact=("INV-1", "2026-11-01"), text_zh="x", text_en="y"
    )
    assert first.dedup_key == again.dedup_key
    assert first.severity is Severity.MEDIUM and first.dimension is Dimension.INTERNAL
    assert first.to_dict()["dimension"] == "internal"


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(KeyError, match="未知的事件类型"):
        make_event("nope", uscc="U", fact=(), text_zh="", text_en="")

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from riskdesk.dossier.schema import (
    Dossier,
    Lawsuit,
    PartialDossier,
    SanctionsHit,
    canonical_json,
    dossier_from_canonical,
    dossier_hash,
    dossier_json_schema_text,
    merge_sections,
)

USCC = "913172971417776307"
SCHEMA_FILE = Path(__file__).parents[2] / "docs" / "dossier.schema.json"


def _dossier(**sections: object) -> Dossier:
    return Dossier.model_validate(
        {"registration": {"name": "测试有限公司", "uscc": USCC}, **sections}
    )


LAWSUITS = [
    {"case_number": "(2024)粤01民初1号", "role": "defendant", "amount_cny": "10.005"},
    {"case_number": "(2024)粤01民初2号", "role": "plaintiff", "amount_cny": 12},
]


def test_list_order_and_id_presence_do_not_change_canonical_bytes() -> None:
    first = _dossier(judicial={"lawsuits": LAWSUITS})
    second = _dossier(judicial={"lawsuits": list(reversed(LAWSUITS))})
    assert canonical_json(first) == canonical_json(second)
    assert dossier_hash(first) == dossier_hash(second)
    assert first == second
    assert dossier_from_canonical(canonical_json(first)) == first


def test_canonical_json_is_compact_sorted_and_utf8() -> None:
    text = canonical_json(_dossier()).decode()
    assert " " not in text.replace("测试有限公司", "")
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert "测试有限公司" in text


def test_money_is_rounded_to_the_fen_and_written_as_a_string() -> None:
    dossier = _dossier(judicial={"lawsuits": LAWSUITS})
    amounts = {suit.case_number: suit.amount_cny for suit in dossier.judicial.lawsuits}
    assert amounts["(2024)粤01民初1号"] == Decimal("10.01")
    document = json.loads(canonical_json(dossier))
    assert {suit["amount_cny"] for suit in document["judicial"]["lawsuits"]} == {"10.01", "12.00"}


def test_ids_come_from_the_natural_key_unless_given() -> None:
    derived = Lawsuit.model_validate(LAWSUITS[0])
    assert derived.id.startswith("ls-")
    assert Lawsuit.model_validate({**LAWSUITS[0], "status": "judged"}).id == derived.id
    assert Lawsuit.model_validate({**LAWSUITS[0], "id": "provider-7"}).id == "provider-7"


def test_conflicting_duplicate_ids_are_rejected_and_identical_ones_merged() -> None:
    same = _dossier(judicial={"lawsuits": [LAWSUITS[0], LAWSUITS[0]]})
    assert len(same.judicial.lawsuits) == 1
    with pytest.raises(ValidationError, match="重复 id"):
        _dossier(judicial={"lawsuits": [LAWSUITS[0], {**LAWSUITS[0], "cause": "劳动争议"}]})


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        ({"name": "x", "uscc": "91310000000000000X"}, "统一社会信用代码"),
        ({"name": "", "uscc": USCC}, "name"),
    ],
)
def test_invalid_registration_is_rejected(registration: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Dossier.model_validate({"registration": registration})


def test_shareholder_ratios_may_not_exceed_one() -> None:
    holders = [
        {"name": "甲", "kind": "natural_person", "ratio": 0.7},
        {"name": "乙", "kind": "state", "ratio": 0.4},
    ]
    with pytest.raises(ValidationError, match="超过 1"):
        _dossier(shareholders=holders)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        _dossier(judicial={"lawsuits": [{**LAWSUITS[0], "colour": "red"}]})


def test_model_copy_forgets_the_cached_canonical_bytes() -> None:
    dossier = _dossier()
    before = canonical_json(dossier)
    changed = dossier.model_copy(update={"news": ()}).model_copy(
        update={"registration": dossier.registration.model_copy(update={"name": "另一个有限公司"})}
    )
    assert canonical_json(changed) != before


def test_merge_sections_replaces_only_what_the_partial_provides() -> None:
    base = _dossier(judicial={"lawsuits": LAWSUITS})
    hit = SanctionsHit(entity_id="NK-1", matched_name="测试", score=0.9)
    merged = merge_sections(base, PartialDossier(uscc=USCC, sanctions=(hit,)))
    assert merged.sanctions == (hit,)
    assert merged.judicial == base.judicial


def test_published_json_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == dossier_json_schema_text(), (
        "docs/dossier.schema.json is stale: run `python -m riskdesk.dossier.schema`"
    )


def test_every_field_is_documented_in_chinese_and_english() -> None:
    schema = json.loads(dossier_json_schema_text())
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            if name == "PartialDossier":
                continue
            assert " — " in spec.get("description", ""), f"{name}.{field}"

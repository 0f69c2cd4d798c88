from __future__ import annotations

import io
import json

import httpx
import pytest

from riskdesk.dossier.sanctions import SanctionsIndex, YenteClient, normalize_name, screen_cli

from .conftest import FIXTURES

LIST = FIXTURES / "sanctions.ftm.json"


@pytest.fixture(scope="module")
def index() -> SanctionsIndex:
    return SanctionsIndex.from_files([LIST])


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("深圳华信电子股份有限公司", "深圳华信电子"),
        ("ＳＨＥＮＺＨＥＮ　ＨＵＡＸＩＮ Electronics Co., Ltd.", "shenzhen huaxin electronics"),
        ("Orient Star Shipping, L.L.C.", "orient star shipping l l c"),
        ("华信科技（上海）集团有限公司", "华信科技上海"),
        ("Eastern Star Maritime GmbH", "eastern star maritime"),
    ],
)
def test_normalize_name(raw: str, normalized: str) -> None:
    assert normalize_name(raw) == normalized


@pytest.mark.parametrize(
    ("query", "entity", "via"),
    [
        ("深圳华信电子股份有限公司", "NK-huaxin-elec", "name"),
        (
            "ＳＨＥＮＺＨＥＮ　ＨＵＡＸＩＮ　ＥＬＥＣＴＲＯＮＩＣＳ Limited",
            "NK-huaxin-elec",
            "name",
        ),
        ("Huaxin Electronic Trading Co., Ltd.", "NK-huaxin-elec", "alias"),
        ("Eastern Star Maritime Co., Ltd.", "NK-orient-shipping", "previousName"),
    ],
)
def test_sanctioned_entity_is_found_under_other_spellings(
    index: SanctionsIndex, query: str, entity: str, via: str
) -> None:
    hits = index.screen(query)
    assert hits and hits[0].entity_id == entity and hits[0].matched_via == via
    assert hits[0].datasets and hits[0].score >= 0.85


def test_clean_look_alike_is_not_flagged(index: SanctionsIndex) -> None:
    assert index.screen("深圳华鑫电器有限公司") == []
    assert index.screen("Shenzhen Huaxia Logistics Co., Ltd.") == []


def test_entities_without_names_are_skipped_and_schemas_filter(index: SanctionsIndex) -> None:
    assert len(index) == 4
    assert index.screen("张伟", schemas=("Company",)) == []
    assert index.screen("张伟")[0].entity_schema == "Person"


def test_screen_cli_prints_hits_and_exits_zero() -> None:
    out = io.StringIO()
    assert screen_cli(["深圳华信电子股份有限公司", "--list", str(LIST)], stdout=out) == 0
    assert "NK-huaxin-elec" in out.getvalue() and "us_ofac_sdn" in out.getvalue()
    out = io.StringIO()
    assert screen_cli(["无关公司", "--list", str(LIST), "--format", "json"], stdout=out) == 0
    assert json.loads(out.getvalue()) == []


def test_screen_cli_json_and_bad_input() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert (
        screen_cli(
            ["Orient", "Star", "Shipping", "--list", str(LIST), "--format", "json"], stdout=out
        )
        == 0
    )
    assert json.loads(out.getvalue())[0]["entity_id"] == "NK-orient-shipping"
    assert screen_cli(["x"], stdout=out, stderr=err) == 2 and "--list" in err.getvalue()
    assert screen_cli(["x", "--list", "/nonexistent.ftm.json"], stdout=out, stderr=err) == 2


def test_yente_client_posts_a_match_query() -> None:
    seen: list[dict] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        result = {
            "id": "Q1",
            "caption": "Huaxin",
            "schema": "Company",
            "score": 0.91,
            "datasets": ["x"],
            "properties": {"topics": ["sanction"]},
        }
        low = {**result, "id": "Q2", "score": 0.2}
        return httpx.Response(200, json={"responses": {"q": {"results": [result, low]}}})

    client = YenteClient("http://yente.invalid", transport=httpx.MockTransport(reply))
    hits = client.match("华信")
    client.close()
    assert [hit.entity_id for hit in hits] == ["Q1"] and hits[0].topics == ("sanction",)
    assert seen[0]["queries"]["q"]["properties"]["name"] == ["华信"]

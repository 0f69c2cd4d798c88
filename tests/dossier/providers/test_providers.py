from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from riskdesk.dossier.providers import (
    PROVIDERS,
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
    check_budget,
    create_provider,
    fetch_waterfall,
    provider_error_event,
    provider_settings_schema,
    should_refetch,
)
from riskdesk.dossier.providers.resilience import TokenBucket
from riskdesk.dossier.schema import Dossier

from ..conftest import AS_OF, FIXTURES


def test_registry_has_the_built_in_providers_with_settings_schemas() -> None:
    assert {"sandbox", "file", "http", "opensanctions"} <= set(PROVIDERS)
    assert "base_url" in provider_settings_schema("http")["properties"]
    with pytest.raises(KeyError, match="未知的数据源"):
        create_provider("nope")


def test_sandbox_provider_is_deterministic_and_free(dossiers: list[Dossier]) -> None:
    provider = create_provider("sandbox")
    result = provider.fetch(FetchRequest(dossiers[0].uscc, AS_OF))
    assert result.dossier == dossiers[0] and result.cost_cny == 0
    with pytest.raises(ProviderError) as caught:
        provider.fetch(FetchRequest("123", AS_OF))
    assert caught.value.code is ProviderErrorCode.NOT_FOUND


def test_file_provider_reads_files_and_folders_and_quarantines_bad_records(
    tmp_path: Path, dossiers: list[Dossier]
) -> None:
    good = [dossier.model_dump(mode="json") for dossier in dossiers[:3]]
    bad = {
        "registration": {"name": "坏记录", "uscc": dossiers[3].uscc},
        "news": [{"title": "no date"}],
    }
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in [*good[:2], bad])
    )
    (tmp_path / "b.json").write_text(
        json.dumps({good[2]["registration"]["uscc"]: good[2]}, ensure_ascii=False)
    )
    provider = create_provider("file", {"path": str(tmp_path)})
    assert provider.fetch(FetchRequest(dossiers[2].uscc, AS_OF)).dossier == dossiers[2]
    with pytest.raises(ProviderError) as caught:
        provider.fetch(FetchRequest(dossiers[3].uscc, AS_OF))
    assert caught.value.code is ProviderErrorCode.INVALID_PAYLOAD and caught.value.errors
    outcomes = list(provider.iter_results())
    assert sum(isinstance(outcome, ProviderResult) for outcome in outcomes) == 3
    with pytest.raises(ProviderError) as missing:
        provider.fetch(FetchRequest(dossiers[9].uscc, AS_OF))
    assert missing.value.code is ProviderErrorCode.NOT_FOUND


def test_file_provider_reports_broken_json(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ProviderError) as caught:
        create_provider("file", {"path": str(tmp_path / "broken.json")}).fetch(
            FetchRequest("x", AS_OF)
        )
    assert caught.value.code is ProviderErrorCode.MALFORMED


def test_opensanctions_provider_returns_a_sanctions_section(dossiers: list[Dossier]) -> None:
    provider = create_provider("opensanctions", {"lists": [str(FIXTURES / "sanctions.ftm.json")]})
    result = provider.fetch(
        FetchRequest(
            dossiers[0].uscc, AS_OF, name="深圳华信电子股份有限公司", related_names=("张伟",)
        )
    )
    assert result.partial is not None and result.dossier is None
    assert {hit.entity_id for hit in result.partial.sanctions or ()} == {
        "NK-huaxin-elec",
        "NK-person-1",
    }
    merged = result.apply_to(dossiers[0])
    assert (
        merged is not None
        and len(merged.sanctions) == 2
        and merged.judicial == dossiers[0].judicial
    )


def test_should_refetch_by_age_and_force() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert should_refetch(last_fetched_at=None, max_age_days=7, now=now)
    assert not should_refetch(last_fetched_at=now - timedelta(days=3), max_age_days=7, now=now)
    assert should_refetch(
        last_fetched_at=now - timedelta(days=3), max_age_days=7, now=now, force=True
    )
    assert should_refetch(last_fetched_at=now - timedelta(days=7), max_age_days=7, now=now)


def test_budget_refuses_a_call_that_does_not_fit() -> None:
    assert check_budget(
        monthly_budget_cny=None, spent_this_month_cny=Decimal(9), cost_cny=Decimal(1)
    ).allowed
    decision = check_budget(
        monthly_budget_cny=Decimal(10), spent_this_month_cny=Decimal("9.5"), cost_cny=Decimal(1)
    )
    assert not decision.allowed and "预算" in decision.message_zh


class _Failing(Provider):
    id = "failing-test"
    label_zh = label_en = "failing"

    def fetch(self, request: FetchRequest) -> ProviderResult:
        raise self.error(ProviderErrorCode.TIMEOUT, cost_cny=Decimal("0.3"))


def test_waterfall_skips_spent_and_failing_providers(dossiers: list[Dossier]) -> None:
    costly = create_provider("sandbox", {"cost_per_call_cny": "2", "monthly_budget_cny": "10"})
    outcome = fetch_waterfall(
        [costly, _Failing(), create_provider("sandbox")],
        FetchRequest(dossiers[0].uscc, AS_OF),
        spent_this_month_cny={"sandbox": Decimal("9")},
    )
    assert outcome.result is not None and outcome.result.dossier == dossiers[0]
    assert [error.code for error in outcome.errors] == [
        ProviderErrorCode.BUDGET_EXHAUSTED,
        ProviderErrorCode.TIMEOUT,
    ]
    assert outcome.spent_cny["failing-test"] == Decimal("0.3")
    nothing = fetch_waterfall([_Failing()], FetchRequest(dossiers[0].uscc, AS_OF))
    assert nothing.result is None and len(nothing.errors) == 1


def test_provider_error_event_is_bilingual_and_deduplicated_per_day() -> None:
    error = ProviderError(ProviderErrorCode.MALFORMED, provider_id="http", detail="line 1")
    first = provider_error_event(error, uscc="U", on=AS_OF)
    assert (
        first.type == "provider.error"
        and "数据源 http" in first.text_zh
        and "provider http" in first.text_en
    )
    assert provider_error_event(error, uscc="U", on=AS_OF).dedup_key == first.dedup_key
    assert (
        provider_error_event(error, uscc="U", on=AS_OF + timedelta(days=1)).dedup_key
        != first.dedup_key
    )


def test_token_bucket_allows_a_burst_then_waits() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(per_second=4, burst=2, clock=lambda: now[0], sleep=sleep)
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.25]
    assert slept == [0.25]

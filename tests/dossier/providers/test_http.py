from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from riskdesk.dossier.providers import FetchRequest, HttpProvider, ProviderError, ProviderErrorCode
from riskdesk.dossier.providers.resilience import CircuitState

from ..conftest import AS_OF, LocalServer

EXAMPLES = Path(__file__).parents[3] / "riskdesk" / "dossier" / "providers" / "examples"
USCC = "913172971417776307"


def _payload() -> dict[str, Any]:
    document = json.loads((EXAMPLES / "qichacha_like.response.json").read_text(encoding="utf-8"))
    document["basic"]["Result"]["CreditCode"] = USCC
    return document


def _ok(body: Any) -> Any:
    return lambda: (
        200,
        {"Content-Type": "application/json"},
        json.dumps(body, ensure_ascii=False).encode(),
    )


class FakeClock:
    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _provider(server: LocalServer, clock: FakeClock, **overrides: Any) -> HttpProvider:
    settings = yaml.safe_load((EXAMPLES / "qichacha_like.yaml").read_text(encoding="utf-8"))
    settings.update(base_url=server.url, auth_header=None, auth_token_env=None, timeout_seconds=1.0)
    settings["requests"] = {"basic": "/basic/{uscc}", "lawsuits": "/lawsuits/{uscc}"}
    settings.update(overrides)
    return HttpProvider(settings, clock=clock, sleep=clock.sleep)


def _serve_example(server: LocalServer) -> None:
    payload = _payload()
    server.routes[f"/basic/{USCC}"] = _ok(payload["basic"])
    server.routes[f"/lawsuits/{USCC}"] = _ok(payload["lawsuits"])


def _fetch(provider: HttpProvider) -> Any:
    return provider.fetch(FetchRequest(USCC, AS_OF, name="苏州恒信机械制造有限公司"))


def test_example_mapping_produces_a_valid_dossier_and_costs_two_calls(
    local_server: LocalServer,
) -> None:
    _serve_example(local_server)
    result = _fetch(_provider(local_server, FakeClock()))
    dossier = result.dossier
    assert dossier is not None and dossier.registration.name == "苏州恒信机械制造有限公司"
    assert str(dossier.registration.registered_capital_cny) == "50000000.00"
    assert [holder.ratio for holder in dossier.shareholders] == [0.6, 0.4]
    assert {suit.role.value for suit in dossier.judicial.lawsuits} == {"plaintiff", "defendant"}
    assert str(result.cost_cny) == "1.00" and result.raw["basic"]["Result"]["CreditCode"] == USCC


def test_auth_token_comes_from_the_environment(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_example(local_server)
    provider = _provider(
        local_server, FakeClock(), auth_header="Token", auth_token_env="RISKDESK_TEST_TOKEN"
    )
    with pytest.raises(ProviderError) as caught:
        _fetch(provider)
    assert caught.value.code is ProviderErrorCode.CONFIGURATION
    monkeypatch.setenv("RISKDESK_TEST_TOKEN", "secret")
    assert _fetch(provider).dossier is not None


def test_5xx_is_retried_with_backoff_then_succeeds(local_server: LocalServer) -> None:
    _serve_example(local_server)
    replies = iter([(503, {}, b"busy"), (502, {}, b"bad gateway")])
    good = local_server.routes[f"/basic/{USCC}"]
    local_server.routes[f"/basic/{USCC}"] = lambda: next(replies, None) or good()
    clock = FakeClock()
    assert _fetch(_provider(local_server, clock)).dossier is not None
    assert clock.sleeps == [0.5, 1.0]


def test_429_honours_retry_after(local_server: LocalServer) -> None:
    _serve_example(local_server)
    replies = iter([(429, {"Retry-After": "7"}, b"{}")])
    good = local_server.routes[f"/basic/{USCC}"]
    local_server.routes[f"/basic/{USCC}"] = lambda: next(replies, None) or good()
    clock = FakeClock()
    assert _fetch(_provider(local_server, clock)).dossier is not None
    assert clock.sleeps == [7.0]


def test_retries_give_up_with_the_last_error(local_server: LocalServer) -> None:
    local_server.routes[f"/basic/{USCC}"] = lambda: (500, {}, b"oops")
    clock = FakeClock()
    with pytest.raises(ProviderError) as caught:
        _fetch(_provider(local_server, clock))
    assert caught.value.code is ProviderErrorCode.HTTP_STATUS and caught.value.status_code == 500
    assert len(local_server.hits) == 3 and "服务返回错误状态" in str(caught.value)


def test_timeout_is_reported(local_server: LocalServer) -> None:
    def slow() -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.6)
        return 200, {}, b"{}"

    local_server.routes[f"/basic/{USCC}"] = slow
    with pytest.raises(ProviderError) as caught:
        _fetch(_provider(local_server, FakeClock(), timeout_seconds=0.2, max_attempts=1))
    assert caught.value.code is ProviderErrorCode.TIMEOUT


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<html>not json</html>", ProviderErrorCode.MALFORMED),
        (
            json.dumps({"Result": {"Name": "缺少信用代码"}}).encode(),
            ProviderErrorCode.INVALID_PAYLOAD,
        ),
        (b"x" * 5000, ProviderErrorCode.TOO_LARGE),
    ],
)
def test_bad_payloads_raise_one_error_type_without_retrying(
    local_server: LocalServer, body: bytes, code: ProviderErrorCode
) -> None:
    _serve_example(local_server)
    local_server.routes[f"/basic/{USCC}"] = lambda: (200, {}, body)
    clock = FakeClock()
    with pytest.raises(ProviderError) as caught:
        _fetch(_provider(local_server, clock, max_response_bytes=4000))
    assert caught.value.code is code and clock.sleeps == []
    if code is not ProviderErrorCode.TOO_LARGE:
        assert caught.value.raw


def test_missing_fields_are_listed_in_the_error(local_server: LocalServer) -> None:
    payload = _payload()
    del payload["basic"]["Result"]["Name"]
    payload["lawsuits"]["Result"][0]["CaseRole"] = "被告"
    payload["lawsuits"]["Result"][0]["SubmitDate"] = "not a date"
    local_server.routes[f"/basic/{USCC}"] = _ok(payload["basic"])
    local_server.routes[f"/lawsuits/{USCC}"] = _ok(
        {"Result": [{"CaseReason": "x", "CaseRole": "原告"}]}
    )
    with pytest.raises(ProviderError) as caught:
        _fetch(_provider(local_server, FakeClock()))
    locations = {".".join(error["loc"]) for error in caught.value.errors}
    assert "registration.name" in locations
    assert "judicial.lawsuits.0.case_number" in locations
    assert str(caught.value.cost_cny) == "1.00"


def test_circuit_opens_then_half_opens_and_closes(local_server: LocalServer) -> None:
    _serve_example(local_server)
    good = local_server.routes[f"/basic/{USCC}"]
    failing = {"on": True}
    local_server.routes[f"/basic/{USCC}"] = lambda: (503, {}, b"down") if failing["on"] else good()
    clock = FakeClock()
    provider = _provider(
        local_server, clock, max_attempts=1, circuit_failure_threshold=2, circuit_reset_seconds=30
    )
    for _ in range(2):
        with pytest.raises(ProviderError):
            _fetch(provider)
    assert provider.breaker.state is CircuitState.OPEN
    calls = len(local_server.hits)
    with pytest.raises(ProviderError) as caught:
        _fetch(provider)
    assert caught.value.code is ProviderErrorCode.CIRCUIT_OPEN and len(local_server.hits) == calls
    clock.now += 31
    assert provider.breaker.state is CircuitState.HALF_OPEN
    with pytest.raises(ProviderError):
        _fetch(provider)
    assert provider.breaker.state is CircuitState.OPEN
    clock.now += 31
    failing["on"] = False
    assert _fetch(provider).dossier is not None
    assert provider.breaker.state is CircuitState.CLOSED


def test_rate_limit_spaces_calls(local_server: LocalServer) -> None:
    _serve_example(local_server)
    clock = FakeClock()
    provider = _provider(local_server, clock, rate_limit_per_second=2, rate_limit_burst=1)
    _fetch(provider)
    assert clock.sleeps == [0.5]


def test_404_is_not_found(local_server: LocalServer) -> None:
    with pytest.raises(ProviderError) as caught:
        _fetch(_provider(local_server, FakeClock()))
    assert caught.value.code is ProviderErrorCode.NOT_FOUND and len(local_server.hits) == 1


def test_bad_mapping_is_refused_when_settings_are_loaded(local_server: LocalServer) -> None:
    with pytest.raises(ValueError, match="JMESPath"):
        _provider(local_server, FakeClock(), mapping={"registration": {"name": "basic.[["}})
    with pytest.raises(ValueError, match="未知的档案列表"):
        _provider(
            local_server,
            FakeClock(),
            mapping={"lists": {"judicial.nope": {"each": "a", "fields": {}}}},
        )

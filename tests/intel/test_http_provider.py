"""Acceptance 3 of issue 4 end to end: the example http mapping against a local server, through
refresh_dossier and the profile page; every way of breaking the server keeps the previous data."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from pathlib import Path

import pytest
import yaml

from riskdesk.intel import services
from riskdesk.intel.choices import RefreshStatus
from riskdesk.intel.models import DossierSnapshot, ProviderConfig, QuarantinedPayload

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).parents[2] / "riskdesk" / "dossier" / "providers" / "examples"
AS_OF = dt.date(2026, 11, 28)


def example_payload(uscc: str) -> dict:
    document = json.loads((EXAMPLES / "qichacha_like.response.json").read_text(encoding="utf-8"))
    document["basic"]["Result"]["CreditCode"] = uscc
    return document


def reply(body: object, status: int = 200, headers: dict | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return lambda: (status, {"Content-Type": "application/json", **(headers or {})}, data)


def slow(seconds: float, body: object):
    def answer():
        time.sleep(seconds)
        return reply(body)()

    return answer


@pytest.fixture
def http_customer(make_customer, users, local_server):
    customer = make_customer("苏州恒信机械制造有限公司", owner=users["sales"])
    payload = example_payload(customer.uscc)
    local_server.routes[f"/basic/{customer.uscc}"] = reply(payload["basic"])
    local_server.routes[f"/lawsuits/{customer.uscc}"] = reply(payload["lawsuits"])
    settings = yaml.safe_load((EXAMPLES / "qichacha_like.yaml").read_text(encoding="utf-8"))
    settings.pop("monthly_budget_cny", None)  # the budget lives on ProviderConfig itself
    settings.update(
        base_url=local_server.url,
        auth_header=None,
        auth_token_env=None,
        timeout_seconds=0.5,
        max_attempts=2,
        backoff_initial_seconds=0.01,
        backoff_max_seconds=0.02,
        max_response_bytes=200_000,
        requests={"basic": "/basic/{uscc}", "lawsuits": "/lawsuits/{uscc}"},
    )
    ProviderConfig.objects.filter(provider_id="sandbox").update(enabled=False)
    config = ProviderConfig(provider_id="http", priority=0, enabled=True, settings=settings)
    config.full_clean()
    config.save()
    return customer, payload


def refresh(customer, actor):
    return services.refresh_dossier(customer=customer, actor=actor, force=True, as_of=AS_OF)


BREAKAGES = {
    "5xx": lambda payload: reply({"error": "down"}, status=503),
    "429 with Retry-After": lambda payload: reply({}, status=429, headers={"Retry-After": "0"}),
    "timeout": lambda payload: slow(0.8, payload["basic"]),
    "garbage JSON": lambda payload: reply(b"{not json"),
    "missing fields": lambda payload: reply(
        {**payload["basic"], "Result": {"Name": "缺少信用代码"}}
    ),
    "huge payload": lambda payload: reply(b'{"Result": "' + b"x" * 300_000 + b'"}'),
}


def test_example_mapping_through_refresh_and_profile(http_customer, users, client):
    customer, _payload = http_customer
    assert refresh(customer, users["sales"]).status == RefreshStatus.CREATED
    dossier = DossierSnapshot.objects.current_for(customer.pk)
    assert dossier is not None and dossier.provider_id == "http"
    client.force_login(users["sales"])
    page = client.get(f"/customers/{customer.pk}/profile/?tab=background")
    assert page.status_code == 200 and "苏州恒信机械制造有限公司" in page.content.decode()


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_server_leaves_the_previous_data_visible(
    http_customer,
    users,
    client,
    local_server,
    breakage,
):
    customer, payload = http_customer
    assert refresh(customer, users["sales"]).status == RefreshStatus.CREATED
    before = DossierSnapshot.objects.current_for(customer.pk)
    local_server.routes[f"/basic/{customer.uscc}"] = BREAKAGES[breakage](copy.deepcopy(payload))

    outcome = refresh(customer, users["sales"])

    assert outcome.status == RefreshStatus.FAILED
    assert DossierSnapshot.objects.current_for(customer.pk) == before
    assert DossierSnapshot.objects.filter(customer=customer).count() == 1
    if breakage in {"garbage JSON", "missing fields"}:
        assert QuarantinedPayload.objects.filter(customer=customer).exists()
    client.force_login(users["sales"])
    page = client.get(f"/customers/{customer.pk}/profile/?tab=background")
    assert page.status_code == 200 and "苏州恒信机械制造有限公司" in page.content.decode()

from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from riskdesk.intel import services
from riskdesk.intel.models import DossierSnapshot, ProviderConfig, PushReceipt
from riskdesk.jobs.models import Job
from tests.intel.conftest import EARLY, LATE

SECRET = "s3cret-push-key"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def profiled(evolving, users):
    services.refresh_dossier(customer=evolving, actor=users["risk"], as_of=EARLY)
    services.refresh_dossier(customer=evolving, actor=users["risk"], as_of=LATE)
    return evolving


def test_current_dossier_of_a_visible_customer(api, users, profiled):
    api.force_authenticate(users["sales"])
    response = api.get(f"/api/intel/dossiers/{profiled.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == LATE.isoformat() and body["provider_id"] == "sandbox"
    assert body["dossier"]["registration"]["uscc"] == profiled.uscc


@pytest.mark.parametrize("who", ["other_sales", "nobody"])
def test_invisible_customers_are_404(api, users, profiled, who):
    api.force_authenticate(users[who])
    assert api.get(f"/api/intel/dossiers/{profiled.pk}/").status_code == 404
    assert api.post(f"/api/intel/dossiers/{profiled.pk}/refresh/").status_code == 404
    events = api.get("/api/intel/events/").json()
    assert events["count"] == 0


def test_no_dossier_yet_is_a_404_with_a_message(api, users, make_customer):
    customer = make_customer(owner=users["sales"])
    api.force_authenticate(users["sales"])
    response = api.get(f"/api/intel/dossiers/{customer.pk}/")
    assert response.status_code == 404 and "No dossier" in response.json()["detail"]


def test_events_list_with_filters(api, users, profiled):
    api.force_authenticate(users["auditor"])
    every = api.get("/api/intel/events/", {"customer": profiled.pk}).json()
    assert every["count"] > 0
    judicial = api.get("/api/intel/events/", {"dimension": "judicial"}).json()
    assert judicial["count"] and all(e["dimension"] == "judicial" for e in judicial["results"])
    high = api.get("/api/intel/events/", {"min_severity": "high"}).json()
    assert all(e["severity"] in ("high", "critical") for e in high["results"])
    typed = api.get("/api/intel/events/", {"type": "lawsuit.added"}).json()
    assert typed["count"] and {e["type"] for e in typed["results"]} == {"lawsuit.added"}
    assert api.get("/api/intel/events/", {"dimension": "nonsense"}).status_code == 400


def test_refresh_trigger_returns_a_job(api, users, profiled, django_capture_on_commit_callbacks):
    api.force_authenticate(users["sales"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/intel/dossiers/{profiled.pk}/refresh/", {}, format="json")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == "succeeded"


def test_auditor_may_not_trigger_a_refresh(api, users, profiled):
    api.force_authenticate(users["auditor"])
    assert api.post(f"/api/intel/dossiers/{profiled.pk}/refresh/").status_code == 403


def test_unknown_provider_in_refresh_is_a_400(api, users, profiled):
    api.force_authenticate(users["risk"])
    response = api.post(
        f"/api/intel/dossiers/{profiled.pk}/refresh/", {"provider_id": "nope"}, format="json"
    )
    assert response.status_code == 400


def test_prospect_search_and_creation(api, users):
    api.force_authenticate(users["sales"])
    found = api.get("/api/intel/prospects/", {"q": "鼎辉"}).json()
    assert found and found[0]["uscc"]
    created = api.post(
        "/api/intel/prospects/", {"uscc": found[0]["uscc"], "name": found[0]["name"]}
    )
    assert created.status_code == 201
    assert created.json()["status"] == "prospect" and created.json()["owner"] == "sales_u"
    assert DossierSnapshot.objects.filter(customer_id=created.json()["id"]).exists()
    bad = api.post("/api/intel/prospects/", {"uscc": "123", "name": "x"})
    assert bad.status_code == 400


def test_auditor_cannot_create_prospects(api, users):
    api.force_authenticate(users["auditor"])
    assert api.get("/api/intel/prospects/", {"q": "鼎辉"}).status_code == 403


# --- provider push ---------------------------------------------------------------------------


@pytest.fixture
def push_enabled(sandbox_config):
    sandbox_config.push_secret = SECRET
    sandbox_config.save()
    return sandbox_config


def signed(body: dict, *, secret: str = SECRET, timestamp: int | None = None) -> dict:
    raw = json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = services.push_signature(secret=secret, timestamp=stamp, body=raw)
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_RISKDESK_TIMESTAMP": stamp,
        "HTTP_X_RISKDESK_SIGNATURE": signature,
    }


def test_signed_push_triggers_a_refresh(
    api, push_enabled, evolving, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/intel/push/sandbox/", **signed({"uscc": evolving.uscc}))
    assert response.status_code == 202, response.content
    assert response.json()["known"] is True
    assert DossierSnapshot.objects.filter(customer=evolving).exists()
    assert Job.objects.get(pk=response.json()["job_id"]).status == "succeeded"


def test_push_for_an_unknown_company_is_acknowledged(api, push_enabled, db):
    response = api.post("/api/intel/push/sandbox/", **signed({"uscc": "91350100M000100Y43"}))
    assert response.status_code == 202 and response.json()["known"] is False


def test_replayed_push_is_rejected(api, push_enabled, evolving):
    request = signed({"uscc": evolving.uscc})
    assert api.post("/api/intel/push/sandbox/", **request).status_code == 202
    again = api.post("/api/intel/push/sandbox/", **request)
    assert again.status_code == 409 and again.json()["code"] == "replayed"
    assert PushReceipt.objects.count() == 1


def test_unsigned_push_is_rejected(api, push_enabled, evolving):
    response = api.post(
        "/api/intel/push/sandbox/",
        json.dumps({"uscc": evolving.uscc}),
        content_type="application/json",
    )
    assert response.status_code == 401 and response.json()["code"] == "unsigned"


def test_push_signed_with_another_secret_is_rejected(api, push_enabled, evolving):
    response = api.post(
        "/api/intel/push/sandbox/", **signed({"uscc": evolving.uscc}, secret="guess")
    )
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"


def test_stale_push_is_rejected(api, push_enabled, evolving):
    old = int(time.time()) - services.PUSH_TOLERANCE_SECONDS - 60
    response = api.post(
        "/api/intel/push/sandbox/", **signed({"uscc": evolving.uscc}, timestamp=old)
    )
    assert response.status_code == 401 and response.json()["code"] == "stale"


def test_tampered_body_is_rejected(api, push_enabled, evolving, make_customer):
    request = signed({"uscc": evolving.uscc})
    request["data"] = json.dumps({"uscc": make_customer().uscc}).encode()
    assert api.post("/api/intel/push/sandbox/", **request).json()["code"] == "bad_signature"


def test_push_to_a_provider_without_a_secret_is_rejected(api, sandbox_config, evolving):
    response = api.post("/api/intel/push/sandbox/", **signed({"uscc": evolving.uscc}))
    assert response.status_code == 404 and response.json()["code"] == "unknown_provider"
    assert api.post("/api/intel/push/nope/", **signed({"uscc": evolving.uscc})).status_code == 404


def test_push_without_a_valid_uscc_is_a_400(api, push_enabled):
    response = api.post("/api/intel/push/sandbox/", **signed({"company": "x"}))
    assert response.status_code == 400 and response.json()["code"] == "bad_payload"


def test_disabled_provider_accepts_no_push(api, push_enabled, evolving):
    ProviderConfig.objects.filter(pk=push_enabled.pk).update(enabled=False)
    assert (
        api.post("/api/intel/push/sandbox/", **signed({"uscc": evolving.uscc})).status_code == 404
    )

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _start(api, user, **body):
    api.force_authenticate(user)
    return api.post("/api/onboarding", body, format="json")


def test_start_answers_case_status_outcome_and_reasons(api, users, outcome_uscc):
    response = _start(api, users["sales"], uscc=outcome_uscc("reject"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"case_id", "status", "outcome", "reasons", "customer_id"} <= set(body)
    assert body["status"] == body["outcome"] == "reject"
    assert body["reasons"][0]["code"] and body["reasons"][0]["reason"]
    again = api.get(f"/api/onboarding/{body['case_id']}")
    assert again.status_code == 200 and again.json()["case_id"] == body["case_id"]
    api.force_authenticate(users["other_sales"])
    assert api.get(f"/api/onboarding/{body['case_id']}").status_code == 404


def test_start_twice_returns_the_same_open_case(api, users, outcome_uscc):
    first = _start(api, users["sales"], uscc=outcome_uscc("review")).json()
    second = _start(api, users["sales"], uscc=outcome_uscc("review")).json()
    assert first["status"] == "review" and second["case_id"] == first["case_id"]


def test_owner_and_errors(api, users, outcome_uscc):
    body = _start(api, users["risk"], uscc=outcome_uscc("pass"), owner="sales_u").json()
    assert body["status"] == "pass" and body["grade"]
    assert _start(api, users["sales"]).status_code == 400
    assert _start(api, users["sales"], uscc="123").status_code == 400
    assert _start(api, users["auditor"], uscc=outcome_uscc("pass", 1)).status_code == 403
    assert _start(api, users["risk"], uscc=outcome_uscc("pass", 1), owner="ghost").status_code == (
        400
    )


def test_risk_manager_decides_through_the_api(api, users, outcome_uscc):
    case_id = _start(api, users["sales"], uscc=outcome_uscc("review")).json()["case_id"]
    url = f"/api/onboarding/{case_id}/decide"
    assert api.post(url, {"approve": True, "reason": "x"}, format="json").status_code == 403
    api.force_authenticate(users["risk"])
    assert api.post(url, {"approve": True}, format="json").status_code == 400
    response = api.post(url, {"approve": True, "reason": "已核实"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["decided_by"] == str(users["risk"])

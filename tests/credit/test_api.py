from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from riskdesk.credit.choices import CheckStatus, RequestStatus
from riskdesk.credit.models import CreditCheck, LimitRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _post_check(api, user, customer_key, reference, amount):
    api.force_authenticate(user)
    return api.post(
        "/api/credit/check",
        {"customer": customer_key, "order_reference": reference, "amount": amount},
        format="json",
    )


def test_check_by_id_and_by_uscc(api, users, customer, grant):
    grant(customer, "100000")
    response = _post_check(api, users["credit"], str(customer.pk), "SO-1", "60000")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "approve" and body["reasons"] == []
    assert body["limit"] == "100000.00" and body["exposure"] == "0.00"
    response = _post_check(api, users["credit"], customer.uscc, "SO-2", "50000")
    body = response.json()
    assert body["decision"] == "hold"
    assert [reason["code"] for reason in body["reasons"]] == ["over_limit"]
    assert body["reasons"][0]["message"]
    assert body["exposure"] == "60000.00"


def test_repeated_check_returns_the_stored_decision(api, users, customer, grant):
    grant(customer, "100000")
    first = _post_check(api, users["credit"], str(customer.pk), "SO-1", "60000").json()
    again = _post_check(api, users["credit"], str(customer.pk), "SO-1", "60000").json()
    assert again["check_id"] == first["check_id"] and again["decision"] == "approve"


@pytest.mark.parametrize(
    ("role", "expected"), [("auditor", 404), ("other_sales", 404), ("nobody", 404)]
)
def test_check_denials_are_never_a_500(api, users, customer, role, expected):
    response = _post_check(api, users[role], str(customer.pk), "SO-1", "1")
    assert response.status_code == expected
    assert not CreditCheck.objects.exists()


def test_check_input_errors_are_400(api, users, customer, make_customer):
    assert _post_check(api, users["credit"], str(customer.pk), "SO-1", "-5").status_code == 400
    assert _post_check(api, users["credit"], "999999", "SO-1", "5").status_code == 404
    _post_check(api, users["credit"], str(customer.pk), "SO-1", "5")
    other = make_customer()
    response = _post_check(api, users["credit"], str(other.pk), "SO-1", "5")
    assert response.status_code == 400


def test_check_needs_authentication(customer):
    response = APIClient().post(
        "/api/credit/check", {"customer": customer.pk, "order_reference": "x", "amount": "1"}
    )
    assert response.status_code in (401, 403)


def test_limit_request_flow(api, users, customer):
    api.force_authenticate(users["sales"])
    response = api.post(
        "/api/credit/limit-requests/",
        {"customer": customer.pk, "kind": "raise", "amount": "300000", "reason": "新项目"},
        format="json",
    )
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert api.post(f"/api/credit/limit-requests/{request_id}/approve/").status_code == 403
    api.force_authenticate(users["other_sales"])
    assert api.get("/api/credit/limit-requests/").json()["count"] == 0
    assert api.post(f"/api/credit/limit-requests/{request_id}/approve/").status_code == 404
    api.force_authenticate(users["credit"])
    response = api.post(f"/api/credit/limit-requests/{request_id}/approve/", {"reason": "ok"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["decisions"][0]["actor"] == "credit_u"
    response = api.post(f"/api/credit/limit-requests/{request_id}/reject/", {"reason": "x"})
    assert response.status_code == 400


def test_limit_request_reject_and_auditor(api, users, customer, grant):
    grant(customer, "100")
    api.force_authenticate(users["auditor"])
    response = api.post(
        "/api/credit/limit-requests/",
        {"customer": customer.pk, "kind": "raise", "amount": "1", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    api.force_authenticate(users["sales"])
    request_id = api.post(
        "/api/credit/limit-requests/",
        {"customer": customer.pk, "kind": "lower", "amount": "1", "reason": "x"},
        format="json",
    ).json()["id"]
    api.force_authenticate(users["auditor"])
    assert api.get("/api/credit/limit-requests/").json()["count"] == 1
    assert (
        api.post(f"/api/credit/limit-requests/{request_id}/reject/", {"reason": "r"}).status_code
        == 403
    )
    api.force_authenticate(users["risk"])
    assert (
        api.post(f"/api/credit/limit-requests/{request_id}/reject/", {"reason": "r"}).status_code
        == 200
    )
    assert LimitRequest.objects.get().status == RequestStatus.REJECTED


def test_limit_request_amount_must_move_the_limit_the_asked_way(api, users, customer, grant):
    grant(customer, "100")
    api.force_authenticate(users["sales"])
    for kind, amount in (("raise", "100"), ("lower", "150")):
        response = api.post(
            "/api/credit/limit-requests/",
            {"customer": customer.pk, "kind": kind, "amount": amount, "reason": "x"},
            format="json",
        )
        assert response.status_code == 400
        assert " / " in str(response.json())
    assert not LimitRequest.objects.exists()


def test_holds_queue_release_and_reject(api, users, customer, grant):
    grant(customer, "100")
    held = [
        _post_check(api, users["credit"], str(customer.pk), f"SO-{n}", "500").json()
        for n in range(2)
    ]
    fits = _post_check(api, users["credit"], str(customer.pk), "SO-ok", "1").json()
    assert fits["decision"] == "approve"  # held orders do not use the limit
    api.force_authenticate(users["sales"])
    assert api.get("/api/credit/holds/").json()["count"] == 2
    assert (
        api.post(f"/api/credit/holds/{held[0]['check_id']}/release/", {"reason": "x"}).status_code
        == 403
    )
    api.force_authenticate(users["credit"])
    assert api.post(f"/api/credit/holds/{held[0]['check_id']}/release/", {}).status_code == 400
    response = api.post(f"/api/credit/holds/{held[0]['check_id']}/release/", {"reason": "预付"})
    assert response.status_code == 200 and response.json()["status"] == "released"
    response = api.post(f"/api/credit/holds/{held[1]['check_id']}/reject/", {"reason": "超额"})
    assert response.json()["status"] == "rejected"
    assert api.get("/api/credit/holds/").json()["count"] == 0
    assert api.get("/api/credit/holds/?status=released").json()["count"] == 1
    assert not CreditCheck.objects.filter(status=CheckStatus.HELD).exists()


def test_a_locked_sqlite_database_answers_503_and_stores_nothing(
    api, users, customer, grant, monkeypatch
):
    """SQLite's write lock still held after its busy timeout (seen with 20 concurrent ERP
    clients): the caller gets a bilingual 503 with Retry-After, not a 500."""
    from django.db import OperationalError

    from riskdesk.credit import services

    grant(customer, "100000")

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "customer_exposure", locked)
    response = _post_check(api, users["credit"], str(customer.pk), "SO-busy", "1")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "busy"
    assert " / " in body["errors"]["non_field_errors"][0]
    assert not CreditCheck.objects.filter(order_reference="SO-busy").exists()

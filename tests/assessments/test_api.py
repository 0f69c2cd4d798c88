from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from riskdesk.assessments import services
from riskdesk.assessments.models import Assessment
from tests.assessments.conftest import AS_OF


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def assessed(portfolio, users):
    return [
        services.assess_customer(customer=customer, actor=users["risk"], as_of=AS_OF)
        for customer in portfolio[:4]
    ]


def test_list_is_scoped_to_the_customers_one_may_see(api, users, assessed):
    api.force_authenticate(users["sales"])
    body = api.get("/api/assessments/").json()
    own = {a.pk for a in assessed if a.customer.owner == users["sales"]}
    assert {row["id"] for row in body["results"]} == own
    api.force_authenticate(users["auditor"])
    assert api.get("/api/assessments/").json()["count"] == 4


def test_filter_by_customer_and_detail_with_features_and_trace(api, users, assessed):
    api.force_authenticate(users["risk"])
    target = assessed[1]
    rows = api.get(f"/api/assessments/?customer={target.customer_id}").json()["results"]
    assert [row["id"] for row in rows] == [target.pk]
    detail = api.get(f"/api/assessments/{target.pk}/").json()
    assert detail["outputs"] == target.outputs and detail["features"] == target.features
    assert detail["trace"] and detail["policy_version"] == 1


def test_other_peoples_assessment_is_a_404(api, users, assessed):
    foreign = next(a for a in assessed if a.customer.owner == users["other_sales"])
    api.force_authenticate(users["sales"])
    assert api.get(f"/api/assessments/{foreign.pk}/").status_code == 404


def test_trigger_an_assessment(api, users, portfolio):
    api.force_authenticate(users["sales"])
    response = api.post("/api/assessments/", {"customer": portfolio[0].pk}, format="json")
    assert response.status_code == 201
    assert Assessment.objects.get().pk == response.json()["id"]


@pytest.mark.parametrize(
    ("role", "index", "status"),
    [("auditor", 0, 403), ("other_sales", 0, 404), ("sales", 10**9, 404), ("nobody", 0, 404)],
)
def test_trigger_refusals_are_never_a_500(api, users, portfolio, role, index, status):
    api.force_authenticate(users[role])
    customer = portfolio[0].pk if index == 0 else index
    response = api.post("/api/assessments/", {"customer": customer}, format="json")
    assert response.status_code == status
    assert not Assessment.objects.exists()


def test_trigger_validates_its_input(api, users, portfolio):
    api.force_authenticate(users["risk"])
    assert api.post("/api/assessments/", {"customer": "x"}, format="json").status_code == 400


def test_anonymous_is_refused(api, assessed):
    assert api.get("/api/assessments/").status_code in {401, 403}

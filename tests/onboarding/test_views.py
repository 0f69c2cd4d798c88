from __future__ import annotations

import pytest

from riskdesk.customers.choices import CustomerStatus
from riskdesk.onboarding.choices import CaseStatus
from riskdesk.onboarding.models import AdmissionCase

pytestmark = pytest.mark.django_db


def test_prospect_page_offers_admission_and_shows_the_case(client, users, outcome_uscc):
    client.force_login(users["sales"])
    uscc = outcome_uscc("pass")
    page = client.get("/customers/prospects/", {"q": uscc})
    assert 'data-testid="start-admission"' in page.content.decode()
    response = client.post("/onboarding/start/", {"uscc": uscc, "name": ""})
    case = AdmissionCase.objects.get()
    assert response.status_code == 302 and response.url == f"/onboarding/{case.pk}/"
    page = client.get(response.url).content.decode()
    assert case.customer.name in page and case.assessment.grade in page
    assert 'data-testid="decide-form"' not in page


def test_start_error_goes_back_to_the_search(client, users):
    client.force_login(users["sales"])
    response = client.post("/onboarding/start/", {"uscc": "123"})
    assert response.status_code == 302 and response.url == "/customers/prospects/"


def test_review_queue_and_decision(client, users, outcome_uscc):
    client.force_login(users["sales"])
    client.post("/onboarding/start/", {"uscc": outcome_uscc("review")})
    case = AdmissionCase.objects.get()
    assert 'data-testid="decide-form"' not in client.get(f"/onboarding/{case.pk}/").content.decode()
    client.force_login(users["risk"])
    queue = client.get("/onboarding/").content.decode()
    assert f"/onboarding/{case.pk}/" in queue
    page = client.get(f"/onboarding/{case.pk}/").content.decode()
    assert 'data-testid="decide-form"' in page and case.reasons[0]["reason"] in page
    client.post(f"/onboarding/{case.pk}/approve/", {"reason": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEW
    client.post(f"/onboarding/{case.pk}/approve/", {"reason": "已核实"})
    case.refresh_from_db()
    case.customer.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.customer.status == CustomerStatus.ACTIVE
    assert f"/onboarding/{case.pk}/" not in client.get("/onboarding/").content.decode()


def test_auditor_has_no_queue(client, users):
    client.force_login(users["auditor"])
    assert client.get("/onboarding/").status_code == 403

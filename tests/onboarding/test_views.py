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


# --- the wizard -----------------------------------------------------------------------------


def test_wizard_search_pick_and_pass_with_every_step_audited(client, users, outcome_uscc):
    from riskdesk.audit.models import AuditEvent
    from riskdesk.credit.services import current_limit
    from riskdesk.intel.templatetags.intel_tags import cny

    client.force_login(users["sales"])
    uscc = outcome_uscc("pass")
    assert 'data-testid="wizard-search"' in client.get("/onboarding/new/").text
    partial = client.get("/onboarding/new/candidates/", {"q": uscc}).text
    assert uscc in partial and 'data-testid="pick-candidate"' in partial
    result = client.post("/onboarding/new/run/", {"uscc": uscc, "name": ""}).text
    case = AdmissionCase.objects.get()
    assert 'data-outcome="pass"' in result and case.customer.name in result
    assert f"/customers/{case.customer_id}/profile/" in result
    assert case.assessment.grade in result and 'data-testid="wizard-done-steps"' in result
    limit = current_limit(case.customer)  # a passed case is admitted with its proposed limit
    assert limit is not None and limit.assessment == case.assessment
    assert f'data-testid="wizard-limit">{cny(limit.amount)}</strong>' in result
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"customer_created", "dossier_refreshed", "assessment_created", "admission_started"} <= (
        actions
    )


def test_wizard_review_opens_a_task_and_reject_shows_reasons(client, users, outcome_uscc):
    client.force_login(users["sales"])
    result = client.post("/onboarding/new/run/", {"uscc": outcome_uscc("review")}).text
    case = AdmissionCase.objects.get()
    assert case.status == CaseStatus.REVIEW and 'data-testid="wizard-review"' in result
    assert "已为风控经理创建审核任务" in result and f"/onboarding/{case.pk}/" in result
    result = client.post("/onboarding/new/run/", {"uscc": outcome_uscc("reject")}).text
    rejected = AdmissionCase.objects.get(status=CaseStatus.REJECT)
    assert 'data-outcome="reject"' in result
    assert all(reason["reason"] in result for reason in rejected.reasons)
    assert rejected.customer.status == CustomerStatus.PROSPECT


def test_wizard_errors_are_shown_in_place(client, users):
    client.force_login(users["sales"])
    result = client.post("/onboarding/new/run/", {"uscc": "", "name": ""}).text
    assert 'data-testid="wizard-errors"' in result and " / Give a USCC or a name" in result
    assert not AdmissionCase.objects.exists()


def test_wizard_needs_the_onboard_role(client, users):
    for role in ("auditor", "credit"):
        client.force_login(users[role])
        assert client.get("/onboarding/new/").status_code == 403
        assert client.post("/onboarding/new/run/", {"uscc": "x"}).status_code == 403

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from riskdesk.assessments import services
from riskdesk.assessments.models import Assessment, BatchRun
from tests.assessments.conftest import AS_OF


def profile(client, customer) -> str:
    response = client.get(reverse("intel:profile", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_overview_shows_grade_score_breakdown_history_and_trace(client, users, portfolio):
    customer = portfolio[2]
    first = services.assess_customer(customer=customer, actor=users["risk"], as_of=AS_OF)
    services.assess_customer(customer=customer, actor=users["risk"], as_of=AS_OF)
    client.force_login(users["sales"])
    html = profile(client, customer)

    assert f'data-testid="assessment-grade">{first.grade}<' in html
    assert 'data-testid="indicator-overdue"' in html and 'data-testid="assessment-trace"' in html
    for code in first.outputs["reason_codes"]:
        assert f'data-testid="reason-{code}"' in html
    chart = re.search(r'<script id="assessment-history-chart"[^>]*>(.*?)</script>', html, re.S)
    options = json.loads(chart.group(1))
    assert len(options["xAxis"]["data"]) == 2 and options["series"][0]["data"][0]["value"]
    assert 'data-testid="reassess-button"' in html


def test_overview_without_assessment_says_so(client, users, portfolio):
    client.force_login(users["auditor"])
    html = profile(client, portfolio[0])
    assert 'data-testid="no-assessment"' in html
    assert 'data-testid="reassess-button"' not in html  # auditors change nothing


def test_reassess_button_returns_the_new_panel(client, users, portfolio):
    client.force_login(users["sales"])
    response = client.post(
        reverse("assessments:reassess", args=[portfolio[0].pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'data-testid="assessment-grade"' in response.content.decode()
    assert Assessment.objects.get().actor == users["sales"]


@pytest.mark.parametrize(("role", "status"), [("auditor", 403), ("other_sales", 404)])
def test_reassess_is_refused_without_a_500(client, users, portfolio, role, status):
    client.force_login(users[role])
    response = client.post(reverse("assessments:reassess", args=[portfolio[0].pk]))
    assert response.status_code == status
    assert not Assessment.objects.exists()


def test_batch_button_starts_the_batch_with_progress(
    client, users, portfolio, django_capture_on_commit_callbacks
):
    client.force_login(users["risk"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:batch"))
    assert response.status_code == 200
    batch = BatchRun.objects.get()
    assert f'data-testid="batch-{batch.pk}"' in response.content.decode()
    assert batch.assessments.count() == 7


@pytest.mark.parametrize("role", ["sales", "credit", "auditor"])
def test_batch_button_is_for_risk_managers(client, users, portfolio, role):
    client.force_login(users[role])
    assert client.post(reverse("assessments:batch")).status_code == 403
    assert not BatchRun.objects.exists()

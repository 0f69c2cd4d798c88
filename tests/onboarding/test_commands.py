from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from riskdesk.onboarding.models import AdmissionCase

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("onboard", *args, stdout=out)
    return out.getvalue()


def test_onboard_json(users, outcome_uscc):
    output = _run("--uscc", outcome_uscc("review"), "--user", "sales_u", "--format", "json")
    body = json.loads(output)
    case = AdmissionCase.objects.get()
    assert body["case_id"] == case.pk and body["status"] == "review" == body["outcome"]
    assert body["customer_id"] == case.customer_id and body["reasons"]
    assert case.requested_by == users["sales"]


def test_onboard_text_with_owner(users, outcome_uscc):
    output = _run("--uscc", outcome_uscc("reject"), "--owner", "sales_u")
    case = AdmissionCase.objects.get()
    assert f"#{case.pk}" in output and "reject" in output
    assert case.reasons[0]["reason"] in output
    assert case.customer.owner == users["sales"]


def test_onboard_errors(users, outcome_uscc):
    with pytest.raises(CommandError):
        _run("--uscc", "123")
    with pytest.raises(CommandError):
        _run("--uscc", outcome_uscc("pass"), "--user", "auditor_u")
    with pytest.raises(CommandError):
        _run("--name", "宏达")

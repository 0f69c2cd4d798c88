from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from riskdesk.assessments.models import Assessment, BatchRun
from tests.assessments.conftest import AS_OF


def run(*args, err: StringIO | None = None) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=err or StringIO())
    return out.getvalue()


def test_assess_all_shows_progress_and_assesses_everyone(portfolio):
    err = StringIO()
    output = run("assess", "--all", "--as-of", AS_OF.isoformat(), "--chunk-size", "3", err=err)

    progress = err.getvalue()
    assert "\r评估 assess [" in progress and "3/7" in progress and "7/7" in progress
    assert re.search(r"7/7 · [\d,]+/s", progress)
    assert "已评估 assessed 7 / 7" in output and "7 assessed, 0 failed" in output
    assert BatchRun.objects.get().as_of == AS_OF
    assert Assessment.objects.count() == 7


def test_assess_one_customer_by_uscc(portfolio):
    err = StringIO()
    output = run("assess", "--customer", portfolio[2].uscc, "--as-of", AS_OF.isoformat(), err=err)
    assessment = Assessment.objects.get()
    assert f"等级 grade {assessment.grade}" in output and "1/1" in err.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ("--customer", "91110000000000000X"),
        ("--all", "--as-of", "2026-13-01"),
        ("--all", "--user", "ghost"),
    ],
)
def test_assess_refuses_bad_input(portfolio, args):
    with pytest.raises(CommandError):
        run("assess", *args)
    assert not Assessment.objects.exists()


def test_assess_as_a_user_without_the_right_fails(portfolio, users):
    with pytest.raises(CommandError):
        run("assess", "--all", "--user", users["auditor"].username)


def test_verify_assessments_counts_and_passes(portfolio):
    run("assess", "--all", "--as-of", AS_OF.isoformat())
    assert "7 of 7 assessments replay identically" in run("audit", "verify-assessments")
    since = run("audit", "verify-assessments", "--since", "2999-01-01")
    assert "0 of 0 assessments replay identically" in since


def test_verify_assessments_lists_a_difference_and_exits_non_zero(portfolio, capsys):
    run("assess", "--all", "--as-of", AS_OF.isoformat())
    tampered = Assessment.objects.order_by("pk").first()
    Assessment.objects.filter(pk=tampered.pk).update(outputs={**tampered.outputs, "limit": 123.0})
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify-assessments", stdout=out)
    text = out.getvalue()
    assert "6 of 7 assessments replay identically" in text
    assert f"assessment #{tampered.pk}" in text and "limit: stored 123.0" in text
    assert "1" in str(caught.value)


def test_verify_via_the_console_script_exits_non_zero(portfolio):
    from riskdesk.cli import main

    run("assess", "--all", "--as-of", AS_OF.isoformat())
    tampered = Assessment.objects.first()
    Assessment.objects.filter(pk=tampered.pk).update(outputs={**tampered.outputs, "grade": "Z"})
    with pytest.raises(SystemExit) as caught:
        main(["audit", "verify-assessments"])
    assert caught.value.code != 0

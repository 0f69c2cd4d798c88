from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from riskdesk.intel.models import ChangeEvent, DossierSnapshot
from tests.intel.conftest import EARLY, LATE


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("intel", *args, stdout=out)
    return out.getvalue()


def test_refresh_all_with_progress_then_later_as_of_makes_events(make_customer, users, evolving):
    make_customer(owner=users["other_sales"])
    first = run("refresh", "--all", "--as-of", EARLY.isoformat())
    assert "2/2" in first and "created 2" in first
    assert DossierSnapshot.objects.count() == 2

    later = run("refresh", "--all", "--as-of", LATE.isoformat())
    assert "[" + "#" * 30 + "]" in later
    assert ChangeEvent.objects.filter(customer=evolving).exists()


def test_refresh_one_customer_by_uscc(evolving):
    out = run("refresh", "--customer", evolving.uscc, "--as-of", EARLY.isoformat())
    assert "created" in out and evolving.name in out
    again = run("refresh", "--customer", evolving.uscc, "--as-of", EARLY.isoformat(), "--force")
    assert "unchanged" in again


def test_refresh_as_a_salesperson_touches_only_their_customers(make_customer, users, evolving):
    theirs = make_customer(owner=users["other_sales"])
    run("refresh", "--all", "--as-of", EARLY.isoformat(), "--user", users["sales"].username)
    assert not DossierSnapshot.objects.filter(customer=theirs).exists()
    assert DossierSnapshot.objects.filter(customer=evolving).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["refresh", "--customer", "91350100M000100Y40"],
        ["refresh", "--all", "--as-of", "yesterday"],
        ["refresh", "--all", "--provider", "nope"],
        ["refresh", "--all", "--user", "ghost"],
    ],
)
def test_bad_input_is_a_clear_error(db, args):
    with pytest.raises(CommandError):
        run(*args)


def test_refresh_needs_all_or_customer(db):
    with pytest.raises(CommandError):
        run("refresh")

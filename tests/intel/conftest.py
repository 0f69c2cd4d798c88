from __future__ import annotations

import datetime as dt
import functools

import pytest

from riskdesk.dossier.diff import diff_dossiers
from riskdesk.dossier.sandbox import sandbox_dossier, sandbox_usccs
from tests.dossier.conftest import local_server  # noqa: F401
from tests.web.conftest import browser_page  # noqa: F401

EARLY = dt.date(2025, 1, 1)
LATE = dt.date(2026, 6, 1)
STEADY_UNTIL = EARLY + dt.timedelta(days=10)


@functools.cache
def evolving_uscc(event_type: str = "lawsuit.added") -> str:
    """A sandbox company that gets an ``event_type`` event between EARLY and LATE."""
    for uscc in sandbox_usccs(200, seed=7):
        before, after = sandbox_dossier(uscc, EARLY), sandbox_dossier(uscc, LATE)
        events = diff_dossiers(before, after, as_of=LATE, previous_as_of=EARLY)
        if any(event.type == event_type for event in events):
            return uscc
    raise LookupError(event_type)


@functools.cache
def steady_uscc() -> str:
    """A sandbox company whose dossier is the same at EARLY and STEADY_UNTIL."""
    for uscc in sandbox_usccs(200, seed=8):
        if sandbox_dossier(uscc, EARLY) == sandbox_dossier(uscc, STEADY_UNTIL):
            return uscc
    raise LookupError("steady")


@pytest.fixture
def evolving(make_customer, users):
    return make_customer("演进测试有限公司", owner=users["sales"], uscc=evolving_uscc())


@pytest.fixture
def sandbox_config(db):
    from riskdesk.intel.models import ProviderConfig

    return ProviderConfig.objects.get(provider_id="sandbox")

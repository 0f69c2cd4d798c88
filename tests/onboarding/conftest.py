from __future__ import annotations

import functools

import pytest

from riskdesk.assessments.services import engine_features, stored_features
from riskdesk.customers.aggregates import customer_aggregates
from riskdesk.customers.services import business_today
from riskdesk.dossier.features import dossier_features
from riskdesk.dossier.sandbox import sandbox_dossier, sandbox_usccs
from riskdesk.engine import evaluate_one
from riskdesk.policies import services as policies


@functools.cache
def _usccs_by_outcome(day) -> dict[str, list[str]]:
    """Two sandbox companies each that the default policy admits, sends to review, and rejects
    on ``day`` (a prospect has no trading history, so its dossier decides)."""
    compiled = policies.compiled_policy(policies.require_published_version())
    found: dict[str, list[str]] = {"pass": [], "review": [], "reject": []}
    for uscc in sandbox_usccs(300, seed=5):
        features = {
            **dossier_features(sandbox_dossier(uscc, day), day),
            **customer_aggregates(-1, as_of=day),
            "as_of_date": day,
            "previous_grade": None,
            "previous_score": None,
        }
        decision = evaluate_one(compiled, engine_features(stored_features(features), compiled))
        found[decision.admission].append(uscc)
        if all(len(usccs) >= 2 for usccs in found.values()):
            return found
    raise LookupError(found)


@pytest.fixture
def outcome_uscc(db):
    """``outcome_uscc("review")``: a sandbox USCC the published policy gives that outcome today
    (``which=1`` for a second one)."""

    def pick(outcome: str, which: int = 0) -> str:
        return _usccs_by_outcome(business_today())[outcome][which]

    return pick

"""Simulation before publishing: a draft against the published policy over the portfolio."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from riskdesk.assessments import services as assessments
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.assessments.simulation import simulate_policy, simulation_workbook
from riskdesk.policies import services as policies
from tests.assessments.conftest import AS_OF

pytestmark = pytest.mark.django_db
LOWER_BANDS = [
    {"min_score": 40, "grade": "A"},
    {"min_score": 30, "grade": "B"},
    {"min_score": 20, "grade": "C"},
    {"grade": "D"},
]


def draft_with_lower_bands(risk):
    document = yaml.safe_load(policies.published_version().yaml)
    document["rating"]["bands"] = LOWER_BANDS
    changed = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return policies.create_draft(actor=risk, yaml_text=changed)


def test_same_policy_changes_nothing(portfolio, users):
    result = simulate_policy(
        candidate=policies.published_version(), actor=users["risk"], as_of=AS_OF
    )
    assert result.customers == len(portfolio) and result.affected_count == 0
    assert sum(n for (b, a), n in result.migration.items() if b == a) == len(portfolio)
    assert result.total_limit_before == result.total_limit_after


def test_lower_bands_move_grades_up_and_agree_with_single_assessments(portfolio, users):
    draft = draft_with_lower_bands(users["risk"])
    result = simulate_policy(candidate=draft, actor=users["risk"], as_of=AS_OF)
    assert sum(result.migration.values()) == len(portfolio)
    order = ["S", "A", "B", "C", "D"]
    moved = {(b, a): n for (b, a), n in result.migration.items() if b != a}
    assert moved, "lower bands must promote someone"
    assert all(order.index(a) < order.index(b) for (b, a) in moved if a in order and b in order)
    assert result.affected_count == result.affected.height >= sum(moved.values())
    # The simulated "after" grade is what assessing with the draft gives, customer by customer.
    for row in result.affected.iter_rows(named=True):
        customer = next(c for c in portfolio if c.pk == row["customer_id"])
        single = assessments.assess_customer(
            customer=customer, actor=users["risk"], trigger=Trigger.MANUAL, as_of=AS_OF,
            policy_version=draft,
        )  # fmt: skip
        assert single.grade == row["grade_after"]
    assert not Assessment.objects.filter(policy_version=draft, trigger=Trigger.BATCH).exists()


def test_only_policy_publishers_simulate(portfolio, users, client):
    draft = draft_with_lower_bands(users["risk"])
    for role in ("sales", "credit", "auditor"):
        with pytest.raises(PermissionDenied):
            simulate_policy(candidate=draft, actor=users[role])
        client.force_login(users[role])
        assert client.get(f"/assessments/policies/{draft.pk}/simulate/").status_code == 403


def test_simulation_page_and_excel_export(portfolio, users, client):
    draft = draft_with_lower_bands(users["risk"])
    client.force_login(users["risk"])
    page = client.get(f"/assessments/policies/{draft.pk}/simulate/")
    assert page.status_code == 200 and "等级迁移矩阵" in page.content.decode()
    export = client.get(f"/assessments/policies/{draft.pk}/simulate/", {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(export.content))
    affected = list(workbook["受影响客户"].iter_rows(min_row=2, values_only=True))
    result = simulate_policy(candidate=draft, actor=users["risk"])
    assert len(affected) == result.affected_count
    assert workbook["等级迁移"]["A1"].value.startswith("原等级")
    assert simulation_workbook(result)


def test_simulation_on_a_segment(portfolio, users):
    draft = draft_with_lower_bands(users["risk"])
    chosen = [portfolio[0].pk, portfolio[3].pk]
    result = simulate_policy(candidate=draft, actor=users["risk"], customer_ids=chosen)
    assert result.customers == 2
    assert set(result.affected["customer_id"].to_list()) <= set(chosen)

"""Trying a version on one customer beside the published version (no writes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from riskdesk.assessments.models import Assessment
from riskdesk.engine import Band, dump_policy
from riskdesk.intel import services as intel
from riskdesk.policies import editing, services, trial

AS_OF = dt.date(2026, 6, 1)
STRICT_BANDS = (Band("A", 99.9), Band("B", 99.8), Band("C", 99.7), Band("D"))


@pytest.fixture
def customer(make_customer, users):
    made = make_customer("试算测试有限公司", owner=users["sales"])
    intel.refresh_dossier(customer=made, actor=intel.SYSTEM, as_of=AS_OF)
    return made


@pytest.fixture
def strict_draft(db, users):
    """A draft whose score bands put almost every customer in D."""
    draft = services.create_draft(actor=users["risk"])
    policy = editing.policy_of(draft)
    text = dump_policy(replace(policy, rating=replace(policy.rating, bands=STRICT_BANDS)))
    return services.update_draft(version=draft, actor=users["risk"], yaml_text=text)


def test_the_trial_lines_up_both_traces_and_marks_differences(customer, strict_draft, users):
    result = trial.try_on_customer(
        version=strict_draft, customer=customer, actor=users["risk"], as_of=AS_OF
    )
    assert result.baseline is not None and result.baseline.number == 1
    summary = {line.label: line for line in result.summary}
    assert summary["评分"].this == summary["评分"].published  # the scorecard is unchanged
    assert result.decision.rating_rule is None  # graded by the bands
    assert (summary["等级"].this, summary["等级"].published) == ("D", "B")
    assert summary["授信条件"].changed
    band_lines = [line for line in result.steps if line.label.startswith("band:")]
    assert [line.changed for line in band_lines] == [True, True]  # band:D here, band:B there
    assert not any(line.changed for line in result.points)
    stages = {line.stage for line in result.steps}
    assert {"admission", "scorecard", "rating"} <= stages
    assert Assessment.objects.count() == 0  # nothing written


def test_the_published_version_compared_with_itself_has_no_differences(customer, users):
    published = services.published_version()
    result = trial.try_on_customer(
        version=published, customer=customer, actor=users["credit"], as_of=AS_OF
    )
    assert result.changed_count == 0


def test_sales_may_not_try_policies(customer, users):
    with pytest.raises(PermissionDenied):
        trial.try_on_customer(
            version=services.published_version(), customer=customer, actor=users["sales"]
        )


def test_customer_search_by_name_and_uscc(customer, make_customer, users):
    make_customer("另一家公司")
    assert list(trial.customers_for_trial(actor=users["auditor"], query="试算")) == [customer]
    by_code = trial.customers_for_trial(actor=users["auditor"], query=customer.uscc[:8].lower())
    assert customer in by_code
    assert not trial.customers_for_trial(actor=users["auditor"], query="  ").exists()
    assert not trial.customers_for_trial(
        actor=users["other_sales"], query="试算"
    ).exists()  # not theirs


def test_trial_page_and_autocomplete(client, customer, strict_draft, users):
    client.force_login(users["risk"])
    search = client.get(reverse("policies:trial_customers", args=[strict_draft.pk]), {"q": "试算"})
    assert f'data-testid="trial-customer-{customer.pk}"' in search.content.decode()
    page = client.get(reverse("policies:trial", args=[strict_draft.pk]), {"customer": customer.pk})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="trial-steps"' in html
    assert "试算测试有限公司" in html and "v1" in html
    missing = client.get(reverse("policies:trial", args=[strict_draft.pk]), {"customer": 999999})
    assert missing.status_code == 404


def test_sales_get_no_trial_page(client, customer, users):
    client.force_login(users["sales"])
    version = services.published_version()
    assert client.get(reverse("policies:trial", args=[version.pk])).status_code == 403
    url = reverse("policies:trial_customers", args=[version.pk])
    assert client.get(url, {"q": "试算"}).status_code == 403

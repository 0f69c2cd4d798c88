from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from polars.testing import assert_frame_equal

from riskdesk.customers.choices import CustomerStatus
from riskdesk.dossier.sandbox import sandbox_dossier
from riskdesk.intel import services
from riskdesk.intel.choices import CallOutcome, RefreshStatus
from riskdesk.intel.models import (
    ChangeEvent,
    DossierSnapshot,
    ProviderCall,
    ProviderConfig,
    QuarantinedPayload,
)
from riskdesk.jobs.choices import JobStatus
from riskdesk.jobs.models import Job
from tests.intel.conftest import EARLY, LATE, STEADY_UNTIL, steady_uscc


def refresh(customer, actor, **kwargs):
    return services.refresh_dossier(customer=customer, actor=actor, **kwargs)


def file_provider(tmp_path, records, *, priority=1, enabled=True) -> ProviderConfig:
    path = tmp_path / "dossiers.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    config = ProviderConfig(
        provider_id="file", priority=priority, enabled=enabled, settings={"path": str(path)}
    )
    config.full_clean()
    config.save()
    return config


def test_first_refresh_stores_a_baseline_snapshot_without_events(evolving, users):
    result = refresh(evolving, users["sales"], as_of=EARLY)

    assert result.status == RefreshStatus.CREATED
    snapshot = DossierSnapshot.objects.get(customer=evolving)
    assert snapshot.provider_id == "sandbox" and snapshot.as_of == EARLY
    assert snapshot.dossier.registration.name == evolving.name
    assert len(snapshot.content_hash) == 64
    assert set(snapshot.section_sources) >= {"registration", "judicial", "news"}
    assert not ChangeEvent.objects.exists()
    call = ProviderCall.objects.get()
    assert call.outcome == CallOutcome.CHANGED and call.snapshot == snapshot


def test_age_rule_reuses_a_young_snapshot_unless_forced(evolving, users, sandbox_config):
    refresh(evolving, users["sales"], as_of=EARLY)
    young = EARLY + dt.timedelta(days=sandbox_config.max_age_days - 1)
    old = young + dt.timedelta(days=sandbox_config.max_age_days)  # after the forced check

    assert refresh(evolving, users["sales"], as_of=young).status == RefreshStatus.FRESH
    assert ProviderCall.objects.count() == 1
    assert refresh(evolving, users["sales"], as_of=young, force=True).status != RefreshStatus.FRESH
    assert refresh(evolving, users["sales"], as_of=old).status != RefreshStatus.FRESH
    assert ProviderCall.objects.count() == 3


def test_unchanged_refresh_records_the_check_only(make_customer, users):
    customer = make_customer(owner=users["sales"], uscc=steady_uscc())
    first = refresh(customer, users["sales"], as_of=EARLY)
    second = refresh(customer, users["sales"], as_of=STEADY_UNTIL)

    assert second.status == RefreshStatus.UNCHANGED
    assert DossierSnapshot.objects.count() == 1
    assert not ChangeEvent.objects.filter(type__in=["lawsuit.added", "news.negative"]).exists()
    snapshot = DossierSnapshot.objects.get()
    assert snapshot.pk == first.snapshot.pk
    assert snapshot.check_count == 2 and snapshot.checked_as_of == STEADY_UNTIL
    assert ProviderCall.objects.filter(outcome=CallOutcome.UNCHANGED).count() == 1


def test_refreshing_twice_at_the_same_date_yields_nothing_new(evolving, users):
    refresh(evolving, users["sales"], as_of=EARLY)
    again = refresh(evolving, users["sales"], as_of=EARLY, force=True)

    assert again.status == RefreshStatus.UNCHANGED and again.events == 0
    assert DossierSnapshot.objects.count() == 1
    assert not ChangeEvent.objects.exists()


def test_later_as_of_produces_typed_events_from_the_new_snapshot(evolving, users):
    refresh(evolving, users["sales"], as_of=EARLY)
    result = refresh(evolving, users["sales"], as_of=LATE)

    assert result.status == RefreshStatus.CREATED and result.events > 0
    events = ChangeEvent.objects.filter(customer=evolving)
    assert events.count() == result.events
    lawsuit = events.filter(type="lawsuit.added").first()
    assert lawsuit is not None
    assert lawsuit.dimension == "judicial" and lawsuit.source_snapshot == result.snapshot
    assert lawsuit.title_zh == "新增诉讼" and lawsuit.title_en == "new lawsuit"
    assert lawsuit.text_zh and lawsuit.text_en and lawsuit.after
    assert lawsuit.dedup_key.startswith(f"lawsuit.added:{evolving.uscc}:")


def test_the_same_fact_never_becomes_two_events_across_reimports(evolving, users):
    refresh(evolving, users["sales"], as_of=EARLY)
    refresh(evolving, users["sales"], as_of=LATE)
    keys = set(ChangeEvent.objects.values_list("dedup_key", flat=True))

    refresh(evolving, users["sales"], as_of=EARLY, force=True)  # back to the old data …
    refresh(evolving, users["sales"], as_of=LATE, force=True)  # … and the new data again

    assert DossierSnapshot.objects.count() == 4
    again = list(ChangeEvent.objects.values_list("dedup_key", flat=True))
    assert len(again) == len(set(again))
    assert keys <= set(again)
    lawsuits = ChangeEvent.objects.filter(type="lawsuit.added")
    assert lawsuits.count() == len({e.dedup_key for e in lawsuits})


def test_waterfall_falls_back_when_the_first_provider_fails(evolving, users, tmp_path):
    file_provider(tmp_path, [], priority=1)  # knows no company

    result = refresh(evolving, users["sales"], as_of=EARLY)

    assert result.status == RefreshStatus.CREATED and result.provider_id == "sandbox"
    failed = ProviderCall.objects.get(provider_id="file")
    assert failed.outcome == CallOutcome.FAILED and failed.error_code == "not_found"
    assert not ChangeEvent.objects.filter(type="provider.error").exists()


def test_budget_refuses_calls_once_the_month_is_spent(evolving, users, sandbox_config):
    sandbox_config.settings = {"cost_per_call_cny": "2.50"}
    sandbox_config.monthly_budget_cny = Decimal("4.00")
    sandbox_config.full_clean()
    sandbox_config.save()

    assert refresh(evolving, users["sales"], as_of=EARLY).status == RefreshStatus.CREATED
    refused = refresh(evolving, users["sales"], as_of=LATE)

    assert refused.status == RefreshStatus.FAILED
    assert "预算" in refused.errors[0]
    calls = ProviderCall.objects.order_by("id")
    assert [c.outcome for c in calls] == [CallOutcome.CHANGED, CallOutcome.BUDGET_REFUSED]
    assert calls[0].cost_cny == Decimal("2.50") and calls[1].cost_cny == 0
    assert DossierSnapshot.objects.count() == 1


def test_last_months_spend_does_not_count(evolving, users, sandbox_config):
    sandbox_config.settings = {"cost_per_call_cny": "3"}
    sandbox_config.monthly_budget_cny = Decimal("3")
    sandbox_config.save()
    refresh(evolving, users["sales"], as_of=EARLY)
    ProviderCall.objects.update(called_at=services.month_start(dt.datetime.now(dt.UTC)))
    ProviderCall.objects.update(called_at=ProviderCall.objects.get().called_at - dt.timedelta(1))

    assert refresh(evolving, users["sales"], as_of=LATE).status == RefreshStatus.CREATED


def test_malformed_payload_is_quarantined_and_previous_data_stays(
    evolving, users, sandbox_config, tmp_path
):
    refresh(evolving, users["sales"], as_of=EARLY)
    good = DossierSnapshot.objects.get()
    broken = sandbox_dossier(evolving.uscc, LATE).model_dump(mode="json")
    broken["registration"]["registered_capital_cny"] = "lots"
    del broken["registration"]["name"]
    file_provider(tmp_path, [broken], priority=1)
    sandbox_config.enabled = False
    sandbox_config.save()

    result = refresh(evolving, users["sales"], as_of=LATE)

    assert result.status == RefreshStatus.FAILED
    assert DossierSnapshot.objects.current_for(evolving.pk) == good
    quarantined = QuarantinedPayload.objects.get()
    assert quarantined.error_code == "invalid_payload" and quarantined.provider_id == "file"
    locations = {".".join(e["loc"]) for e in quarantined.errors}
    assert {"registration.name", "registration.registered_capital_cny"} <= locations
    assert "lots" in quarantined.raw
    event = ChangeEvent.objects.get()
    assert event.type == "provider.error" and event.source_snapshot is None
    assert ProviderCall.objects.filter(outcome=CallOutcome.QUARANTINED).count() == 1


def test_provider_settings_are_validated_on_save(db):
    config = ProviderConfig(provider_id="file", settings={"pth": "/tmp"})
    with pytest.raises(ValidationError) as error:
        config.full_clean()
    assert "settings" in error.value.message_dict
    with pytest.raises(ValidationError):
        ProviderConfig(provider_id="nope").full_clean()
    with pytest.raises(ValidationError):
        ProviderConfig(provider_id="sandbox-2", settings={"monthly_budget_cny": 3}).full_clean()


def test_snapshots_are_immutable(evolving, users):
    snapshot = refresh(evolving, users["sales"], as_of=EARLY).snapshot
    snapshot.content = "{}"
    with pytest.raises(ValueError):
        snapshot.save()


@pytest.mark.parametrize("who", ["auditor", "other_sales", "nobody"])
def test_refresh_needs_the_right_to_change_the_customer(evolving, users, who):
    with pytest.raises(PermissionDenied):
        refresh(evolving, users[who], as_of=EARLY)
    assert not DossierSnapshot.objects.exists()


def test_teammate_and_risk_manager_may_refresh(evolving, users):
    assert refresh(evolving, users["teammate"], as_of=EARLY).status == RefreshStatus.CREATED
    assert refresh(evolving, users["risk"], as_of=LATE).status == RefreshStatus.CREATED


def test_background_refresh_reports_progress_on_a_job(
    evolving, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_refresh(actor=users["sales"], customer=evolving, as_of=EARLY)

    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.percent == 100
    assert job.result["created"] == 1
    assert DossierSnapshot.objects.filter(customer=evolving).exists()


def test_refresh_all_only_touches_what_the_actor_may_refresh(make_customer, users):
    mine = [make_customer(owner=users["sales"]) for _ in range(3)]
    theirs = make_customer(owner=users["other_sales"])
    seen = []

    summary = services.refresh_all_dossiers(
        actor=users["sales"], as_of=EARLY, progress=lambda done, total: seen.append(done)
    )

    assert summary.total == 3 and summary.counts["created"] == 3
    assert seen == [1, 2, 3]
    assert {s.customer_id for s in DossierSnapshot.objects.all()} == {c.pk for c in mine}
    assert not DossierSnapshot.objects.filter(customer=theirs).exists()


def test_customer_and_portfolio_features_agree(make_customer, users, invoice_for, order_for):
    customers = [make_customer(owner=users["sales"]) for _ in range(4)]
    for customer in customers[:3]:
        refresh(customer, users["risk"], as_of=EARLY)
    invoice_for(
        customers[0], issue=EARLY - dt.timedelta(60), due=EARLY - dt.timedelta(30), amount="1234.56"
    )
    order_for(customers[1], day=EARLY - dt.timedelta(10), amount="99.99", status="open")

    table = services.portfolio_features(as_of=EARLY, customer_ids=[c.pk for c in customers])

    assert table.height == 4
    rows = [
        {"customer_id": c.pk, **services.customer_features(customer=c, as_of=EARLY)}
        for c in customers
    ]
    expected = pl.DataFrame(rows, schema=table.schema)
    assert_frame_equal(table, expected)
    assert rows[3]["registered_capital"] is None and rows[0]["registered_capital"] is not None
    assert rows[0]["overdue_amount"] == 1234.56


def test_prospect_search_offers_candidates_and_our_own_customers(make_customer, users):
    own = make_customer("华盛精密机械有限公司", owner=users["sales"])

    found = services.search_prospects(query="华盛", actor=users["sales"], as_of=EARLY)

    assert found[0].customer_id == own.pk
    assert len(found) > 2 and all(c.uscc for c in found)
    assert all("华盛" in c.name for c in found[1:])


def test_creating_a_prospect_fetches_its_dossier(users):
    candidate = services.search_prospects(query="鼎辉", actor=users["sales"], as_of=EARLY)[0]

    customer = services.create_prospect(
        actor=users["sales"], uscc=candidate.uscc, name=candidate.name, as_of=EARLY
    )

    assert customer.status == CustomerStatus.PROSPECT and customer.owner == users["sales"]
    snapshot = DossierSnapshot.objects.get(customer=customer)
    assert snapshot.dossier.registration.name == candidate.name
    again = services.create_prospect(actor=users["sales"], uscc=candidate.uscc, name="x")
    assert again.pk == customer.pk


def test_a_prospect_already_on_file_elsewhere_is_refused(make_customer, users):
    theirs = make_customer(owner=users["other_sales"])
    with pytest.raises(ValidationError) as error:
        services.create_prospect(actor=users["sales"], uscc=theirs.uscc, name="别人的客户")
    assert "uscc" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.create_prospect(actor=users["auditor"], uscc=theirs.uscc, name="x")

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from riskdesk.intel import services
from riskdesk.intel.models import ChangeEvent, DossierSnapshot
from riskdesk.jobs.models import Job
from tests.intel.conftest import EARLY, LATE

TABS = ["overview", "background", "licences", "judicial", "tax", "news"]


@pytest.fixture
def profiled(evolving, users):
    services.refresh_dossier(customer=evolving, actor=users["risk"], as_of=EARLY)
    return evolving


def profile_url(customer, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("intel:profile", args=[customer.pk]) + (f"?{query}" if query else "")


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_for_the_owner(client, users, profiled, tab):
    client.force_login(users["sales"])
    response = client.get(profile_url(profiled, tab=tab))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="tab-content-{tab}"' in html
    assert profiled.name in html


def test_overview_shows_badges_facts_counts_sources_and_refresh(client, users, profiled):
    client.force_login(users["sales"])
    html = client.get(profile_url(profiled)).content.decode()
    for testid in ["badge-sanctions", "badge-dishonest", "badge-abnormal", "key-facts"]:
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="dimension-counts"' in html and 'data-testid="freshness"' in html
    assert "演示数据（沙箱）" in html
    assert 'data-testid="refresh-button"' in html


def test_events_from_a_later_refresh_appear_on_the_profile(client, users, profiled):
    services.refresh_dossier(customer=profiled, actor=users["risk"], as_of=LATE)
    lawsuit = ChangeEvent.objects.filter(customer=profiled, type="lawsuit.added").first()
    client.force_login(users["sales"])
    html = client.get(profile_url(profiled)).content.decode()
    assert 'data-testid="event-lawsuit.added"' in html
    assert lawsuit.text_zh in html


def test_profile_speaks_english(client, users, profiled):
    services.refresh_dossier(customer=profiled, actor=users["risk"], as_of=LATE)
    client.force_login(users["sales"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(profile_url(profiled)).content.decode()
    assert "new lawsuit" in html


def test_htmx_tab_switch_returns_only_the_body(client, users, profiled):
    client.force_login(users["sales"])
    response = client.get(profile_url(profiled, tab="judicial"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="tab-content-judicial"' in html and "<html" not in html


def test_news_filter_keeps_only_negative_articles(client, users, profiled):
    client.force_login(users["sales"])
    html = client.get(profile_url(profiled, tab="news", sentiment="negative")).content.decode()
    assert 'data-sentiment="positive"' not in html and 'data-sentiment="neutral"' not in html


@pytest.mark.parametrize("who", ["other_sales", "nobody"])
def test_others_get_404_never_500(client, users, profiled, who):
    client.force_login(users[who])
    assert client.get(profile_url(profiled)).status_code == 404
    url = reverse("intel:refresh", args=[profiled.pk])
    assert client.post(url).status_code == 404


def test_auditor_reads_but_cannot_refresh(client, users, profiled):
    client.force_login(users["auditor"])
    html = client.get(profile_url(profiled)).content.decode()
    assert 'data-testid="refresh-button"' not in html
    assert client.post(reverse("intel:refresh", args=[profiled.pk])).status_code == 403


def test_refresh_button_runs_a_job_and_the_timeline_follows(
    client, users, profiled, django_capture_on_commit_callbacks
):
    client.force_login(users["sales"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("intel:refresh", args=[profiled.pk]), {"as_of": LATE.isoformat()}
        )
    assert response.status_code == 200
    job = Job.objects.get()
    assert f'data-testid="job-{job.pk}"' in response.content.decode()
    assert DossierSnapshot.objects.filter(customer=profiled).count() == 2
    timeline = client.get(
        reverse("intel:timeline", args=[profiled.pk]) + f"?job={job.pk}"
    ).content.decode()
    assert 'data-testid="timeline-refreshed"' in timeline
    assert 'data-testid="event-lawsuit.added"' in timeline


def test_profile_without_a_dossier_offers_the_refresh(client, users, make_customer):
    customer = make_customer(owner=users["sales"])
    client.force_login(users["sales"])
    html = client.get(profile_url(customer)).content.decode()
    assert 'data-testid="no-dossier"' in html and 'data-testid="refresh-button"' in html


def test_customer_detail_links_to_the_profile(client, users, profiled):
    client.force_login(users["sales"])
    html = client.get(reverse("customers:detail", args=[profiled.pk])).content.decode()
    assert reverse("intel:profile", args=[profiled.pk]) in html


def test_prospect_flow_from_search_to_profile(client, users):
    client.force_login(users["sales"])
    html = client.get(reverse("intel:prospects") + "?q=鼎辉").content.decode()
    assert 'data-testid="candidates"' in html
    candidate = services.search_prospects(query="鼎辉", actor=users["sales"])[0]
    response = client.post(
        reverse("intel:prospect_create"), {"uscc": candidate.uscc, "name": candidate.name}
    )
    assert response.status_code == 302
    profile = client.get(response.url)
    assert profile.status_code == 200
    assert candidate.name in profile.content.decode()
    assert "潜在客户" in profile.content.decode()


def test_auditor_may_not_search_prospects(client, users):
    client.force_login(users["auditor"])
    assert client.get(reverse("intel:prospects") + "?q=x").status_code == 403


def test_admin_lists_intel_rows(client, users, profiled):
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    client.force_login(users["admin"])
    for model in ["providerconfig", "dossiersnapshot", "changeevent", "providercall"]:
        assert client.get(f"/admin/intel/{model}/").status_code == 200
    change = client.get("/admin/intel/providerconfig/1/change/")
    assert change.status_code == 200

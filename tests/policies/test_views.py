from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from riskdesk.engine import load_policy
from riskdesk.policies import services
from riskdesk.policies.choices import PolicyStatus
from riskdesk.policies.models import PolicyVersion


@pytest.fixture
def v1(db):
    return PolicyVersion.objects.get(number=1)


def test_policies_page_lists_versions_and_offers_actions_to_risk_managers(client, users, v1):
    client.force_login(users["risk"])
    html = client.get(reverse("policies:list")).content.decode()
    assert 'data-testid="version-1"' in html and 'data-testid="draft-form"' in html
    assert 'data-testid="batch-button"' in html and 'data-testid="nav-policies"' in html


def test_auditor_reads_but_gets_no_buttons(client, users, v1):
    client.force_login(users["auditor"])
    html = client.get(reverse("policies:list")).content.decode()
    assert 'data-testid="version-1"' in html and 'data-testid="draft-form"' not in html
    detail = client.get(reverse("policies:detail", args=[v1.pk])).content.decode()
    assert "默认客户风险策略" in detail and 'data-testid="publish-button"' not in detail


def test_sales_has_no_policies_page(client, users, v1):
    client.force_login(users["sales"])
    assert client.get(reverse("policies:list")).status_code == 403
    assert client.get(reverse("policies:yaml", args=[v1.pk])).status_code == 403
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-policies"' not in home


def test_yaml_download_is_the_canonical_text(client, users, v1):
    client.force_login(users["credit"])
    response = client.get(reverse("policies:yaml", args=[v1.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert load_policy(response.content.decode()) == load_policy(v1.yaml)


def test_upload_publish_and_diff_through_the_pages(client, users, v1):
    client.force_login(users["risk"])
    text = v1.yaml.replace("min_score: 85", "min_score: 88").encode()
    upload = SimpleUploadedFile("p.yaml", text, content_type="application/yaml")
    response = client.post(reverse("policies:draft_create"), {"yaml_file": upload})
    draft = PolicyVersion.objects.get(number=2)
    assert response.status_code == 302 and draft.status == PolicyStatus.DRAFT

    diff = client.get(reverse("policies:diff"), {"old": v1.pk, "new": draft.pk}).content.decode()
    assert "min_score: 88" in diff and 'class="added"' in diff
    client.post(reverse("policies:publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.PUBLISHED


def test_an_invalid_upload_shows_the_bilingual_errors(client, users, v1):
    client.force_login(users["risk"])
    upload = SimpleUploadedFile("p.yaml", b"grades: [oops", content_type="application/yaml")
    response = client.post(reverse("policies:draft_create"), {"yaml_file": upload}, follow=True)
    html = response.content.decode()
    assert "YAML 格式错误" in html and "invalid YAML" in html
    assert PolicyVersion.objects.count() == 1


@pytest.mark.parametrize("role", ["sales", "credit", "auditor"])
def test_publish_and_archive_refused_without_a_500(client, users, v1, role):
    draft = services.create_draft(actor=users["risk"])
    client.force_login(users[role])
    for name in ["policies:publish", "policies:archive"]:
        assert client.post(reverse(name, args=[draft.pk])).status_code in {302, 403}
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_api_lists_versions_and_serves_yaml_for_readers_only(users, v1):
    api = APIClient()
    api.force_authenticate(users["auditor"])
    rows = api.get("/api/policies/").json()["results"]
    assert [(r["number"], r["status"]) for r in rows] == [(1, "published")]
    detail = api.get(f"/api/policies/{v1.pk}/").json()
    assert detail["yaml"] == v1.yaml
    response = api.get(f"/api/policies/{v1.pk}/yaml/")
    assert response.status_code == 200 and "grades:" in response.content.decode()
    api.force_authenticate(users["sales"])
    assert api.get("/api/policies/").status_code == 403
    assert api.get(f"/api/policies/{v1.pk}/yaml/").status_code == 403
    assert api.get("/api/policies/999/").status_code == 403

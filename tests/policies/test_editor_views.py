from __future__ import annotations

import pytest
from django.urls import reverse

from riskdesk.engine import DerivedFeature
from riskdesk.policies import editing, services
from riskdesk.policies.editing import SECTIONS
from riskdesk.policies.models import PolicyVersion


@pytest.fixture
def draft(db, users):
    return services.create_draft(actor=users["risk"])


def rules_of(version):
    version.refresh_from_db()
    return editing.policy_of(version).rating.rules


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_section_page_and_item_form_renders(client, users, draft, section):
    client.force_login(users["risk"])
    if section == "features":  # the default policy has none
        margin = DerivedFeature("net_margin", "net_profit / annual_revenue", "净利率", "Margin")
        editing.save_item(
            version=draft, actor=users["risk"], section=SECTIONS[section], item=margin
        )
    page = client.get(reverse("policies:section", args=[draft.pk, section]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="item-add"' in html and 'data-testid="edit-0"' in html
    form = client.get(reverse("policies:item_edit", args=[draft.pk, section, 0]))
    assert form.status_code == 200 and 'data-testid="item-form"' in form.content.decode()
    assert client.get(reverse("policies:item_new", args=[draft.pk, section])).status_code == 200


def test_scorecard_page_shows_the_scorecard_table(client, users, draft):
    client.force_login(users["auditor"])
    html = client.get(reverse("policies:section", args=[draft.pk, "indicators"])).content.decode()
    assert 'data-testid="scorecard-table"' in html
    assert "[-∞, 1)" in html and "缺失（NULL）" in html and "专利数量" in html
    assert 'data-testid="edit-0"' not in html  # auditors read only


def test_a_rule_opens_in_the_form_builder_when_it_fits(client, users, draft):
    client.force_login(users["risk"])
    html = client.get(reverse("policies:item_edit", args=[draft.pk, "rules", 5])).content.decode()
    assert 'data-testid="builder-when"' in html
    assert "enterprise_type = &#x27;央企&#x27; AND state_share &gt; 0.8" in html


def test_saving_a_rule_through_the_page(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:item_edit", args=[draft.pk, "rules", 0])
    data = {"id": "dishonest", "when": "dishonest_debtor_count > 1", "when__mode": "text"}
    data.update({"grade": "D", "list": "blacklist", "reason": "失信"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert rules_of(draft)[0].when == "dishonest_debtor_count > 1"


def test_saving_with_the_builder_uses_the_rows_not_a_stale_text(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:item_edit", args=[draft.pk, "rules", 0])
    data = {"id": "dishonest", "when": "stale", "when__mode": "form", "grade": "D"}
    data.update({"when-b-join": "AND", "when-b-groups": "1", "when-b-g0-join": "AND"})
    data.update({"when-b-g0-rows": "1", "when-b-g0-r0-feature": "dishonest_debtor_count"})
    data.update({"when-b-g0-r0-op": ">=", "when-b-g0-r0-value": "2"})
    assert client.post(url, data).status_code == 302
    assert rules_of(draft)[0].when == "dishonest_debtor_count >= 2"


def test_an_invalid_rule_is_refused_in_place_and_nothing_changes(client, users, draft):
    client.force_login(users["risk"])
    before = draft.yaml
    url = reverse("policies:item_edit", args=[draft.pk, "rules", 0])
    data = {"id": "dishonest", "when": "state_share > '央企'", "when__mode": "text", "grade": "D"}
    html = client.post(url, data).content.decode()
    assert 'data-testid="error-span"' in html and "type" in html
    assert "'央企'" in html.replace("&#x27;", "'")
    draft.refresh_from_db()
    assert draft.yaml == before


def test_an_unreadable_builder_value_is_refused_bilingually(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:item_edit", args=[draft.pk, "rules", 0])
    data = {"id": "dishonest", "when": "", "when__mode": "form", "grade": "D"}
    data.update({"when-b-groups": "1", "when-b-g0-rows": "1"})
    data.update({"when-b-g0-r0-feature": "state_share", "when-b-g0-r0-op": ">"})
    data.update({"when-b-g0-r0-value": "abc"})
    html = client.post(url, data).content.decode()
    assert "不是有效的数值" in html and "is not a number" in html


def test_validate_endpoint_points_at_the_error(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:validate", args=[draft.pk])
    data = {"field": "when", "section": "rules", "when": "state_share > 0.8 AND foo = 1"}
    html = client.post(url, data).content.decode()
    assert '<mark class="expr-span" data-testid="error-span">foo</mark>' in html
    assert "[1:23]" in html and " / " in html
    ok = client.post(url, {**data, "when": "score >= 60"}).content.decode()
    assert 'data-testid="expr-ok"' in ok
    # admission checks run before the scorecard: score is not available there
    admission = client.post(url, {"field": "when", "section": "admission", "when": "score > 1"})
    assert 'data-testid="error-span"' in admission.content.decode()


def test_validate_and_builder_need_the_change_permission(client, users, draft):
    client.force_login(users["auditor"])
    url = reverse("policies:validate", args=[draft.pk])
    assert client.post(url, {"field": "when", "section": "rules", "when": "x"}).status_code == 403
    url = reverse("policies:condition", args=[draft.pk])
    assert client.post(url, {"field": "when", "section": "rules"}).status_code == 403


def test_builder_switches_modes_and_adds_rows(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:condition", args=[draft.pk])
    base = {"field": "when", "section": "rules", "when__mode": "text"}
    html = client.post(
        url, {**base, "when": "status IN ('注销', '吊销') OR sanctions_hit", "action": "mode:form"}
    ).content.decode()
    assert 'data-testid="builder-when"' in html and 'data-testid="row-0-1"' in html
    invalid = client.post(url, {**base, "when": "a + 1 > 2", "action": "mode:form"})
    html = invalid.content.decode()  # invalid text stays text, with the error, not the note
    assert 'data-testid="text-when"' in html and 'data-testid="error-message"' in html
    assert 'data-testid="not-in-form"' not in html
    beyond = client.post(
        url, {**base, "when": "annual_revenue * 0.1 > 5", "action": "mode:form"}
    ).content.decode()
    assert 'data-testid="not-in-form"' in beyond and 'data-testid="text-when"' in beyond
    form = {"field": "when", "section": "rules", "when__mode": "form", "action": "add_row:0"}
    form.update({"when-b-groups": "1", "when-b-g0-rows": "1"})
    form.update({"when-b-g0-r0-feature": "sanctions_hit", "when-b-g0-r0-op": "="})
    form.update({"when-b-g0-r0-value": "true"})
    html = client.post(url, form).content.decode()
    assert 'data-testid="row-0-1"' in html and "sanctions_hit = TRUE" in html


def test_reorder_by_drag_and_by_buttons_returns_the_stored_list(client, users, draft):
    client.force_login(users["risk"])
    ids = [rule.id for rule in rules_of(draft)]
    url = reverse("policies:reorder", args=[draft.pk, "rules"])
    response = client.post(
        url, {"order": ["6", "0", "1", "2", "3", "4", "5"]}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="list-saved"' in response.content.decode()
    assert [rule.id for rule in rules_of(draft)] == [ids[6], *ids[:6]]
    move = reverse("policies:item_move", args=[draft.pk, "rules", 0])
    client.post(move, {"offset": "1"}, HTTP_HX_REQUEST="true")
    assert [rule.id for rule in rules_of(draft)][:2] == [ids[0], ids[6]]
    bad = client.post(url, {"order": ["0", "0"]}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="list-errors"' in bad and "Invalid order" in bad


def test_editing_a_published_version_is_refused(client, users, db):
    client.force_login(users["risk"])
    published = PolicyVersion.objects.get(number=1)
    html = client.get(reverse("policies:section", args=[published.pk, "rules"])).content.decode()
    assert 'data-testid="edit-0"' not in html and "只有草稿可以修改" in html
    response = client.post(reverse("policies:item_delete", args=[published.pk, "rules", 0]))
    assert response.status_code == 302
    published.refresh_from_db()
    assert len(editing.policy_of(published).rating.rules) == 7


@pytest.mark.parametrize("role", ["credit", "auditor"])
def test_readers_cannot_open_the_editor_forms(client, users, draft, role):
    client.force_login(users[role])
    assert client.get(reverse("policies:item_edit", args=[draft.pk, "rules", 0])).status_code == 403
    before = draft.yaml
    client.post(reverse("policies:item_delete", args=[draft.pk, "rules", 0]))
    draft.refresh_from_db()
    assert draft.yaml == before


def test_draft_from_a_version_leads_to_the_editors(client, users, db):
    client.force_login(users["risk"])
    published = PolicyVersion.objects.get(number=1)
    response = client.post(
        reverse("policies:draft_create"), {"based_on": published.pk}, follow=True
    )
    html = response.content.decode()
    assert "编辑此草稿" in html and 'data-testid="edit-rules"' in html
    assert 'data-testid="trial-link"' in html and 'data-testid="simulate-link"' in html


def test_the_builder_names_features_in_the_users_language(client, users, draft, settings):
    client.force_login(users["risk"])
    url = reverse("policies:item_edit", args=[draft.pk, "rules", 5])
    assert "国有持股比例（state_share，ratio 0–1）" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "State shareholding（state_share，ratio 0–1）" in client.get(url).content.decode()


def test_lists_show_outcomes_and_lists_in_words(client, users, draft):
    client.force_login(users["risk"])
    rules = client.get(reverse("policies:section", args=[draft.pk, "rules"])).content.decode()
    assert "黑名单" in rules and "blacklist" not in rules
    bands = client.get(reverse("policies:section", args=[draft.pk, "indicators"])).content.decode()
    assert "[10,000,000, 100,000,000)" in bands


def test_a_stale_page_cannot_reorder(client, users, draft):
    client.force_login(users["risk"])
    stale = editing.revision_of(draft)
    editing.move_item(
        version=draft, actor=users["risk"], section=SECTIONS["rules"], index=0, offset=1
    )
    ids = [rule.id for rule in rules_of(draft)]
    url = reverse("policies:reorder", args=[draft.pk, "rules"])
    order = ["6", "0", "1", "2", "3", "4", "5"]
    html = client.post(
        url, {"order": order, "revision": stale}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "changed meanwhile" in html and [rule.id for rule in rules_of(draft)] == ids
    assert f'"revision": "{editing.revision_of(draft)}"' in html  # the fresh list can be used


def test_an_indicator_with_bin_rows_and_one_with_categories(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:item_new", args=[draft.pk, "indicators"])
    data = {"key": "margin", "label": "净利率", "value": "net_profit / annual_revenue"}
    data.update({"weight": "4", "missing_points": "10"})
    response = client.post(
        url, {**data, "bin-below": ["0", "0.1", "", ""], "bin-points": ["0", "50", "100", ""]}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    margin = editing.policy_of(draft).scorecard.indicators[-1]
    assert [(b.below, b.points) for b in margin.bins] == [(0, 0), (0.1, 50), (None, 100)]

    flags = {"key": "flags", "label": "限高", "value": "consumption_restriction", "weight": "2"}
    flags.update({"cat-value": ["true", "false", ""], "cat-points": ["0", "100", ""]})
    assert client.post(url, flags).status_code == 302
    draft.refresh_from_db()
    assert editing.policy_of(draft).scorecard.indicators[-1].categories == (
        (True, 0.0),
        (False, 100.0),
    )

    both = {**data, "key": "both", "bin-below": [""], "bin-points": ["1"]}
    html = client.post(url, {**both, "cat-value": ["x"], "cat-points": ["2"]}).content.decode()
    assert "Use either bins or categories" in html
    unordered = {**data, "key": "bad", "bin-below": ["5", "1", ""], "bin-points": ["1", "2", "3"]}
    html = client.post(url, unordered).content.decode()
    assert 'data-testid="bins-error"' in html and ".bins[1].below" in html
    assert "递增" in html or "increase" in html


def test_switching_to_text_takes_the_rows_as_they_are(client, users, draft):
    client.force_login(users["risk"])
    url = reverse("policies:condition", args=[draft.pk])
    form = {"field": "when", "section": "rules", "when__mode": "form", "action": "mode:text"}
    form.update({"when": "stale = 1", "when-b-groups": "1", "when-b-g0-rows": "1"})
    form.update({"when-b-g0-r0-feature": "employees", "when-b-g0-r0-op": "BETWEEN"})
    form["when-b-g0-r0-value"] = ["10", "50"]
    html = client.post(url, form).content.decode()
    assert 'data-testid="text-when"' in html and "employees BETWEEN 10 AND 50</textarea>" in html

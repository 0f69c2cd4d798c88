from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from riskdesk.accounts.choices import Role
from riskdesk.customers.models import Tag
from riskdesk.intel.models import ChangeEvent
from riskdesk.monitoring import services
from riskdesk.monitoring.models import Alert, MonitoringRule


def recipients(alerts):
    return {alert.recipient.username for alert in alerts}


# --- which events ---------------------------------------------------------------------------


def test_include_and_exclude_keywords(make_customer, make_event, make_rule, users):
    customer = make_customer()
    make_rule(
        include_keywords=["破产"], exclude_keywords=["已撤回"], recipient_users=[users["risk"]]
    )

    hit = make_event(customer, text_zh="债权人申请该公司破产重整")
    withdrawn = make_event(customer, text_zh="破产申请已撤回")
    other = make_event(customer, text_zh="买卖合同纠纷")

    assert recipients(services.process_event(event=hit)) == {"risk_u"}
    assert services.process_event(event=withdrawn) == []
    assert services.process_event(event=other) == []


def test_keywords_match_english_text_and_full_width(make_customer, make_event, make_rule, users):
    customer = make_customer()
    make_rule(include_keywords=["bankruptcy"], recipient_users=[users["risk"]])

    english = make_event(customer, text_zh="", text_en="Petition for BANKRUPTCY filed")
    wide = make_event(customer, text_zh="ＢＡＮＫＲＵＰＴＣＹ　重整")

    assert len(services.process_event(event=english)) == 1
    assert len(services.process_event(event=wide)) == 1


def test_event_type_and_minimum_severity(make_customer, make_event, make_rule, users):
    customer = make_customer()
    make_rule(
        event_types=["lawsuit.added", "dishonest.added"],
        min_severity="high",
        recipient_users=[users["risk"]],
    )

    assert services.process_event(event=make_event(customer, "lawsuit.added")) == []
    assert services.process_event(event=make_event(customer, "tax_arrears.added")) == []
    assert len(services.process_event(event=make_event(customer, "dishonest.added"))) == 1
    escalated = make_event(customer, "lawsuit.added", severity="critical")
    assert len(services.process_event(event=escalated)) == 1


def test_disabled_rules_do_not_match(make_customer, make_event, make_rule, users):
    make_rule(enabled=False, recipient_users=[users["risk"]])

    assert services.process_event(event=make_event(make_customer())) == []


# --- which customers ------------------------------------------------------------------------


def test_filter_expression_over_customer_features(
    make_customer, make_event, make_rule, users, monkeypatch
):
    features = {1: {"industry": "建筑业"}, 2: {"industry": "制造业"}}
    builder = make_customer()
    maker = make_customer()
    by_customer = {builder.pk: features[1], maker.pk: features[2]}
    monkeypatch.setattr(
        services.intel,
        "customer_features",
        lambda *, customer, as_of: by_customer[customer.pk],
    )
    make_rule(customer_filter="industry IN ('建筑业','房地产业')", recipient_users=[users["risk"]])

    assert len(services.process_event(event=make_event(builder))) == 1
    assert services.process_event(event=make_event(maker)) == []


def test_filter_on_grade_reads_the_latest_assessment(
    make_customer, make_event, make_rule, users, monkeypatch
):
    customer = make_customer()
    monkeypatch.setattr(services.intel, "customer_features", lambda *, customer, as_of: {})
    grades = {"grade": None}
    monkeypatch.setattr(
        services.assessments,
        "previous_results",
        lambda ids: {pk: (grades["grade"], 40.0) for pk in ids},
    )
    make_rule(customer_filter="grade IN ('C','D')", recipient_users=[users["risk"]])

    assert services.process_event(event=make_event(customer)) == []
    grades["grade"] = "D"
    assert len(services.process_event(event=make_event(customer))) == 1


def test_province_and_tag_filters(make_customer, make_event, make_rule, users):
    vip = Tag.objects.create(name="重点客户")
    tagged = make_customer(province="浙江省")
    tagged.tags.add(vip)
    untagged = make_customer(province="浙江省")
    elsewhere = make_customer(province="广东省")
    elsewhere.tags.add(vip)
    make_rule(provinces=["浙江省"], tags=["重点客户"], recipient_users=[users["risk"]])

    assert len(services.process_event(event=make_event(tagged))) == 1
    assert services.process_event(event=make_event(untagged)) == []
    assert services.process_event(event=make_event(elsewhere)) == []


# --- who hears ------------------------------------------------------------------------------


def test_recipients_owner_manager_role_and_named_user(
    make_customer, make_event, make_rule, users, east
):
    east.manager = users["teammate"]
    east.save()
    customer = make_customer(owner=users["sales"])
    make_rule(
        notify_owner=True,
        notify_owner_manager=True,
        recipient_roles=[Role.CREDIT_CONTROLLER],
        recipient_users=[users["auditor"]],
    )

    alerts = services.process_event(event=make_event(customer))

    assert recipients(alerts) == {"sales_u", "teammate_u", "credit_u", "auditor_u"}


def test_a_salesperson_only_hears_about_customers_they_may_see(
    make_customer, make_event, make_rule, users
):
    theirs = make_customer(owner=users["other_sales"])
    make_rule(recipient_users=[users["sales"], users["risk"]], recipient_roles=[Role.SALES])

    alerts = services.process_event(event=make_event(theirs))

    assert recipients(alerts) == {"risk_u", "other_u"}


def test_inactive_users_are_not_told(make_customer, make_event, make_rule, users):
    users["risk"].is_active = False
    users["risk"].save()
    make_rule(recipient_users=[users["risk"]])

    assert services.process_event(event=make_event(make_customer())) == []


# --- once -----------------------------------------------------------------------------------


def test_one_alert_per_recipient_listing_every_matching_rule(
    make_customer, make_event, make_rule, users
):
    customer = make_customer(owner=users["sales"])
    rules = [
        make_rule("诉讼", include_keywords=["诉讼"], notify_owner=True),
        make_rule("全部司法", recipient_roles=[Role.SALES]),
        make_rule("风控", recipient_users=[users["risk"], users["sales"]]),
        make_rule("不相关", include_keywords=["欠税"], notify_owner=True),
    ]

    alerts = services.process_event(event=make_event(customer, text_zh="新增买卖合同诉讼"))

    assert recipients(alerts) == {"sales_u", "teammate_u", "risk_u"}
    mine = Alert.objects.get(recipient=users["sales"])
    assert {rule.name for rule in mine.rules.all()} == {"诉讼", "全部司法", "风控"}
    assert rules[3] not in mine.rules.all()


def test_an_events_immediate_alerts_go_out_in_one_task_after_commit(
    make_customer, make_event, make_rule, users, monkeypatch, django_capture_on_commit_callbacks
):
    from riskdesk.monitoring import tasks

    enqueued: list[list[int]] = []
    monkeypatch.setattr(
        tasks,
        "deliver_immediate_task",
        SimpleNamespace(enqueue=lambda *, alert_ids: enqueued.append(alert_ids)),
    )
    make_rule("立即", recipient_users=[users["risk"], users["credit"]], delivery_mode="immediate")
    make_rule("每日", recipient_users=[users["auditor"]])
    event = make_event(make_customer())

    with django_capture_on_commit_callbacks() as callbacks:
        alerts = services.process_event(event=event)
        assert enqueued == []
    for callback in callbacks:
        callback()

    immediate = sorted(a.pk for a in alerts if a.recipient_id != users["auditor"].pk)
    assert len(alerts) == 3
    assert enqueued == [immediate]


def test_reprocessing_creates_nothing(make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    event = make_event(make_customer())
    services.process_event(event=event)

    assert services.process_event(event=event) == []
    assert services.process_events(event_ids=[event.pk]) == 0
    assert Alert.objects.count() == 1


def test_a_broken_rule_is_recorded_and_the_others_still_run(
    make_customer, make_event, make_rule, users, monkeypatch
):
    broken = make_rule(
        "坏的", customer_filter="industry = '建筑业'", recipient_users=[users["risk"]]
    )
    make_rule("好的", recipient_users=[users["credit"]])

    def fail(*, customer, as_of):
        raise RuntimeError("feature store down")

    monkeypatch.setattr(services.intel, "customer_features", fail)

    alerts = services.process_event(event=make_event(make_customer()))

    assert recipients(alerts) == {"credit_u"}
    broken.refresh_from_db()
    assert broken.error_count == 1 and "feature store down" in broken.last_error


def test_rule_set_is_rebuilt_when_rules_change(make_customer, make_event, make_rule, users):
    customer = make_customer()
    rule = make_rule(include_keywords=["破产"], recipient_users=[users["risk"]])
    assert services.process_event(event=make_event(customer, text_zh="欠税公告")) == []

    rule.include_keywords = ["欠税"]
    services.save_rule(rule=rule, actor=users["risk"], recipient_users=[users["risk"]])

    assert len(services.process_event(event=make_event(customer, text_zh="欠税公告"))) == 1


# --- hooks and inbox ------------------------------------------------------------------------


def test_new_change_events_are_processed_after_commit(
    make_customer, make_event, make_rule, users, django_capture_on_commit_callbacks
):
    make_rule(recipient_users=[users["risk"]])

    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(make_customer())

    assert Alert.objects.filter(event=event, recipient=users["risk"]).exists()


def test_refreshed_dossier_events_reach_the_inbox(
    make_customer, make_rule, users, django_capture_on_commit_callbacks
):
    from riskdesk.intel.services import refresh_dossier
    from tests.intel.conftest import EARLY, LATE, evolving_uscc

    customer = make_customer(owner=users["sales"], uscc=evolving_uscc())
    make_rule(event_types=["lawsuit.added"], notify_owner=True)
    refresh_dossier(customer=customer, actor=users["sales"], as_of=EARLY)

    with django_capture_on_commit_callbacks(execute=True):
        refresh_dossier(customer=customer, actor=users["sales"], as_of=LATE)

    events = ChangeEvent.objects.filter(customer=customer, type="lawsuit.added")
    assert events.exists()
    assert set(Alert.objects.values_list("event_id", flat=True)) == set(
        events.values_list("pk", flat=True)
    )


def test_mark_read_and_acknowledge(make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    [alert] = services.process_event(event=make_event(make_customer()))
    assert services.unread_count(user=users["risk"]) == 1

    services.mark_read(alert=alert, actor=users["risk"])
    assert services.unread_count(user=users["risk"]) == 0

    services.acknowledge_alert(alert=alert, actor=users["risk"], comment=" 已电话核实 ")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledgement == "已电话核实"


def test_only_the_recipient_may_touch_an_alert(make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    [alert] = services.process_event(event=make_event(make_customer()))

    with pytest.raises(PermissionDenied):
        services.mark_read(alert=alert, actor=users["admin"])


def test_only_risk_managers_save_rules(users):
    with pytest.raises(PermissionDenied):
        services.save_rule(rule=MonitoringRule(name="x"), actor=users["sales"])


def test_a_batch_of_events_gives_the_alerts_one_at_a_time_would(
    make_customer, make_event, make_rule, users, monkeypatch
):
    monkeypatch.setattr(
        services.intel, "customer_features", lambda *, customer, as_of: {"registered_capital": 1}
    )
    make_rule("破产", include_keywords=["破产"], recipient_users=[users["risk"]])
    make_rule(
        "小企业", customer_filter="registered_capital < 10", recipient_users=[users["credit"]]
    )
    first, second = make_customer(), make_customer()
    events = [
        make_event(first, text_zh="申请破产"),
        make_event(second, text_zh="合同纠纷"),
        make_event(first, text_zh="ＢＡＮＫＲＵＰＴ 破产重整"),
    ]

    assert services.process_events(event_ids=[event.pk for event in events]) == 5
    by_event = {
        event.pk: sorted(event.alerts.values_list("recipient__username", flat=True))
        for event in events
    }
    assert list(by_event.values()) == [["credit_u", "risk_u"], ["credit_u"], ["credit_u", "risk_u"]]

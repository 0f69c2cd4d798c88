from django.urls import reverse

from riskdesk.monitoring import services
from riskdesk.monitoring.models import Alert, MonitoringRule


def test_inbox_shows_alerts_the_badge_and_filters(
    client, make_customer, make_event, make_rule, users
):
    customer = make_customer(name="预警测试有限公司")
    make_rule(recipient_users=[users["risk"]])
    services.process_event(event=make_event(customer, "dishonest.added"))
    services.process_event(event=make_event(customer, "penalty.added"))
    client.force_login(users["risk"])

    html = client.get(reverse("monitoring:inbox")).content.decode()
    assert html.count('data-testid="alert-') >= 2 and "预警测试有限公司" in html
    assert '<span class="badge bad">2</span>' in html

    critical = client.get(reverse("monitoring:inbox"), {"severity": "critical"}).content.decode()
    assert "新增失信被执行人" in critical and "新增行政处罚" not in critical


def test_mark_read_and_acknowledge_by_htmx(client, make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    [alert] = services.process_event(event=make_event(make_customer()))
    client.force_login(users["risk"])

    row = client.post(reverse("monitoring:alert_read", args=[alert.pk]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and f'id="alert-{alert.pk}"' in row.content.decode()
    unread = client.get(reverse("monitoring:inbox"), {"status": "unread"}).content.decode()
    assert f'data-testid="alert-{alert.pk}"' not in unread

    client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk]), {"comment": "已处理"})
    alert.refresh_from_db()
    assert alert.acknowledgement == "已处理"


def test_someone_elses_alert_is_not_found(client, make_customer, make_event, make_rule, users):
    make_rule(recipient_users=[users["risk"]])
    [alert] = services.process_event(event=make_event(make_customer()))
    client.force_login(users["credit"])

    assert client.post(reverse("monitoring:alert_read", args=[alert.pk])).status_code == 404
    assert Alert.objects.get(pk=alert.pk).read_at is None


def test_risk_manager_creates_a_rule(client, users):
    client.force_login(users["risk"])

    response = client.post(
        reverse("monitoring:rule_create"),
        {
            "name": "破产预警",
            "enabled": "on",
            "event_types": ["lawsuit.added", "news.negative"],
            "min_severity": "medium",
            "include_keywords": "破产，破产重整\nBankruptcy",
            "customer_filter": "industry IN ('建筑业','房地产业')",
            "recipient_roles": ["risk_manager"],
            "recipient_users": [users["credit"].pk],
            "notify_owner": "on",
            "delivery_mode": "daily_digest",
            "digest_time": "21:00",
            "digest_timezone": "Asia/Shanghai",
        },
    )

    assert response.status_code == 302
    rule = MonitoringRule.objects.get(name="破产预警")
    assert rule.include_keywords == ["破产", "破产重整", "bankruptcy"]
    assert list(rule.recipient_users.all()) == [users["credit"]]
    assert rule.created_by == users["risk"]
    assert "破产预警" in client.get(reverse("monitoring:rules")).content.decode()


def test_invalid_filter_is_shown_bilingual_and_nothing_is_stored(client, users):
    client.force_login(users["risk"])

    response = client.post(
        reverse("monitoring:rule_create"),
        {
            "name": "坏规则",
            "min_severity": "info",
            "customer_filter": "industy = '建筑业'",
            "delivery_mode": "immediate",
            "digest_time": "21:00",
            "digest_timezone": "Asia/Shanghai",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-customer_filter"' in html
    assert "未知特征" in html and "unknown feature" in html
    assert not MonitoringRule.objects.exists()


def test_salespeople_may_not_manage_rules(client, users):
    client.force_login(users["sales"])

    assert client.get(reverse("monitoring:rules")).status_code == 403
    assert client.get(reverse("monitoring:rule_create")).status_code == 403

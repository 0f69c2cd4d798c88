"""Delivery pages: settings and channels, the delivery log, in-app digests."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from riskdesk.monitoring import delivery, services
from riskdesk.monitoring.choices import DeliveryStatus
from riskdesk.monitoring.models import (
    Delivery,
    Digest,
    DigestDefaults,
    MonitoringRule,
    NotificationChannel,
)

SECRET = "SECabcdefghijklmnop"


def channel(users, **fields) -> NotificationChannel:
    fields = {"kind": "dingtalk", "name": "风控群", "url": "https://8.8.8.8/robot", **fields}
    return delivery.save_channel(channel=NotificationChannel(**fields), actor=users["admin"])


def test_settings_page_shows_channels_with_masked_secrets(client, users):
    channel(users, secret=SECRET)
    client.force_login(users["risk"])
    html = client.get(reverse("monitoring:delivery_settings")).content.decode()
    assert "风控群" in html and "钉钉机器人" in html
    assert SECRET not in html and "SEC…" in html


def test_salespeople_and_auditors_may_not_see_delivery_pages(client, users):
    for who in ("sales", "auditor"):
        client.force_login(users[who])
        for name in ("delivery_settings", "delivery_log", "channel_create"):
            assert client.get(reverse(f"monitoring:{name}")).status_code == 403


def test_private_webhook_address_is_refused_bilingual(client, users):
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:channel_create"),
        {"kind": "webhook", "name": "内网", "url": "https://192.168.1.5/hook", "enabled": "on"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-url"' in html
    assert "内网" in html and "Private" in html
    assert not NotificationChannel.objects.exists()


def test_secret_is_kept_when_left_empty(client, users):
    saved = channel(users, secret=SECRET)
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:channel_edit", args=[saved.pk]),
        {"kind": "dingtalk", "name": "风控群2", "url": "https://8.8.8.8/robot", "new_secret": ""},
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.secret, saved.enabled) == ("风控群2", SECRET, False)


def test_default_digest_time_moves_rules_on_the_old_default(client, users, make_rule):
    on_default = make_rule("默认")
    custom = make_rule("自定", digest_time=dt.time(8, 0))
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:delivery_settings"),
        {
            "digest_time": "18:30",
            "digest_timezone": "Asia/Shanghai",
            "digest_weekday": "4",
            "apply_to_rules": "on",
        },
    )
    assert response.status_code == 302
    assert DigestDefaults.current().digest_time == dt.time(18, 30)
    assert MonitoringRule.objects.get(pk=on_default.pk).digest_time == dt.time(18, 30)
    assert MonitoringRule.objects.get(pk=custom.pk).digest_time == dt.time(8, 0)
    form = client.get(reverse("monitoring:rule_create")).content.decode()
    assert 'value="18:30"' in form


def test_unknown_timezone_is_refused(client, users):
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:delivery_settings"),
        {"digest_time": "18:30", "digest_timezone": "Mars/Olympus", "digest_weekday": "0"},
    )
    assert "Unknown time zone" in response.content.decode()
    assert DigestDefaults.current().digest_time == dt.time(21, 0)


def test_rule_form_routes_to_channels_and_external_addresses(client, users):
    saved = channel(users)
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:rule_create"),
        {
            "name": "群通知",
            "min_severity": "high",
            "delivery_mode": "weekly_digest",
            "digest_time": "09:00",
            "digest_timezone": "Asia/Shanghai",
            "digest_weekday": "4",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "external_emails": "CFO@Example.com, ops@example.com",
            "channels": [saved.pk],
        },
    )
    assert response.status_code == 302
    rule = MonitoringRule.objects.get(name="群通知")
    assert list(rule.channels.all()) == [saved]
    assert rule.external_emails == ["cfo@example.com", "ops@example.com"]
    assert (rule.digest_weekday, rule.quiet_start) == (4, dt.time(22, 0))


def test_bad_external_address_is_refused(client, users):
    client.force_login(users["risk"])
    response = client.post(
        reverse("monitoring:rule_create"),
        {
            "name": "坏邮箱",
            "min_severity": "info",
            "delivery_mode": "daily_digest",
            "digest_time": "21:00",
            "digest_timezone": "Asia/Shanghai",
            "external_emails": "not-an-address",
        },
    )
    assert 'data-testid="error-external_emails"' in response.content.decode()
    assert not MonitoringRule.objects.exists()


def test_delivery_log_filters_and_reports_failing_channels(
    client, users, make_customer, make_event, make_rule
):
    saved = channel(users)
    make_rule(recipient_users=[users["risk"]]).channels.set([saved])
    services.process_event(event=make_event(make_customer()))
    delivery.digests.build_due_digests(now=dt.datetime.now(dt.UTC), force=True)
    Delivery.objects.filter(channel=saved).update(status=DeliveryStatus.DEAD, last_error="boom")
    client.force_login(users["risk"])
    html = client.get(reverse("monitoring:delivery_log")).content.decode()
    assert 'data-testid="failing-channels"' in html and "风控群" in html
    dead = client.get(reverse("monitoring:delivery_log"), {"status": "dead"}).content.decode()
    sent = client.get(reverse("monitoring:delivery_log"), {"status": "sent"}).content.decode()
    channel_row = f'data-testid="delivery-{Delivery.objects.get(channel=saved).pk}"'
    assert channel_row in dead and channel_row not in sent
    response = client.post(reverse("monitoring:delivery_retry_dead"), {"channel": saved.pk})
    assert response.status_code == 302
    assert Delivery.objects.get(channel=saved).status == DeliveryStatus.PENDING


def test_inbox_lists_digests_and_opening_one_marks_it_read(
    client, users, make_customer, make_event, make_rule
):
    make_rule(recipient_users=[users["risk"]])
    services.process_event(event=make_event(make_customer(name="汇总客户有限公司")))
    delivery.run_digests(force=True)
    digest = Digest.objects.get(recipient_user=users["risk"])
    client.force_login(users["risk"])
    inbox = client.get(reverse("monitoring:inbox")).content.decode()
    assert f'data-testid="digest-{digest.pk}"' in inbox
    page = client.get(reverse("monitoring:digest_detail", args=[digest.pk])).content.decode()
    assert "汇总客户有限公司" in page
    digest.refresh_from_db()
    assert digest.read_at is not None
    client.force_login(users["credit"])
    assert client.get(reverse("monitoring:digest_detail", args=[digest.pk])).status_code == 404

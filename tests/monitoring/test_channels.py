"""Channels against real local servers: each platform's payload, signature and error replies;
e-mail over SMTP (aiosmtpd); webhook address checks."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import socket
import time

import pytest
from django.core.exceptions import ValidationError

from riskdesk.monitoring import delivery, services
from riskdesk.monitoring.choices import ChannelErrorCode, DeliveryStatus
from riskdesk.monitoring.models import Delivery, NotificationChannel
from riskdesk.monitoring.urlcheck import check_webhook_url
from tests.monitoring import webhook_server

SECRET = "SEC0123456789abcdef+/="


@pytest.fixture
def server(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    state, stop = webhook_server.start()
    yield state
    stop()


@pytest.fixture
def channel_to(server, users):
    def make(kind: str, path: str, secret: str = SECRET) -> NotificationChannel:
        channel = NotificationChannel(
            kind=kind, name=f"{kind}{path}", url=f"{server.url}{path}", secret=secret
        )
        channel.allow_private = True
        return delivery.save_channel(channel=channel, actor=users["admin"])

    return make


@pytest.fixture
def send_one(make_customer, make_event, make_rule, users):
    """Route one high-severity event through a rule to ``channel`` and run the digest now."""

    def send(channel: NotificationChannel) -> Delivery:
        rule = make_rule(recipient_users=[users["risk"]])
        rule.channels.set([channel])
        event = make_event(make_customer(name="华信建设有限公司"), "dishonest.added")
        services.process_event(event=event)
        delivery.run_digests(force=True)
        return Delivery.objects.get(channel=channel)

    return send


def b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


# --- each platform ------------------------------------------------------------------------------


def test_dingtalk_markdown_signed_in_the_query(server, channel_to, send_one):
    sent = send_one(channel_to("dingtalk", "/robot/send"))
    (request,) = server.on("/robot/send")
    timestamp = request.query["timestamp"]
    # DingTalk's check: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, base64.
    expected = b64_hmac(SECRET.encode(), f"{timestamp}\n{SECRET}".encode())
    assert request.query["sign"] == expected
    assert abs(int(timestamp) / 1000 - time.time()) < 3600
    body = request.json
    assert body["msgtype"] == "markdown"
    assert "华信建设有限公司" in body["markdown"]["text"]
    assert "/profile/" in body["markdown"]["text"]
    assert request.headers["idempotency-key"] == str(sent.digest.uid)
    assert sent.status == DeliveryStatus.SENT


def test_feishu_card_signed_in_the_body(server, channel_to, send_one):
    send_one(channel_to("feishu", "/open-apis/bot/v2/hook/x"))
    (request,) = server.on("/open-apis/bot/v2/hook/x")
    body = request.json
    # Feishu's check: HMAC-SHA256 keyed by "timestamp\nsecret" over an empty message, base64.
    assert body["sign"] == b64_hmac(f"{body['timestamp']}\n{SECRET}".encode(), b"")
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["template"] == "red"  # dishonest debtor: critical
    assert "华信建设有限公司" in body["card"]["elements"][0]["text"]["content"]


def test_wecom_markdown_within_its_size_limit(server, channel_to, send_one):
    send_one(channel_to("wecom", "/cgi-bin/webhook/send", secret=""))
    (request,) = server.on("/cgi-bin/webhook/send")
    content = request.json["markdown"]["content"]
    assert request.json["msgtype"] == "markdown"
    assert len(content.encode()) <= 4096
    assert "华信建设有限公司" in content


def test_slack_blocks_and_ok_reply(server, channel_to, send_one):
    server.reply("/services/T/B/X", 200, "ok")
    sent = send_one(channel_to("slack", "/services/T/B/X", secret=""))
    body = server.on("/services/T/B/X")[0].json
    assert body["blocks"][0]["type"] == "header"
    assert "|华信建设有限公司>*" in body["blocks"][2]["text"]["text"]
    assert sent.status == DeliveryStatus.SENT


def test_generic_webhook_signature_over_timestamp_and_body(server, channel_to, send_one):
    sent = send_one(channel_to("webhook", "/hook"))
    (request,) = server.on("/hook")
    timestamp = request.headers["x-riskdesk-timestamp"]
    mac = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["x-riskdesk-signature"] == f"sha256={mac.hexdigest()}"
    assert request.json["id"] == str(sent.digest.uid)
    assert request.json["event_count"] == 1


@pytest.mark.parametrize(
    ("kind", "status", "reply", "error"),
    [
        ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, "310000"),
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "93000"),
        ("feishu", 200, {"code": 19021, "msg": "sign match fail"}, "19021"),
        ("slack", 400, "invalid_payload", "invalid_payload"),
        ("webhook", 500, "boom", "HTTP 500"),
    ],
)
def test_platform_error_replies_fail_the_delivery(
    server, channel_to, send_one, kind, status, reply, error
):
    server.reply("/x", status, reply)
    channel = channel_to(kind, "/x")
    sent = send_one(channel)
    assert sent.status == DeliveryStatus.FAILED
    assert error in sent.last_error
    channel.refresh_from_db()
    assert channel.failure_count == 1 and error in channel.last_error


# --- e-mail -----------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_DELIVERY_ENABLED = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield sink
    controller.stop()


def test_email_digest_is_multipart_text_and_html(
    smtp_server, make_customer, make_event, make_rule, users
):
    users["risk"].email = "risk@example.com"
    users["risk"].save()
    make_rule(recipient_users=[users["risk"]], external_emails=["cfo@example.org"])
    services.process_event(event=make_event(make_customer(name="华信建设有限公司")))
    summary = delivery.run_digests(force=True)
    assert summary.sent.sent == 2
    recipients = sorted(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert recipients == ["cfo@example.org", "risk@example.com"]
    message = email.message_from_bytes(smtp_server.messages[0].content)
    types = [part.get_content_type() for part in message.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert "华信建设有限公司" in html.get_payload(decode=True).decode()
    assert message["Message-ID"].endswith("@riskdesk>")


def test_unreachable_smtp_fails_and_is_retried(
    make_customer, make_event, make_rule, users, settings
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_DELIVERY_ENABLED = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    make_rule(recipient_users=[users["risk"]], external_emails=["cfo@example.org"])
    services.process_event(event=make_event(make_customer()))
    delivery.run_digests(force=True)
    row = Delivery.objects.get(transport="email")
    assert row.status == DeliveryStatus.FAILED
    assert "SMTP" in row.last_error


# --- address checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
    ],
)
def test_private_targets_are_rejected_unless_allowed(url, settings):
    with pytest.raises(ValidationError) as caught:
        check_webhook_url(url)
    assert caught.value.code == ChannelErrorCode.PRIVATE_TARGET
    assert "内网" in caught.value.messages[0] and "Private" in caught.value.messages[0]
    assert check_webhook_url(url, allow_private=True).addresses
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert check_webhook_url(url).addresses


def test_https_required_unless_the_admin_setting_allows_http(settings):
    with pytest.raises(ValidationError) as caught:
        check_webhook_url("http://8.8.8.8/hook")
    assert caught.value.code == ChannelErrorCode.INSECURE_URL
    with pytest.raises(ValidationError):
        check_webhook_url("ftp://8.8.8.8/hook")
    assert check_webhook_url("https://8.8.8.8/hook").port == 443
    settings.WEBHOOK_ALLOW_HTTP = True
    assert check_webhook_url("http://8.8.8.8/hook").port == 80


def test_channel_form_error_is_bilingual_and_nothing_is_stored(users):
    channel = NotificationChannel(kind="dingtalk", name="内网", url="https://10.0.0.8/robot")
    with pytest.raises(ValidationError) as caught:
        delivery.save_channel(channel=channel, actor=users["risk"])
    assert "url" in caught.value.message_dict
    assert not NotificationChannel.objects.exists()


def test_only_admins_may_allow_private_targets(users):
    channel = NotificationChannel(
        kind="webhook", name="内网", url="https://10.0.0.8/hook", allow_private=True
    )
    with pytest.raises(ValidationError):
        delivery.save_channel(channel=channel, actor=users["risk"])
    channel.allow_private = True
    saved = delivery.save_channel(channel=channel, actor=users["admin"])
    assert saved.allow_private


def test_dns_rebinding_is_caught_at_send_time(
    monkeypatch, make_customer, make_event, make_rule, users
):
    answers = {"hooks.example.com": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    channel = delivery.save_channel(
        channel=NotificationChannel(kind="webhook", name="外部", url="https://hooks.example.com/x"),
        actor=users["admin"],
    )
    answers["hooks.example.com"] = "127.0.0.1"  # the name now points inside
    make_rule(recipient_users=[users["risk"]]).channels.set([channel])
    services.process_event(event=make_event(make_customer()))
    delivery.run_digests(force=True)
    row = Delivery.objects.get(channel=channel)
    assert row.status == DeliveryStatus.FAILED
    assert "127.0.0.1" in row.last_error


def test_secret_is_masked(users):
    channel = NotificationChannel(
        kind="dingtalk", name="群", url="https://8.8.8.8/x", secret=SECRET
    )
    assert SECRET not in channel.masked_secret
    assert channel.masked_secret.startswith("SEC")


def test_disabled_channel_deliveries_fail_instead_of_sending(
    server, channel_to, make_customer, make_event, make_rule, users
):
    channel = channel_to("webhook", "/off")
    make_rule(recipient_users=[users["risk"]]).channels.set([channel])
    services.process_event(event=make_event(make_customer()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delivery, "send_due_deliveries", lambda **kw: delivery.SendSummary())
        delivery.run_digests(force=True)
    NotificationChannel.objects.filter(pk=channel.pk).update(enabled=False)
    delivery.send_due_deliveries()
    assert server.on("/off") == []
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.FAILED

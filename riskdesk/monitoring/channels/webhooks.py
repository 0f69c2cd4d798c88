"""Chat-robot and generic webhooks: payload, signature and the platform's own error check.

Each platform signs differently (see docs/monitoring.md):

* DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg="{ts_ms}\\n{secret}")))`` as
  the ``timestamp`` and ``sign`` query parameters; replies ``{"errcode": 0}``.
* Feishu/Lark: ``sign = base64(HMAC-SHA256(key="{ts_s}\\n{secret}", msg=""))`` with
  ``timestamp`` in the JSON body; replies ``{"code": 0}``.
* WeCom: the key is in the URL, no signature; replies ``{"errcode": 0}``.
* Slack: the URL is the secret; replies the text ``ok``.
* Generic: ``X-Riskdesk-Signature: sha256=hex(HMAC-SHA256(secret, "{ts}.{body}"))`` and
  ``X-Riskdesk-Timestamp``; any 2xx is success.

Every request carries ``Idempotency-Key`` (the digest's uid) so a receiver can drop the one
duplicate that a crash between "accepted" and "marked sent" can cause.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import quote_plus, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

from riskdesk.monitoring.channels.base import SendError
from riskdesk.monitoring.choices import ChannelKind
from riskdesk.monitoring.urlcheck import CheckedUrl, check_webhook_url

WECOM_MAX_BYTES = 4096
SLACK_SECTION_CHARS = 2900
FEISHU_TEMPLATES = {"critical": "red", "high": "orange", "medium": "yellow", "low": "blue"}
SLACK_MARKS = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
}


# --- signatures -----------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def generic_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


# --- payloads -------------------------------------------------------------------------------


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def dingtalk_payload(digest) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"title": digest.subject[:60], "text": digest.markdown},
    }


def wecom_payload(digest) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"content": _truncate_bytes(digest.markdown, WECOM_MAX_BYTES)},
    }


def feishu_payload(digest) -> dict:
    content = digest.content
    body = digest.markdown.split("\n", 1)[1] if "\n" in digest.markdown else digest.markdown
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": content["title"]},
                "template": FEISHU_TEMPLATES.get(content.get("max_severity", ""), "grey"),
            },
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": body}}],
        },
    }


def slack_text(content: dict) -> str:
    """Slack mrkdwn (``<url|text>`` links, ``*bold*``), capped at one section's length."""
    lines = []
    for customer in content["customers"]:
        lines.append(f"*<{customer['url']}|{customer['name']}>*")
        for dimension in customer["dimensions"]:
            for event in dimension["events"]:
                mark = SLACK_MARKS.get(event["severity"], ":white_circle:")
                lines.append(
                    f"{mark} {event['severity_label']} · {dimension['label']} · {event['title']}"
                )
    text = "\n".join(lines)
    if len(text) > SLACK_SECTION_CHARS:
        text = text[:SLACK_SECTION_CHARS] + "…"
    return text


def slack_payload(digest) -> dict:
    content = digest.content
    return {
        "text": digest.subject,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": content["title"][:150]}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": content["period"]}]},
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_text(content)}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{content['inbox_url']}|查看全部 / Open>"},
            },
        ],
    }


def generic_payload(digest) -> dict:
    return {
        "id": str(digest.uid),
        "type": "riskdesk.digest",
        "period": digest.period,
        "period_key": digest.period_key,
        "subject": digest.subject,
        "event_count": digest.event_count,
        "content": digest.content,
        "text": digest.markdown,
    }


# --- response checks --------------------------------------------------------------------------


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}") from None
    if not isinstance(data, dict):
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}")
    return data


def check_errcode(response: httpx.Response) -> None:
    """DingTalk and WeCom: HTTP 200 with ``errcode`` ≠ 0 is a failure."""
    data = _json(response)
    if data.get("errcode", -1) != 0:
        raise SendError(f"errcode {data.get('errcode')}: {data.get('errmsg', '')}"[:500])


def check_feishu(response: httpx.Response) -> None:
    data = _json(response)
    code = data.get("code", data.get("StatusCode", -1))
    if code != 0:
        raise SendError(f"code {code}: {data.get('msg', data.get('StatusMessage', ''))}"[:500])


def check_slack(response: httpx.Response) -> None:
    if response.text.strip() != "ok":
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}")


def check_2xx(response: httpx.Response) -> None:
    """Status codes were checked by the caller."""


PLATFORMS: dict[str, tuple[Callable[[object], dict], Callable[[httpx.Response], None]]] = {
    ChannelKind.DINGTALK: (dingtalk_payload, check_errcode),
    ChannelKind.WECOM: (wecom_payload, check_errcode),
    ChannelKind.FEISHU: (feishu_payload, check_feishu),
    ChannelKind.SLACK: (slack_payload, check_slack),
    ChannelKind.WEBHOOK: (generic_payload, check_2xx),
}


# --- sending --------------------------------------------------------------------------------


def signed_request(channel, payload: dict, *, now: float) -> tuple[dict, bytes, dict]:
    """Query parameters, body and headers for ``payload``, signed the platform's way."""
    params: dict[str, str] = {}
    headers = {"Content-Type": "application/json; charset=utf-8"}
    secret = channel.secret
    if channel.kind == ChannelKind.DINGTALK and secret:
        timestamp_ms = int(now * 1000)
        # Already URL-encoded, as DingTalk documents; appended to the URL by hand below.
        params = {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(secret, timestamp_ms)}
    if channel.kind == ChannelKind.FEISHU and secret:
        timestamp_s = int(now)
        signature = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
        payload = {**signature, **payload}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    if channel.kind == ChannelKind.WEBHOOK:
        timestamp_s = int(now)
        headers["X-Riskdesk-Timestamp"] = str(timestamp_s)
        if secret:
            headers["X-Riskdesk-Signature"] = generic_signature(secret, timestamp_s, body)
    return params, body, headers


def _pinned_url(checked: CheckedUrl, address, params: dict) -> str:
    """The URL with its host replaced by the approved address (the Host header keeps the name)."""
    parts = urlsplit(checked.url)
    host = f"[{address}]" if address.version == 6 else str(address)
    query = parts.query
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    query = f"{query}&{extra}" if query and extra else (query or extra)
    return urlunsplit((parts.scheme, f"{host}:{checked.port}", parts.path or "/", query, ""))


def post(checked: CheckedUrl, *, params: dict, body: bytes, headers: dict) -> httpx.Response:
    """POST to the first approved address that answers; redirects are not followed."""
    netloc = urlsplit(checked.url).netloc.rsplit("@", 1)[-1]
    headers = {**headers, "Host": netloc}
    extensions = {"sni_hostname": checked.host} if checked.scheme == "https" else {}
    last: Exception | None = None
    with httpx.Client(
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    ) as client:
        for address in checked.addresses:
            try:
                return client.post(
                    _pinned_url(checked, address, params),
                    content=body,
                    headers=headers,
                    extensions=extensions,
                )
            except httpx.ConnectError as exc:
                last = exc
    raise SendError(f"连接失败 / cannot connect: {last}")


def send_webhook(digest, *, attempt: int) -> None:
    channel = digest.channel
    if channel is None or not channel.enabled:
        raise SendError("渠道已停用或已删除 / the channel is disabled or deleted")
    try:
        # Checked again now: the address may have changed since the channel was saved.
        checked = check_webhook_url(channel.url, allow_private=channel.allow_private)
    except ValidationError as exc:
        raise SendError("; ".join(exc.messages)) from None
    build, check = PLATFORMS[channel.kind]
    params, body, headers = signed_request(channel, build(digest), now=time.time())
    headers["Idempotency-Key"] = str(digest.uid)
    headers["X-Riskdesk-Attempt"] = str(attempt)
    try:
        response = post(checked, params=params, body=body, headers=headers)
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if not 200 <= response.status_code < 300:
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}")
    check(response)

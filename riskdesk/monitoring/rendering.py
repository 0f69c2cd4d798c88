"""A digest's content and its renderings (plain text, HTML, Markdown), computed at build time.

The content is a plain dict (stored on the digest as JSON): events grouped by customer and risk
dimension, newest first. Everything a sender needs is in the stored digest, so a resend after a
crash sends the very same message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from riskdesk.intel.choices import Dimension, Severity

SEVERITY_COLOURS = {
    "critical": "#b91c1c",
    "high": "#dc2626",
    "medium": "#d97706",
    "low": "#2563eb",
    "info": "#6b7280",
}
CHAT_EVENT_LIMIT = 30
"""Chat messages list at most this many events; the rest is counted and linked."""


@dataclass(frozen=True)
class EventRow:
    """What a digest shows of one change event (loaded in bulk by the builder)."""

    id: int
    customer_id: int
    customer_name: str
    dimension: str
    severity: str
    severity_rank: int
    title: str
    text: str
    detected_at: dt.datetime


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_URL}{path}"


def profile_url(customer_id: int) -> str:
    return absolute(reverse("intel:profile", args=[customer_id]))


def _event_dict(row: EventRow, zone: ZoneInfo) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "text": row.text,
        "severity": row.severity,
        "severity_label": str(Severity(row.severity).label),
        "colour": SEVERITY_COLOURS.get(row.severity, SEVERITY_COLOURS["info"]),
        "detected_at": row.detected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
    }


def digest_content(
    *, rows: Iterable[EventRow], title: str, period_label: str, timezone_name: str
) -> dict:
    """Events grouped by customer (the customer with the newest event first), then dimension."""
    zone = ZoneInfo(timezone_name)
    ordered = sorted(rows, key=lambda r: (r.detected_at, r.id), reverse=True)
    customers: dict[int, dict] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for row in ordered:
            customer = customers.setdefault(
                row.customer_id,
                {
                    "id": row.customer_id,
                    "name": row.customer_name,
                    "url": profile_url(row.customer_id),
                    "max_rank": 0,
                    "dimensions": {},
                },
            )
            customer["max_rank"] = max(customer["max_rank"], row.severity_rank)
            dimension = customer["dimensions"].setdefault(
                row.dimension,
                {"key": row.dimension, "label": _dimension_label(row.dimension), "events": []},
            )
            dimension["events"].append(_event_dict(row, zone))
    top = max((r.severity_rank for r in ordered), default=0)
    return {
        "title": title,
        "period": period_label,
        "event_count": len(ordered),
        "max_severity": next((r.severity for r in ordered if r.severity_rank == top), "info"),
        "inbox_url": absolute(reverse("monitoring:inbox")),
        "customers": [
            {**c, "dimensions": list(c["dimensions"].values())} for c in customers.values()
        ],
    }


def _dimension_label(key: str) -> str:
    try:
        return str(Dimension(key).label)
    except ValueError:
        return key


def iter_events(content: dict):
    for customer in content["customers"]:
        for dimension in customer["dimensions"]:
            for event in dimension["events"]:
                yield customer, dimension, event


def render_text(content: dict) -> str:
    lines = [content["title"], content["period"], ""]
    for customer in content["customers"]:
        lines.append(f"■ {customer['name']}  {customer['url']}")
        for dimension in customer["dimensions"]:
            lines.append(f"  [{dimension['label']}]")
            for event in dimension["events"]:
                lines.append(
                    f"  - 【{event['severity_label']}】{event['title']} ({event['detected_at']})"
                )
                if event["text"]:
                    lines.append(f"    {event['text']}")
        lines.append("")
    lines.append(content["inbox_url"])
    return "\n".join(lines)


def render_html(content: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("monitoring/digest_email.html", {"content": content})


def render_markdown(content: dict, *, limit: int = CHAT_EVENT_LIMIT) -> str:
    """Markdown for chat robots: headings, links and coloured severity labels, capped in length."""
    lines = [f"### {content['title']}", f"{content['period']}", ""]
    shown = 0
    for customer in content["customers"]:
        if shown >= limit:
            break
        lines.append(f"**[{customer['name']}]({customer['url']})**")
        for dimension in customer["dimensions"]:
            for event in dimension["events"]:
                if shown >= limit:
                    break
                shown += 1
                label = f'<font color="{event["colour"]}">【{event["severity_label"]}】</font>'
                lines.append(f"- {label}{dimension['label']} · {event['title']}")
        lines.append("")
    rest = content["event_count"] - shown
    if rest > 0:
        lines.append(f"……另有 {rest} 条 / {rest} more")
    lines.append(f"[查看全部预警 / Open the inbox]({content['inbox_url']})")
    return "\n".join(lines)

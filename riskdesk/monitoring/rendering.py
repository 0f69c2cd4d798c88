"""A digest's content and its renderings (plain text, HTML, Markdown), computed at build time.

The content is a plain dict (stored on the digest as JSON): events grouped by customer and risk
dimension, newest first. Everything a sender needs is in the stored digest, so a resend after a
crash sends the very same message.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

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


@functools.lru_cache(maxsize=1)
def _profile_path_template() -> str:
    return reverse("intel:profile", args=[987654321]).replace("987654321", "{id}")


@functools.lru_cache(maxsize=1)
def _inbox_path() -> str:
    return reverse("monitoring:inbox")


def profile_url(customer_id: int) -> str:
    """Resolved once and formatted after: a digest run links thousands of profiles."""
    return absolute(_profile_path_template().format(id=customer_id))


@functools.lru_cache(maxsize=8)
def _labels(language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Severity and dimension labels in ``language``, resolved once (not per event)."""
    with translation.override(language):
        return (
            {value: str(label) for value, label in Severity.choices},
            {value: str(label) for value, label in Dimension.choices},
        )


@functools.lru_cache(maxsize=65536)
def _event_dict(row: EventRow, timezone_name: str, language: str) -> dict:
    """One event as shown; cached because the same event appears in many people's digests."""
    severities, _dimensions = _labels(language)
    return {
        "id": row.id,
        "title": row.title,
        "text": row.text,
        "severity": row.severity,
        "severity_label": severities.get(row.severity, row.severity),
        "colour": SEVERITY_COLOURS.get(row.severity, SEVERITY_COLOURS["info"]),
        "detected_at": row.detected_at.astimezone(ZoneInfo(timezone_name)).strftime(
            "%Y-%m-%d %H:%M"
        ),
    }


def digest_content(
    *, rows: Iterable[EventRow], title: str, period_label: str, timezone_name: str
) -> dict:
    """Events grouped by customer (the customer with the newest event first), then dimension."""
    language = settings.LANGUAGE_CODE
    dimension_labels = _labels(language)[1]
    ordered = sorted(rows, key=lambda r: (r.detected_at, r.id), reverse=True)
    customers: dict[int, dict] = {}
    for row in ordered:
        customer = customers.get(row.customer_id)
        if customer is None:
            customer = customers[row.customer_id] = {
                "id": row.customer_id,
                "name": row.customer_name,
                "url": profile_url(row.customer_id),
                "dimensions": {},
            }
        dimension = customer["dimensions"].get(row.dimension)
        if dimension is None:
            label = dimension_labels.get(row.dimension, row.dimension)
            dimension = customer["dimensions"][row.dimension] = {
                "key": row.dimension,
                "label": label,
                "events": [],
            }
        dimension["events"].append(_event_dict(row, timezone_name, language))
    top = max((r.severity_rank for r in ordered), default=0)
    return {
        "title": title,
        "period": period_label,
        "event_count": len(ordered),
        "max_severity": next((r.severity for r in ordered if r.severity_rank == top), "info"),
        "inbox_url": absolute(_inbox_path()),
        "customers": [
            {**c, "dimensions": list(c["dimensions"].values())} for c in customers.values()
        ],
    }


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


_HTML_EVENT = (
    '<li style="margin:2px 0"><span style="color:#fff;background:{colour};border-radius:3px;'
    'padding:0 4px;font-size:12px">{severity}</span> <strong>{title}</strong> '
    '<span style="color:#6b7280">{at}</span>{text}</li>'
)


def render_html(content: dict) -> str:
    """Self-contained HTML (inline styles, for mail clients); every value is escaped.

    Built with string formatting rather than a template: a digest run renders thousands.
    """
    parts = [
        "<div style=\"font-family:'PingFang SC','Microsoft YaHei',Arial,sans-serif;"
        'font-size:14px;color:#111827;max-width:760px">',
        f'<h2 style="margin:0 0 4px">{escape(content["title"])}</h2>',
        f'<p style="margin:0 0 16px;color:#6b7280">{escape(content["period"])} · '
        f"{content['event_count']} 条事件 / events</p>",
    ]
    for customer in content["customers"]:
        parts.append(
            '<div style="border-top:1px solid #e5e7eb;padding:8px 0"><h3 style="margin:4px 0">'
            f'<a href="{escape(customer["url"])}" style="color:#1d4ed8;text-decoration:none">'
            f"{escape(customer['name'])}</a></h3>"
        )
        for dimension in customer["dimensions"]:
            parts.append(
                '<p style="margin:6px 0 2px;color:#374151;font-weight:bold">'
                f'{escape(dimension["label"])}</p><ul style="margin:0;padding-left:18px">'
            )
            for event in dimension["events"]:
                text = event["text"]
                parts.append(
                    _HTML_EVENT.format(
                        colour=escape(event["colour"]),
                        severity=escape(event["severity_label"]),
                        title=escape(event["title"]),
                        at=escape(event["detected_at"]),
                        text=f'<br><span style="color:#4b5563">{escape(text)}</span>'
                        if text
                        else "",
                    )
                )
            parts.append("</ul>")
        parts.append("</div>")
    parts.append(
        f'<p style="margin-top:16px"><a href="{escape(content["inbox_url"])}" '
        'style="color:#1d4ed8">查看全部预警 / Open the inbox</a></p></div>'
    )
    return "".join(parts)


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

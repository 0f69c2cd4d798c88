"""The risk profile page (风险画像) as plain data: badges, counts, tables and chart options.

Built from the current snapshot and the stored change events; views only render it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from riskdesk.customers import services as customer_services
from riskdesk.customers.models import Customer
from riskdesk.dossier.providers import PROVIDERS
from riskdesk.dossier.schema import (
    TROUBLED_STATUSES,
    Dossier,
    Licence,
    LitigationRole,
    Sentiment,
)
from riskdesk.intel.choices import Dimension
from riskdesk.intel.models import ChangeEvent, DossierSnapshot

TABS: tuple[tuple[str, Any], ...] = (
    ("overview", gettext_lazy("风险概览")),
    ("background", gettext_lazy("企业背景")),
    ("licences", gettext_lazy("资质证照")),
    ("judicial", gettext_lazy("司法诉讼")),
    ("tax", gettext_lazy("发票税务")),
    ("news", gettext_lazy("舆情公告")),
)
TAB_KEYS = frozenset(key for key, _label in TABS)
SECTION_LABELS: dict[str, Any] = {
    "registration": gettext_lazy("工商登记"),
    "shareholders": gettext_lazy("股东"),
    "personnel": gettext_lazy("主要人员"),
    "licences": gettext_lazy("资质证照"),
    "judicial": gettext_lazy("司法风险"),
    "operations": gettext_lazy("经营风险"),
    "tax": gettext_lazy("发票税务"),
    "ip": gettext_lazy("知识产权"),
    "financials": gettext_lazy("年报财务"),
    "news": gettext_lazy("新闻舆情"),
    "sanctions": gettext_lazy("制裁筛查"),
}
EXPIRING_WITHIN_DAYS = 30
TIMELINE_LENGTH = 50
RECENT_EVENT_DAYS = 90


@dataclass(frozen=True, slots=True)
class Badge:
    key: str
    label: str
    state: str  # ok / warn / bad (the CSS badge classes)


@dataclass
class RiskProfile:
    customer: Customer
    snapshot: DossierSnapshot | None
    on: dt.date
    dossier: Dossier | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def reference_date(snapshot: DossierSnapshot | None) -> dt.date:
    """The day the page judges expiry and activity on: today, or the data's later date."""
    today = customer_services.business_today()
    return max(today, snapshot.checked_as_of) if snapshot is not None else today


def _active(listed: dt.date | None, removed: dt.date | None, on: dt.date) -> bool:
    return (listed is None or listed <= on) and (removed is None or removed > on)


def status_badges(dossier: Dossier, on: dt.date) -> list[Badge]:
    judicial, operations = dossier.judicial, dossier.operations
    dishonest = [d for d in judicial.dishonest_debtors if _active(d.published_on, d.removed_on, on)]
    abnormal = [a for a in operations.abnormal_operations if _active(a.listed_on, a.removed_on, on)]
    restricted = [
        r for r in judicial.consumption_restrictions if _active(r.published_on, r.removed_on, on)
    ]
    status = dossier.registration.status
    return [
        Badge("sanctions", _("命中制裁名单"), "bad")
        if dossier.sanctions
        else Badge("sanctions", _("未命中制裁名单"), "ok"),
        Badge("dishonest", _("失信被执行人 %d 条") % len(dishonest), "bad")
        if dishonest
        else Badge("dishonest", _("无失信记录"), "ok"),
        Badge("abnormal", _("经营异常 %d 条") % len(abnormal), "warn")
        if abnormal
        else Badge("abnormal", _("无经营异常"), "ok"),
        Badge("restricted", _("限制高消费"), "bad")
        if restricted
        else Badge("restricted", _("无限高"), "ok"),
        Badge(
            "status",
            _("登记状态：%s") % (label(status) if status else "—"),
            "bad" if status in TROUBLED_STATUSES else "ok",
        ),
    ]


def label(value: Any) -> str:
    """The label of a dossier enum in the active language (``label_zh`` / ``label_en``)."""
    if value is None:
        return "—"
    english = (get_language() or "").startswith("en")
    return getattr(value, "label_en" if english else "label_zh", str(value))


def dimension_counts(dossier: Dossier, customer: Customer, on: dt.date) -> list[dict[str, Any]]:
    """Per risk dimension: records in the dossier and change events of the last 90 days."""
    j, o, t = dossier.judicial, dossier.operations, dossier.tax
    records = {
        Dimension.REGISTRATION: len(dossier.shareholders) + len(dossier.personnel),
        Dimension.JUDICIAL: sum(
            len(items)
            for items in (
                j.lawsuits,
                j.enforcements,
                j.dishonest_debtors,
                j.consumption_restrictions,
                j.terminated_cases,
            )
        )
        + len(dossier.sanctions),
        Dimension.OPERATIONS: sum(
            len(items)
            for items in (
                o.abnormal_operations,
                o.penalties,
                o.serious_violations,
                o.equity_pledges,
                o.chattel_mortgages,
            )
        ),
        Dimension.TAX: len(t.arrears) + len(t.violations) + len(t.abnormal_taxpayer),
        Dimension.NEWS: sum(1 for n in dossier.news if n.sentiment is Sentiment.NEGATIVE),
    }
    since = on - dt.timedelta(days=RECENT_EVENT_DAYS)
    recent = Counter(
        ChangeEvent.objects.filter(customer=customer, as_of__gt=since).values_list(
            "dimension", flat=True
        )
    )
    return [
        {"key": d.value, "label": d.label, "records": records[d], "events": recent[d.value]}
        for d in records
    ]


def licence_rows(dossier: Dossier, on: dt.date) -> list[dict[str, Any]]:
    soon = on + dt.timedelta(days=EXPIRING_WITHIN_DAYS)

    def state(licence: Licence) -> str:
        if licence.valid_to is None or licence.valid_to > soon:
            return "ok"
        return "bad" if licence.valid_to < on else "warn"

    rows = [{"licence": licence, "state": state(licence)} for licence in dossier.licences]
    order = {"bad": 0, "warn": 1, "ok": 2}
    return sorted(rows, key=lambda row: (order[row["state"]], row["licence"].name))


def lawsuit_chart(dossier: Dossier) -> dict[str, Any]:
    """ECharts option: lawsuits per filing year, stacked by our role."""
    counts: Counter[tuple[int, LitigationRole]] = Counter(
        (suit.filed_on.year, suit.role) for suit in dossier.judicial.lawsuits if suit.filed_on
    )
    years = sorted({year for year, _role in counts})
    series = [
        {
            "name": label(role),
            "type": "bar",
            "barMaxWidth": 48,
            "stack": "role",
            "data": [counts[(year, role)] for year in years],
        }
        for role in LitigationRole
        if any(counts[(year, role)] for year in years)
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "left": "center"},
        "grid": {"left": 40, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(year) for year in years]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }


def shareholder_chart(dossier: Dossier) -> dict[str, Any]:
    data = [
        {"name": holder.name, "value": round((holder.ratio or 0) * 100, 2)}
        for holder in dossier.shareholders
        if holder.ratio
    ]
    undisclosed = round(100 - sum(item["value"] for item in data), 2)
    if data and undisclosed > 0.01:
        data.append({"name": _("未披露"), "value": undisclosed})
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}%"},
        "series": [{"type": "pie", "radius": ["35%", "70%"], "data": data}],
    }


def section_freshness(snapshot: DossierSnapshot) -> list[dict[str, Any]]:
    """Per dossier section: which provider delivered it, for which date, and when."""
    rows = []
    for key, section_label in SECTION_LABELS.items():
        source = snapshot.section_sources.get(key) or {}
        provider_id = source.get("provider", snapshot.provider_id)
        provider = PROVIDERS.get(provider_id)
        rows.append(
            {
                "section": section_label,
                "provider": label(provider) if provider else provider_id,
                "as_of": source.get("as_of", snapshot.as_of.isoformat()),
                "fetched_at": dt.datetime.fromisoformat(source["at"])
                if "at" in source
                else snapshot.fetched_at,
            }
        )
    return rows


def timeline(customer: Customer) -> list[ChangeEvent]:
    return list(
        ChangeEvent.objects.filter(customer=customer).order_by("-detected_at", "-id")[
            :TIMELINE_LENGTH
        ]
    )


def tab_context(profile: RiskProfile, tab: str, params: dict[str, str]) -> dict[str, Any]:
    """What one tab shows (only that tab's data is computed)."""
    dossier, on = profile.dossier, profile.on
    if dossier is None:
        return {}
    if tab == "background":
        return {"shareholder_chart": shareholder_chart(dossier)}
    if tab == "licences":
        return {"licences": licence_rows(dossier, on)}
    if tab == "judicial":
        return {"lawsuit_chart": lawsuit_chart(dossier), "lawsuits": _lawsuits(dossier)}
    if tab == "tax":
        return {"tax_grades": sorted(dossier.tax.credit_grades, key=lambda g: -g.year)}
    if tab == "news":
        negative = params.get("sentiment") == "negative"
        articles = [n for n in dossier.news if not negative or n.sentiment is Sentiment.NEGATIVE]
        return {
            "negative_only": negative,
            "articles": sorted(articles, key=lambda n: n.published_on, reverse=True),
        }
    return {
        "badges": status_badges(dossier, on),
        "dimensions": dimension_counts(dossier, profile.customer, on),
        "freshness": section_freshness(profile.snapshot),
        "latest_grade": max(dossier.tax.credit_grades, key=lambda g: g.year, default=None),
    }


def _lawsuits(dossier: Dossier) -> list:
    return sorted(dossier.judicial.lawsuits, key=lambda s: s.filed_on or dt.date.min, reverse=True)


def risk_profile(*, customer: Customer) -> RiskProfile:
    snapshot = DossierSnapshot.objects.current_for(customer.pk)
    return RiskProfile(
        customer=customer,
        snapshot=snapshot,
        on=reference_date(snapshot),
        dossier=snapshot.dossier if snapshot is not None else None,
    )

"""Dossier features (DESIGN §3.5): one customer as a dict, a portfolio as a Polars table.

The table is filled from the per-customer function, so both give identical values. Money
is summed exactly in fen (integers) and turned into CNY floats by one division at the end,
ratios are summed in millionths, so a sum never depends on the order of the facts.

Windows are in days and end on ``as_of`` inclusive: "12m" is the 365 days up to ``as_of``,
"24m" 730 days, "90d" 90 days. Figures from annual reports and tax grades come from the
latest year before the year of ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import polars as pl

from riskdesk.dossier.schema import (
    Dossier,
    LitigationRole,
    RecordStatus,
    Sentiment,
    ShareholderKind,
)
from riskdesk.engine.catalogue import INDUSTRY_SECTIONS

type FeatureKind = Literal["number", "integer", "boolean", "text"]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One feature a policy may use: its type, unit and bilingual label."""

    name: str
    kind: FeatureKind
    unit: str | None
    label_zh: str
    label_en: str


DOSSIER_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("enterprise_type", "text", None, "企业性质", "ownership class"),
    FeatureSpec("state_share", "number", "ratio", "国有持股比例", "state shareholding"),
    FeatureSpec("registered_capital", "number", "CNY", "注册资本", "registered capital"),
    FeatureSpec("paid_in_capital", "number", "CNY", "实缴资本", "paid-in capital"),
    FeatureSpec("years_established", "number", "years", "成立年限", "years since established"),
    FeatureSpec("industry", "text", None, "行业门类（GB/T 4754）", "industry section (GB/T 4754)"),
    FeatureSpec("province", "text", None, "省份", "province"),
    FeatureSpec("status", "text", None, "登记状态", "registration status"),
    FeatureSpec("patent_count", "integer", None, "专利数量", "patents"),
    FeatureSpec("trademark_count", "integer", None, "商标数量", "trademarks"),
    FeatureSpec(
        "total_assets", "number", "CNY", "资产总额（最近年报）", "total assets (latest report)"
    ),
    FeatureSpec(
        "annual_revenue", "number", "CNY", "营业收入（最近年报）", "revenue (latest report)"
    ),
    FeatureSpec("net_profit", "number", "CNY", "净利润（最近年报）", "net profit (latest report)"),
    FeatureSpec(
        "employees", "integer", "people", "从业人数（最近年报）", "employees (latest report)"
    ),
    FeatureSpec(
        "tax_credit_grade", "text", None, "纳税信用等级（最近年度）", "tax credit grade (latest)"
    ),
    FeatureSpec("tax_arrears_amount", "number", "CNY", "欠税金额", "tax arrears"),
    FeatureSpec(
        "dishonest_debtor_count",
        "integer",
        None,
        "失信被执行人记录数（现行）",
        "active dishonest debtor records",
    ),
    FeatureSpec("enforcement_count", "integer", None, "被执行人记录数", "enforcements"),
    FeatureSpec(
        "enforcement_amount", "number", "CNY", "被执行标的合计", "amount under enforcement"
    ),
    FeatureSpec(
        "consumption_restriction",
        "boolean",
        None,
        "限制高消费（现行）",
        "consumption restriction active",
    ),
    FeatureSpec(
        "lawsuit_defendant_count_12m",
        "integer",
        None,
        "近12个月被告案件数",
        "lawsuits as defendant, 12 months",
    ),
    FeatureSpec(
        "lawsuit_amount_12m",
        "number",
        "CNY",
        "近12个月被告涉案金额",
        "amount sued as defendant, 12 months",
    ),
    FeatureSpec(
        "abnormal_operation_active",
        "boolean",
        None,
        "经营异常（现行）",
        "abnormal operations listing active",
    ),
    FeatureSpec(
        "penalty_count_24m",
        "integer",
        None,
        "近24个月行政处罚数",
        "administrative penalties, 24 months",
    ),
    FeatureSpec(
        "serious_violation_active",
        "boolean",
        None,
        "严重违法（现行）",
        "serious violation listing active",
    ),
    FeatureSpec("equity_pledge_count", "integer", None, "有效股权出质数", "valid equity pledges"),
    FeatureSpec(
        "negative_news_count_90d", "integer", None, "近90天负面新闻数", "negative articles, 90 days"
    ),
    FeatureSpec("sanctions_hit", "boolean", None, "命中制裁名单", "on a sanctions list"),
    FeatureSpec("licence_expired_count", "integer", None, "已过期证照数", "licences expired"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in DOSSIER_FEATURES)

WINDOW_12M_DAYS, WINDOW_24M_DAYS, WINDOW_90D_DAYS = 365, 730, 90
_MICRO = 1_000_000


def fen(amount: Decimal | None) -> int | None:
    """An amount in fen (exact: amounts are quantised to the fen)."""
    return None if amount is None else int(amount * 100)


def _cny(total_fen: int | None) -> float | None:
    return None if total_fen is None else total_fen / 100


def _active(listed: date | None, removed: date | None, as_of: date) -> bool:
    return (listed is None or listed <= as_of) and (removed is None or removed > as_of)


def _within(day: date | None, as_of: date, days: int) -> bool:
    return day is not None and as_of - timedelta(days=days) < day <= as_of


def _on_or_before(day: date | None, as_of: date) -> bool:
    return day is None or day <= as_of


# ---------------------------------------------------------------------------- one customer


def dossier_features(dossier: Dossier, as_of: date) -> dict[str, Any]:
    """The feature vector of one dossier as of a date (missing facts are ``None``)."""
    features: dict[str, Any] = {}
    for part in (_registration, _reports, _judicial, _operations, _other):
        features.update(part(dossier, as_of))
    return {name: features[name] for name in FEATURE_NAMES}


def _registration(dossier: Dossier, as_of: date) -> dict[str, Any]:
    reg = dossier.registration
    state_share = None
    if dossier.shareholders:
        micro = sum(
            round(holder.ratio * _MICRO)
            for holder in dossier.shareholders
            if holder.kind is ShareholderKind.STATE and holder.ratio is not None
        )
        state_share = micro / _MICRO
    established = reg.established_on
    return {
        "enterprise_type": reg.enterprise_type.value if reg.enterprise_type else None,
        "state_share": state_share,
        "registered_capital": _cny(fen(reg.registered_capital_cny)),
        "paid_in_capital": _cny(fen(reg.paid_in_capital_cny)),
        "years_established": None if established is None else (as_of - established).days / 365.25,
        "industry": industry_section(reg.industry_code),
        "province": reg.province,
        "status": reg.status.value if reg.status else None,
    }


_SECTION_BY_LETTER = dict(zip("ABCDEFGHIJKLMNOPQRST", INDUSTRY_SECTIONS, strict=True))


def industry_section(code: str | None) -> str | None:
    """The GB/T 4754 section name (门类, what policies compare) of a code such as ``C39``."""
    if not code:
        return None
    return _SECTION_BY_LETTER.get(code.strip()[:1].upper())


def _reports(dossier: Dossier, as_of: date) -> dict[str, Any]:
    reports = [report for report in dossier.financials if report.year < as_of.year]
    latest = max(reports, key=lambda report: report.year, default=None)
    grades = [grade for grade in dossier.tax.credit_grades if grade.year < as_of.year]
    grade = max(grades, key=lambda grade: grade.year, default=None)
    return {
        "total_assets": _cny(fen(latest.total_assets_cny)) if latest else None,
        "annual_revenue": _cny(fen(latest.revenue_cny)) if latest else None,
        "net_profit": _cny(fen(latest.net_profit_cny)) if latest else None,
        "employees": latest.employees if latest else None,
        "tax_credit_grade": grade.grade.value if grade else None,
        "tax_arrears_amount": _cny(
            sum(
                fen(item.amount_cny) or 0
                for item in dossier.tax.arrears
                if item.published_on <= as_of
            )
        ),
    }


def _judicial(dossier: Dossier, as_of: date) -> dict[str, Any]:
    judicial = dossier.judicial
    enforcements = [item for item in judicial.enforcements if _on_or_before(item.filed_on, as_of)]
    sued = [
        item
        for item in judicial.lawsuits
        if item.role is LitigationRole.DEFENDANT and _within(item.filed_on, as_of, WINDOW_12M_DAYS)
    ]
    return {
        "dishonest_debtor_count": sum(
            _active(item.published_on, item.removed_on, as_of)
            for item in judicial.dishonest_debtors
        ),
        "enforcement_count": len(enforcements),
        "enforcement_amount": _cny(sum(fen(item.amount_cny) or 0 for item in enforcements)),
        "consumption_restriction": any(
            _active(item.published_on, item.removed_on, as_of)
            for item in judicial.consumption_restrictions
        ),
        "lawsuit_defendant_count_12m": len(sued),
        "lawsuit_amount_12m": _cny(sum(fen(item.amount_cny) or 0 for item in sued)),
    }


def _operations(dossier: Dossier, as_of: date) -> dict[str, Any]:
    operations = dossier.operations
    return {
        "abnormal_operation_active": any(
            _active(item.listed_on, item.removed_on, as_of)
            for item in operations.abnormal_operations
        ),
        "penalty_count_24m": sum(
            _within(item.decided_on, as_of, WINDOW_24M_DAYS) for item in operations.penalties
        ),
        "serious_violation_active": any(
            _active(item.listed_on, item.removed_on, as_of)
            for item in operations.serious_violations
        ),
        "equity_pledge_count": sum(
            item.status is RecordStatus.VALID and item.registered_on <= as_of
            for item in operations.equity_pledges
        ),
    }


def _other(dossier: Dossier, as_of: date) -> dict[str, Any]:
    return {
        "patent_count": len(dossier.ip.patents),
        "trademark_count": len(dossier.ip.trademarks),
        "negative_news_count_90d": sum(
            item.sentiment is Sentiment.NEGATIVE
            and _within(item.published_on, as_of, WINDOW_90D_DAYS)
            for item in dossier.news
        ),
        "sanctions_hit": bool(dossier.sanctions),
        "licence_expired_count": _expired_licences(dossier, as_of),
    }


def _expired_licences(dossier: Dossier, as_of: date) -> int:
    """Licence names whose longest-lasting licence has ended (a renewal is not expired)."""
    ends: dict[str, list[date | None]] = {}
    for licence in dossier.licences:
        ends.setdefault(licence.name, []).append(licence.valid_to)
    return sum(
        None not in valid_to and max(day for day in valid_to if day is not None) < as_of
        for valid_to in ends.values()
    )


# ---------------------------------------------------------------------------- a portfolio


_POLARS_TYPES: dict[FeatureKind, Any] = {
    "number": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
    "text": pl.String,
}
_PORTFOLIO_SCHEMA: dict[str, Any] = {
    "uscc": pl.String,
    **{spec.name: _POLARS_TYPES[spec.kind] for spec in DOSSIER_FEATURES},
}


def portfolio_dossier_features(dossiers: Sequence[Dossier], as_of: date) -> pl.DataFrame:
    """The features of many dossiers as one table: ``uscc`` then the features, input order.

    The columns are filled from :func:`dossier_features`, so the two agree by construction.
    Reading the facts out of the pydantic models is what costs; the per-dossier functions read
    only the facts they need, where long Polars tables of every list item read them all (that
    pipeline was 2–3× slower than the loop it was meant to beat).
    """
    rows = [dossier_features(dossier, as_of) for dossier in dossiers]
    columns: dict[str, list[Any]] = {"uscc": [dossier.uscc for dossier in dossiers]}
    for name in FEATURE_NAMES:
        columns[name] = [row[name] for row in rows]
    return pl.DataFrame(columns, schema=_PORTFOLIO_SCHEMA)

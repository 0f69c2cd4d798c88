"""Dossier features (DESIGN §3.5): one customer as a dict, a portfolio as a Polars table.

Both paths give identical values. Money is summed exactly in fen (integers) and turned into
CNY floats by one division at the end, ratios are summed in millionths, so no float is ever
added in a different order on the two paths.

Windows are in days and end on ``as_of`` inclusive: "12m" is the 365 days up to ``as_of``,
"24m" 730 days, "90d" 90 days. Figures from annual reports and tax grades come from the
latest year before the year of ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    FeatureSpec("industry", "text", None, "行业代码（GB/T 4754）", "industry code (GB/T 4754)"),
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
        "industry": reg.industry_code,
        "province": reg.province,
        "status": reg.status.value if reg.status else None,
    }


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


@dataclass(frozen=True, slots=True)
class _Table:
    """How one list of a dossier becomes rows of a long table."""

    schema: dict[str, Any]
    rows: Callable[[Dossier], list[tuple[Any, ...]]]


_TABLES: dict[str, _Table] = {
    "shareholders": _Table(
        {"kind": pl.String, "ratio": pl.Float64},
        lambda d: [(h.kind.value, h.ratio) for h in d.shareholders],
    ),
    "reports": _Table(
        {
            "year": pl.Int64,
            "assets": pl.Int64,
            "revenue": pl.Int64,
            "profit": pl.Int64,
            "employees": pl.Int64,
        },
        lambda d: [
            (
                r.year,
                fen(r.total_assets_cny),
                fen(r.revenue_cny),
                fen(r.net_profit_cny),
                r.employees,
            )
            for r in d.financials
        ],
    ),
    "grades": _Table(
        {"year": pl.Int64, "grade": pl.String},
        lambda d: [(g.year, g.grade.value) for g in d.tax.credit_grades],
    ),
    "arrears": _Table(
        {"day": pl.Date, "amount": pl.Int64},
        lambda d: [(a.published_on, fen(a.amount_cny)) for a in d.tax.arrears],
    ),
    "dishonest": _Table(
        {"day": pl.Date, "removed": pl.Date},
        lambda d: [(x.published_on, x.removed_on) for x in d.judicial.dishonest_debtors],
    ),
    "enforcements": _Table(
        {"day": pl.Date, "amount": pl.Int64},
        lambda d: [(x.filed_on, fen(x.amount_cny)) for x in d.judicial.enforcements],
    ),
    "restrictions": _Table(
        {"day": pl.Date, "removed": pl.Date},
        lambda d: [(x.published_on, x.removed_on) for x in d.judicial.consumption_restrictions],
    ),
    "lawsuits": _Table(
        {"role": pl.String, "day": pl.Date, "amount": pl.Int64},
        lambda d: [(x.role.value, x.filed_on, fen(x.amount_cny)) for x in d.judicial.lawsuits],
    ),
    "abnormal": _Table(
        {"day": pl.Date, "removed": pl.Date},
        lambda d: [(x.listed_on, x.removed_on) for x in d.operations.abnormal_operations],
    ),
    "penalties": _Table(
        {"day": pl.Date}, lambda d: [(x.decided_on,) for x in d.operations.penalties]
    ),
    "serious": _Table(
        {"day": pl.Date, "removed": pl.Date},
        lambda d: [(x.listed_on, x.removed_on) for x in d.operations.serious_violations],
    ),
    "pledges": _Table(
        {"day": pl.Date, "status": pl.String},
        lambda d: [(x.registered_on, x.status.value) for x in d.operations.equity_pledges],
    ),
    "news": _Table(
        {"day": pl.Date, "sentiment": pl.String},
        lambda d: [(x.published_on, x.sentiment.value) for x in d.news],
    ),
    "licences": _Table(
        {"name": pl.String, "valid_to": pl.Date},
        lambda d: [(x.name, x.valid_to) for x in d.licences],
    ),
    "patents": _Table({"one": pl.Int64}, lambda d: [(1,)] * len(d.ip.patents)),
    "trademarks": _Table({"one": pl.Int64}, lambda d: [(1,)] * len(d.ip.trademarks)),
    "sanctions": _Table({"one": pl.Int64}, lambda d: [(1,)] * len(d.sanctions)),
}


def _long_frame(dossiers: Sequence[Dossier], table: _Table) -> pl.DataFrame:
    columns: dict[str, list[Any]] = {"_row": [], **{name: [] for name in table.schema}}
    names = list(table.schema)
    for row_number, dossier in enumerate(dossiers):
        for values in table.rows(dossier):
            columns["_row"].append(row_number)
            for name, value in zip(names, values, strict=True):
                columns[name].append(value)
    return pl.DataFrame(columns, schema={"_row": pl.Int64, **table.schema})


def _base_frame(dossiers: Sequence[Dossier]) -> pl.DataFrame:
    registrations = [dossier.registration for dossier in dossiers]
    return pl.DataFrame(
        {
            "_row": list(range(len(dossiers))),
            "uscc": [reg.uscc for reg in registrations],
            "enterprise_type": [
                reg.enterprise_type.value if reg.enterprise_type else None for reg in registrations
            ],
            "registered_fen": [fen(reg.registered_capital_cny) for reg in registrations],
            "paid_in_fen": [fen(reg.paid_in_capital_cny) for reg in registrations],
            "established_on": [reg.established_on for reg in registrations],
            "industry": [reg.industry_code for reg in registrations],
            "province": [reg.province for reg in registrations],
            "status": [reg.status.value if reg.status else None for reg in registrations],
            **_divisor_columns(len(dossiers)),
        },
        schema={
            "_row": pl.Int64,
            "uscc": pl.String,
            "enterprise_type": pl.String,
            "registered_fen": pl.Int64,
            "paid_in_fen": pl.Int64,
            "established_on": pl.Date,
            "industry": pl.String,
            "province": pl.String,
            "status": pl.String,
            **dict.fromkeys(_DIVISORS, pl.Float64),
        },
    )


_DIVISORS = {"_fen_per_cny": 100.0, "_micro_per_unit": float(_MICRO), "_days_per_year": 365.25}


def _divisor_columns(rows: int) -> dict[str, list[float]]:
    """Divisors as real columns: Polars turns division by a scalar into multiplication by
    its reciprocal, which rounds differently from Python's ``/``; column by column does not."""
    return {name: [value] * rows for name, value in _DIVISORS.items()}


def _cny_expr(column: pl.Expr) -> pl.Expr:
    return column / pl.col("_fen_per_cny")


def _active_expr(as_of: date) -> pl.Expr:
    day, removed = pl.col("day"), pl.col("removed")
    return (day.is_null() | (day <= as_of)) & (removed.is_null() | (removed > as_of))


def _within_expr(as_of: date, days: int) -> pl.Expr:
    return (pl.col("day") > as_of - timedelta(days=days)) & (pl.col("day") <= as_of)


def _aggregates(frames: dict[str, pl.DataFrame], as_of: date) -> list[pl.DataFrame]:
    """One small frame per feature group, each keyed by ``_row``."""
    state = pl.col("kind") == ShareholderKind.STATE.value
    micro = (pl.col("ratio") * _MICRO).round(0).cast(pl.Int64)
    latest_year = pl.col("year") == pl.col("year").max().over("_row")
    expired_by_name = (
        frames["licences"]
        .group_by("_row", "name")
        .agg(open_ended=pl.col("valid_to").is_null().any(), last=pl.col("valid_to").max())
        .filter(~pl.col("open_ended") & (pl.col("last") < as_of))
    )
    sued = frames["lawsuits"].filter(
        (pl.col("role") == LitigationRole.DEFENDANT.value) & _within_expr(as_of, WINDOW_12M_DAYS)
    )
    return [
        frames["shareholders"]
        .group_by("_row")
        .agg(
            state_micro=pl.when(state & pl.col("ratio").is_not_null())
            .then(micro)
            .otherwise(0)
            .sum()
        ),
        frames["reports"]
        .filter(pl.col("year") < as_of.year)
        .filter(latest_year)
        .select("_row", "assets", "revenue", "profit", "employees"),
        frames["grades"]
        .filter(pl.col("year") < as_of.year)
        .filter(latest_year)
        .select("_row", tax_credit_grade="grade"),
        frames["arrears"]
        .filter(pl.col("day") <= as_of)
        .group_by("_row")
        .agg(arrears=pl.col("amount").sum()),
        frames["dishonest"].filter(_active_expr(as_of)).group_by("_row").agg(dishonest=pl.len()),
        frames["enforcements"]
        .filter(pl.col("day").is_null() | (pl.col("day") <= as_of))
        .group_by("_row")
        .agg(enforcements=pl.len(), enforced=pl.col("amount").fill_null(0).sum()),
        frames["restrictions"]
        .filter(_active_expr(as_of))
        .group_by("_row")
        .agg(restricted=pl.len()),
        sued.group_by("_row").agg(sued=pl.len(), sued_amount=pl.col("amount").fill_null(0).sum()),
        frames["abnormal"].filter(_active_expr(as_of)).group_by("_row").agg(abnormal=pl.len()),
        frames["penalties"]
        .filter(_within_expr(as_of, WINDOW_24M_DAYS))
        .group_by("_row")
        .agg(penalties=pl.len()),
        frames["serious"].filter(_active_expr(as_of)).group_by("_row").agg(serious=pl.len()),
        frames["pledges"]
        .filter((pl.col("status") == RecordStatus.VALID.value) & (pl.col("day") <= as_of))
        .group_by("_row")
        .agg(pledges=pl.len()),
        frames["news"]
        .filter(
            (pl.col("sentiment") == Sentiment.NEGATIVE.value) & _within_expr(as_of, WINDOW_90D_DAYS)
        )
        .group_by("_row")
        .agg(negative_news=pl.len()),
        expired_by_name.group_by("_row").agg(expired=pl.len()),
        frames["patents"].group_by("_row").agg(patents=pl.len()),
        frames["trademarks"].group_by("_row").agg(trademarks=pl.len()),
        frames["sanctions"].group_by("_row").agg(sanctions=pl.len()),
    ]


def _count(column: str) -> pl.Expr:
    return pl.col(column).fill_null(0).cast(pl.Int64)


def portfolio_dossier_features(dossiers: Sequence[Dossier], as_of: date) -> pl.DataFrame:
    """The features of many dossiers as one table: ``uscc`` then the features, input order."""
    frames = {name: _long_frame(dossiers, table) for name, table in _TABLES.items()}
    table = _base_frame(dossiers)
    for aggregate in _aggregates(frames, as_of):
        table = table.join(aggregate, on="_row", how="left")
    has_holders = pl.col("_row").is_in(frames["shareholders"]["_row"].unique().implode())
    return table.sort("_row").select(
        "uscc",
        "enterprise_type",
        state_share=pl.when(has_holders).then(
            pl.col("state_micro").fill_null(0) / pl.col("_micro_per_unit")
        ),
        registered_capital=_cny_expr(pl.col("registered_fen")),
        paid_in_capital=_cny_expr(pl.col("paid_in_fen")),
        years_established=(pl.lit(as_of) - pl.col("established_on")).dt.total_days()
        / pl.col("_days_per_year"),
        industry=pl.col("industry"),
        province=pl.col("province"),
        status=pl.col("status"),
        patent_count=_count("patents"),
        trademark_count=_count("trademarks"),
        total_assets=_cny_expr(pl.col("assets")),
        annual_revenue=_cny_expr(pl.col("revenue")),
        net_profit=_cny_expr(pl.col("profit")),
        employees=pl.col("employees"),
        tax_credit_grade=pl.col("tax_credit_grade"),
        tax_arrears_amount=_cny_expr(pl.col("arrears").fill_null(0)),
        dishonest_debtor_count=_count("dishonest"),
        enforcement_count=_count("enforcements"),
        enforcement_amount=_cny_expr(pl.col("enforced").fill_null(0)),
        consumption_restriction=_count("restricted") > 0,
        lawsuit_defendant_count_12m=_count("sued"),
        lawsuit_amount_12m=_cny_expr(pl.col("sued_amount").fill_null(0)),
        abnormal_operation_active=_count("abnormal") > 0,
        penalty_count_24m=_count("penalties"),
        serious_violation_active=_count("serious") > 0,
        equity_pledge_count=_count("pledges"),
        negative_news_count_90d=_count("negative_news"),
        sanctions_hit=_count("sanctions") > 0,
        licence_expired_count=_count("expired"),
    )

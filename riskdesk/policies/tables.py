"""How the editors show a section: a row of cells per item, and the scorecard as a table
(indicator | bin or category | points | weight)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from riskdesk.engine import Indicator, Policy
from riskdesk.policies.forms import LIST_CHOICES, OUTCOME_CHOICES

LIST_LABELS = dict(LIST_CHOICES)
OUTCOME_LABELS = dict(OUTCOME_CHOICES)


@dataclass(frozen=True)
class Cell:
    text: object
    code: bool = False


def cells(section: str, item) -> list[Cell]:
    match section:
        case "grades":
            return [
                Cell(item.code),
                Cell(item.label),
                Cell(item.label_en or ""),
                Cell(item.review_months or "—"),
            ]
        case "admission":
            return [
                Cell(item.id),
                Cell(item.when, True),
                Cell(OUTCOME_LABELS[item.outcome.value]),
                Cell(item.reason),
            ]
        case "rules":
            customer_list = LIST_LABELS[item.list.value] if item.list else "—"
            return [
                Cell(item.id),
                Cell(item.when, True),
                Cell(item.grade),
                Cell(customer_list),
                Cell(item.reason),
            ]
        case "bands":
            return [
                Cell("—" if item.min_score is None else f"≥ {_readable(item.min_score)}"),
                Cell(item.grade),
            ]
        case "cases":
            return [
                Cell(item.id),
                Cell(item.when or _("（兜底）"), bool(item.when)),
                Cell(item.limit, True),
            ]
        case "features":
            kind = item.type.value if item.type else "—"
            return [
                Cell(item.name, True),
                Cell(item.expression, True),
                Cell(item.label_zh),
                Cell(kind),
            ]
    return []


HEADERS = {
    "grades": (
        gettext_lazy("代码"),
        gettext_lazy("名称"),
        gettext_lazy("英文名称"),
        gettext_lazy("复评周期（月）"),
    ),
    "admission": (
        gettext_lazy("编号"),
        gettext_lazy("条件"),
        gettext_lazy("结果"),
        gettext_lazy("原因"),
    ),
    "rules": (
        gettext_lazy("编号"),
        gettext_lazy("条件"),
        gettext_lazy("等级"),
        gettext_lazy("名单"),
        gettext_lazy("原因"),
    ),
    "bands": (gettext_lazy("最低分"), gettext_lazy("等级")),
    "cases": (gettext_lazy("编号"), gettext_lazy("条件"), gettext_lazy("额度公式")),
    "features": (
        gettext_lazy("特征名"),
        gettext_lazy("表达式"),
        gettext_lazy("名称"),
        gettext_lazy("类型"),
    ),
}


@dataclass(frozen=True)
class ScoreRow:
    """One line of the scorecard table: an indicator's bin or category and its points."""

    index: int
    indicator: Indicator
    first: bool
    span: int
    where: str
    points: float


def scorecard_rows(policy: Policy) -> list[ScoreRow]:
    rows: list[ScoreRow] = []
    if policy.scorecard is None:
        return rows
    for index, indicator in enumerate(policy.scorecard.indicators):
        lines = _placements(indicator)
        for position, (where, points) in enumerate(lines):
            rows.append(ScoreRow(index, indicator, position == 0, len(lines), where, points))
    return rows


def _readable(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() else f"{value:g}"


def _placements(indicator: Indicator) -> list[tuple[str, float]]:
    lines: list[tuple[str, float]] = []
    low = "-∞"
    for item in indicator.bins:
        high = "+∞" if item.below is None else _readable(item.below)
        lines.append((f"[{low}, {high})", item.points))
        low = high
    for value, points in indicator.categories:
        lines.append((str(value), points))
    if indicator.categories:
        lines.append((_("其他"), indicator.other_points))
    lines.append((_("缺失（NULL）"), indicator.missing_points))
    return lines

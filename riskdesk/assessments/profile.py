"""What the risk profile shows of a customer's assessments: the latest result and the history."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.assessments.models import Assessment
from riskdesk.assessments.services import assessment_trace, latest_assessment
from riskdesk.customers.models import Customer
from riskdesk.policies import services as policies

HISTORY_POINTS = 60
GRADE_BADGES = {"S": "ok", "A": "ok", "B": "", "C": "warn", "D": "bad"}
LIST_BADGES = {"whitelist": "ok", "watchlist": "warn", "blacklist": "bad"}


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    key: str
    label: str
    expression: str
    value: object
    weight: float
    points: float | None
    contribution: float | None
    is_reason: bool


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _label(zh: str, en: str | None) -> str:
    return (en or zh) if _english() else zh


def may_assess(user, customer: Customer) -> bool:
    try:
        permissions.require(user, "assess", customer)
    except PermissionDenied:
        return False
    return True


def indicator_rows(assessment: Assessment) -> list[IndicatorRow]:
    policy = policies.compiled_policy(assessment.policy_version).policy
    outputs, features = assessment.outputs, assessment.features
    reasons = set(outputs["reason_codes"])
    indicators = policy.scorecard.indicators if policy.scorecard else ()
    return [
        IndicatorRow(
            key=item.key,
            label=_label(item.label, item.label_en),
            expression=item.value,
            value=features.get(item.value, ""),
            weight=item.weight,
            points=outputs["points"].get(item.key),
            contribution=outputs["contributions"].get(item.key),
            is_reason=item.key in reasons,
        )
        for item in indicators
    ]


def _reasons(assessment: Assessment) -> dict[str, object]:
    policy = policies.compiled_policy(assessment.policy_version).policy
    outputs = assessment.outputs
    checks = {check.id: _label(check.reason, check.reason_en) for check in policy.admission}
    rules = policy.rating.rules if policy.rating else ()
    rule = next((r for r in rules if r.id == outputs["rating_rule"]), None)
    grades = {grade.code: _label(grade.label, grade.label_en) for grade in policy.grades}
    return {
        "admission_reasons": [checks.get(i, i) for i in outputs["admission_reasons"]],
        "rating_reason": _label(rule.reason, rule.reason_en) if rule else "",
        "grade_label": grades.get(outputs["grade"] or "", ""),
    }


def history_chart(customer: Customer) -> dict:
    """ECharts options: score and proposed limit over time, the grade on every point."""
    rows = list(
        Assessment.objects.filter(customer=customer)
        .order_by("-created_at", "-id")
        .values("created_at", "grade", "score", "proposed_limit")[:HISTORY_POINTS]
    )[::-1]
    labels = [f"{row['created_at']:%Y-%m-%d %H:%M}" for row in rows]
    score = [
        {"value": row["score"], "label": {"show": True, "formatter": row["grade"] or "-"}}
        for row in rows
    ]
    limit = [
        None if row["proposed_limit"] is None else float(row["proposed_limit"]) for row in rows
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [_("评分"), _("建议额度")]},
        "grid": {"left": 60, "right": 80, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [
            {"type": "value", "name": _("评分"), "min": 0, "max": 100},
            {"type": "value", "name": _("建议额度")},
        ],
        "series": [
            {"name": _("评分"), "type": "line", "data": score, "label": {"position": "top"}},
            {
                "name": _("建议额度"),
                "type": "bar",
                "yAxisIndex": 1,
                "data": limit,
                "barMaxWidth": 24,
            },
        ],
    }


def panel_context(*, customer: Customer, user) -> dict:
    latest = latest_assessment(customer)
    context: dict[str, object] = {
        "customer": customer,
        "assessment": latest,
        "may_assess": may_assess(user, customer),
    }
    if latest is None:
        return context
    grade = latest.outputs["grade"] or ""
    context.update(
        _reasons(latest),
        outputs=latest.outputs,
        grade_badge=GRADE_BADGES.get(grade, ""),
        list_badge=LIST_BADGES.get(latest.outputs["list"] or "", ""),
        indicators=indicator_rows(latest),
        trace=assessment_trace(latest),
        history_chart=history_chart(customer),
        history_count=Assessment.objects.filter(customer=customer).count(),
    )
    return context

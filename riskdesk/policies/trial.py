"""Try a policy version on one customer, beside the published version: nothing is written.

Both versions are evaluated with the engine on the customer's feature vector as assessments
build it (``assessments.services.customer_feature_vector``), and their decisions and traces are
lined up step by step so the differences can be shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts import permissions
from riskdesk.assessments.services import customer_feature_vector, engine_features
from riskdesk.customers.models import Customer
from riskdesk.customers.services import business_today
from riskdesk.engine import Decision, TraceStep, evaluate_one
from riskdesk.policies import services
from riskdesk.policies.models import PolicyVersion

SEARCH_LIMIT = 10
SUMMARY_FIELDS = (
    ("admission", _("准入结果")),
    ("admission_reasons", _("未通过的准入检查")),
    ("score", _("评分")),
    ("grade", _("等级")),
    ("list", _("名单")),
    ("rating_rule", _("命中的评级规则")),
    ("reason_codes", _("原因码")),
    ("credit_case", _("授信条件")),
    ("limit", _("建议额度")),
)


STAGES = {
    "admission": _("准入"),
    "scorecard": _("评分卡"),
    "rating": _("评级"),
    "credit": _("授信"),
}
OUTCOMES = {
    "matched": _("命中"),
    "not_matched": _("未命中"),
    "unknown": _("未知（NULL）"),
}


@dataclass(frozen=True)
class Line:
    """One compared value or step: this version's side, the published side, and whether they
    differ."""

    stage: str
    label: str
    this: str
    published: str
    used: str = ""

    @property
    def changed(self) -> bool:
        return self.this != self.published

    @property
    def stage_label(self) -> str:
        return str(STAGES.get(self.stage, self.stage))


@dataclass(frozen=True)
class Trial:
    customer: Customer
    version: PolicyVersion
    baseline: PolicyVersion | None
    as_of: dt.date
    decision: Decision
    summary: list[Line]
    points: list[Line]
    steps: list[Line]

    @property
    def changed_count(self) -> int:
        return sum(line.changed for line in (*self.summary, *self.steps))


def visible_customers(actor) -> QuerySet[Customer]:
    return permissions.restrict(Customer.objects.all(), actor, "view")


def customers_for_trial(*, actor, query: str) -> QuerySet[Customer]:
    """Customers ``actor`` may see whose name contains, or USCC starts with, ``query``."""
    text = query.strip()
    if not text:
        return Customer.objects.none()
    visible = visible_customers(actor)
    matches = Q(name__icontains=text) | Q(uscc__istartswith=text.upper())
    return visible.filter(matches).order_by("name")[:SEARCH_LIMIT]


def try_on_customer(
    *, version: PolicyVersion, customer: Customer, actor, as_of: dt.date | None = None
) -> Trial:
    permissions.require(actor, "view_policy")
    permissions.require(actor, "view", customer)
    day = as_of or business_today()
    stored = customer_feature_vector(customer=customer, as_of=day)
    decision = _decide(version, stored)
    baseline = services.published_version()
    other = _decide(baseline, stored) if baseline is not None else None
    return Trial(
        customer=customer,
        version=version,
        baseline=baseline,
        as_of=day,
        decision=decision,
        summary=_summary(decision, other),
        points=_points(decision, other, _indicator_labels(version, baseline)),
        steps=_steps(decision.trace, other.trace if other else ()),
    )


def _decide(version: PolicyVersion, stored: dict) -> Decision:
    compiled = services.compiled_policy(version)
    return evaluate_one(compiled, engine_features(stored, compiled))


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, tuple | list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def _summary(decision: Decision, other: Decision | None) -> list[Line]:
    return [
        Line(
            "summary",
            str(label),
            _text(getattr(decision, name)),
            _text(getattr(other, name)) if other else "—",
        )
        for name, label in SUMMARY_FIELDS
    ]


def _indicator_labels(*versions: PolicyVersion | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    for version in reversed(versions):  # the tried version's labels win
        if version is not None:
            scorecard = services.compiled_policy(version).policy.scorecard
            indicators = scorecard.indicators if scorecard else ()
            labels.update({item.key: f"{item.label}（{item.key}）" for item in indicators})
    return labels


def _points(decision: Decision, other: Decision | None, labels: dict[str, str]) -> list[Line]:
    theirs = dict(other.points) if other else {}
    keys = list(decision.points) + [key for key in theirs if key not in decision.points]
    return [
        Line(
            "scorecard",
            labels.get(key, key),
            _text(decision.points.get(key)),
            _text(theirs.get(key)),
        )
        for key in keys
    ]


def _steps(mine: tuple[TraceStep, ...], theirs: tuple[TraceStep, ...]) -> list[Line]:
    """Both traces lined up by (stage, item): this version's order, then steps only the
    published version has."""
    by_key = {(step.stage, step.item): step for step in theirs}
    keys = [(step.stage, step.item) for step in mine]
    keys += [key for key in by_key if key not in keys]
    own = {(step.stage, step.item): step for step in mine}
    lines = []
    for stage, item in keys:
        this, published = own.get((stage, item)), by_key.get((stage, item))
        used = this or published
        assert used is not None
        lines.append(Line(stage, item, _step_text(this), _step_text(published), _used_text(used)))
    return lines


def _step_text(step: TraceStep | None) -> str:
    if step is None:
        return "—"
    detail = step.detail
    if step.stage == "scorecard" and step.item == "score":
        return _text(detail.get("score"))
    if step.stage == "scorecard":
        return f"{detail.get('where')} → {_text(detail.get('points'))}"
    if step.outcome == "band":
        low = detail.get("min_score")
        return f"{detail.get('grade')}" + ("" if low is None else f" (≥ {_text(low)})")
    if step.item == "limit" and step.stage == "credit":
        return f"{_text(detail.get('raw_limit'))} → {_text(detail.get('limit'))}"
    outcome = str(OUTCOMES.get(step.outcome, step.outcome))
    if step.stage == "credit" and step.outcome == "matched":
        return f"{outcome}：{_text(detail.get('raw_limit'))}"
    return outcome


def _used_text(step: TraceStep) -> str:
    return ", ".join(f"{name}={_text(value)}" for name, value in step.values.items())

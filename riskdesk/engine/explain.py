"""Render a decision's trace as readable text, in Chinese (default) or English."""

from __future__ import annotations

from collections.abc import Mapping

from riskdesk.engine.decision import Decision, TraceStep

_WORDS = {
    "zh": {
        "admission": "准入",
        "scorecard": "评分",
        "rating": "评级",
        "credit": "授信",
        "matched": "命中",
        "not_matched": "未命中",
        "unknown": "未命中（条件为 NULL）",
        "pass": "通过",
        "review": "人工复核",
        "reject": "拒绝",
        "summary": "结论",
        "grade": "等级",
        "list": "名单",
        "score": "评分",
        "limit": "额度",
        "reasons": "主要扣分项",
        "none": "无",
        "values": "取值",
        "points": "分",
        "weight": "权重",
        "contribution": "贡献",
        "band": "按分数分档",
        "raw": "公式结果",
        "round": "取整到",
        "caps": "上下限",
        "months": "有效期（月）",
    },
    "en": {
        "admission": "Admission",
        "scorecard": "Scorecard",
        "rating": "Rating",
        "credit": "Credit",
        "matched": "matched",
        "not_matched": "not matched",
        "unknown": "not matched (condition is NULL)",
        "pass": "pass",
        "review": "manual review",
        "reject": "reject",
        "summary": "Decision",
        "grade": "grade",
        "list": "list",
        "score": "score",
        "limit": "limit",
        "reasons": "top point losses",
        "none": "none",
        "values": "values",
        "points": "points",
        "weight": "weight",
        "contribution": "contribution",
        "band": "score band",
        "raw": "formula",
        "round": "rounded to",
        "caps": "caps",
        "months": "valid months",
    },
}


def explain_text(decision: Decision, lang: str = "zh") -> str:
    words = _WORDS["en" if lang == "en" else "zh"]
    lines = [_summary(decision, words)]
    stage = ""
    for step in decision.trace:
        if step.stage != stage:
            stage = step.stage
            lines.append(f"\n## {words[stage]}")
        lines.append(_step_line(step, words, lang))
    return "\n".join(lines) + "\n"


def _summary(decision: Decision, words: Mapping[str, str]) -> str:
    reasons = ", ".join(decision.admission_reasons) or words["none"]
    limit = "—" if decision.limit is None else f"{decision.limit:,.2f} {decision.currency or ''}"
    score = "—" if decision.score is None else f"{decision.score:.2f}"
    parts = [
        f"# {words['summary']}: {words['admission']} {words[decision.admission]} ({reasons})",
        f"{words['grade']} {decision.grade or '—'}, {words['list']} {decision.list or '—'}, "
        f"{words['score']} {score}, {words['limit']} {limit}",
        f"{words['reasons']}: {', '.join(decision.reason_codes) or words['none']}",
    ]
    return "\n".join(parts)


def _values(values: Mapping[str, object]) -> str:
    return ", ".join(
        f"{name}={'NULL' if value is None else value}" for name, value in values.items()
    )


def _step_line(step: TraceStep, words: Mapping[str, str], lang: str) -> str:
    detail = step.detail
    used = f"  [{words['values']}: {_values(step.values)}]" if step.values else ""
    if step.stage in ("admission", "rating") and step.outcome != "band":
        reason = (
            detail.get("reason_en")
            if lang == "en" and detail.get("reason_en")
            else detail.get("reason")
        )
        target = (
            detail.get("outcome") or f"{detail.get('grade')} {detail.get('list') or ''}".strip()
        )
        when = detail.get("when")
        return f"- {step.item}: {words[step.outcome]} → {target} ({reason}) `{when}`{used}"
    if step.outcome == "band":
        return f"- {words['band']}: {words['score']} {detail['score']:.2f} → {detail['grade']}"
    if step.stage == "scorecard" and step.item == "score":
        return f"- {words['score']} = {detail['score']:.2f}"
    if step.stage == "scorecard":
        return (
            f"- {step.item} ({detail['label']}): {detail['where']} → {detail['points']:g} "
            f"{words['points']} × {words['weight']} {detail['weight']:g} → "
            f"{words['contribution']} {detail['contribution']:.2f}{used}"
        )
    if step.item == "limit":
        return (
            f"- {words['raw']} {detail['raw_limit']}, {words['round']} {detail['round_to']}, "
            f"{words['caps']} [{detail['min']}, {detail['max']}] → {words['limit']} "
            f"{detail['limit']} {detail['currency']}, {words['months']} {detail['valid_months']}"
        )
    raw = f" → {words['raw']} {detail['raw_limit']}" if "raw_limit" in detail else ""
    return f"- {step.item}: {words[step.outcome]} `{detail.get('when') or 'ELSE'}`{raw}{used}"

"""Generate the single-record evaluator: one Python function for the whole policy.

One function, straight-line code, locals only: every feature is read and type-checked once,
conditions run in truth context (a plain ``bool``), bins are an ``if/elif`` ladder, and the
result is the ``Decision``'s attribute dict, ready to install (see ``decision.evaluate_one``).
Contributions and reason codes are left out: ``Decision`` derives them from the points when
they are first read. The source is built from validated ``ir`` nodes and policy numbers bound
as constants; no user text is pasted in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskdesk.engine import ir
from riskdesk.engine.compiler import SEVERITY
from riskdesk.engine.python_backend import (
    PythonEmitter,
    build_function,
    feature_loader,
    function_header,
)

if TYPE_CHECKING:
    from riskdesk.engine.compiler import CompiledIndicator, CompiledPolicy, RecordFunction

OUTPUT_LOCALS = {"score": "score", "grade": "grade"}


def build_record_function(compiled: CompiledPolicy) -> RecordFunction:
    names = sorted(
        {name for e in compiled.expressions() for name in ir.feature_names(e.node)}
        - set(OUTPUT_LOCALS)
    )
    locals_ = {name: f"f{index}" for index, name in enumerate(names)} | OUTPUT_LOCALS
    emitter = PythonEmitter(locals_.__getitem__)
    lines = ["    get = features.get"]
    loads = "".join(
        feature_loader(name, locals_[name], compiled.catalogue[name].expr_type, emitter)
        for name in names
    )
    lines.append(loads.rstrip("\n"))
    lines += _admission(compiled, emitter)
    lines += _scorecard(compiled, emitter)
    lines += _rating(compiled, emitter)
    lines += _credit(compiled, emitter)
    lines.append(_result(compiled, emitter))
    body = "\n".join(line for line in lines if line) + "\n"
    source = function_header("_policy", emitter.constants) + body
    function: RecordFunction = build_function(source, "_policy", emitter.constants)
    return function


def _result(compiled: CompiledPolicy, emitter: PythonEmitter) -> str:
    """The ``Decision`` attributes; the ``(…, None)`` tables make index -1 read as NULL."""
    tables = compiled.tables
    outcomes = emitter.constant(tuple(o.value for o in sorted(SEVERITY, key=SEVERITY.__getitem__)))
    rule_lists = emitter.constant((*tables.rule_lists, None))
    rule_ids = emitter.constant((*tables.rule_ids, None))
    case_ids = emitter.constant((*tables.case_ids, None))
    items = {
        "admission": f"{outcomes}[worst]",
        "admission_reasons": "tuple(failed)",
        "grade": "grade",
        "list": f"{rule_lists}[rule]",
        "rating_rule": f"{rule_ids}[rule]",
        "score": "score",
        "points": "points",
        "limit": "limit",
        "credit_case": f"{case_ids}[case]",
        "currency": emitter.constant(tables.currency),
        "valid_months": emitter.constant(tables.valid_months),
        "_tables": emitter.constant(tables),
    }
    return "    return {" + ", ".join(f"{key!r}: {value}" for key, value in items.items()) + "}"


def _admission(compiled: CompiledPolicy, emitter: PythonEmitter) -> list[str]:
    """``failed`` (check ids, policy order) and ``worst`` (0 pass, 1 review, 2 reject)."""
    lines = ["    failed = []", "    worst = 0"]
    for check, severity in zip(compiled.checks, compiled.tables.severities, strict=True):
        lines.append(f"    if {emitter.truth(check.condition.node)}:")
        lines.append(f"        failed.append({emitter.constant(check.check.id)})")
        lines.append(f"        if worst < {severity}:")
        lines.append(f"            worst = {severity}")
    return lines


def _scorecard(compiled: CompiledPolicy, emitter: PythonEmitter) -> list[str]:
    if not compiled.indicators:
        return ["    score = None", "    points = {}"]
    lines: list[str] = []
    for index, indicator in enumerate(compiled.indicators):
        lines += _indicator(index, indicator, emitter)
    weighted = " + ".join(
        f"{emitter.constant(i.indicator.weight)} * p{index}"
        for index, i in enumerate(compiled.indicators)
    )
    total = emitter.constant(compiled.weight_total)
    lines.append(f"    score = ({weighted}) / {total}")
    keys = [emitter.constant(i.indicator.key) for i in compiled.indicators]
    points = ", ".join(f"{key}: p{index}" for index, key in enumerate(keys))
    lines.append(f"    points = {{{points}}}")
    return lines


def _indicator(index: int, compiled: CompiledIndicator, emitter: PythonEmitter) -> list[str]:
    indicator = compiled.indicator
    value = f"v{index}"
    lines = [
        f"    {value} = {emitter.value(compiled.value.node)}",
        f"    if {value} is None:",
        f"        p{index} = {emitter.constant(indicator.missing_points)}",
    ]
    if compiled.is_categorical:
        table = emitter.constant(dict(indicator.categories))
        other = emitter.constant(indicator.other_points)
        lines += ["    else:", f"        p{index} = {table}.get({value}, {other})"]
        return lines
    for item in indicator.bins:
        if item.below is None:
            lines.append("    else:")
        else:
            lines.append(f"    elif {value} < {emitter.constant(item.below)}:")
        lines.append(f"        p{index} = {emitter.constant(item.points)}")
    return lines


def _rating(compiled: CompiledPolicy, emitter: PythonEmitter) -> list[str]:
    lines = ["    rule = -1"]
    for index, rule in enumerate(compiled.rules):
        keyword = "if" if index == 0 else "elif"
        lines += [f"    {keyword} {emitter.truth(rule.condition.node)}:", f"        rule = {index}"]
    grades = emitter.constant(tuple(r.rule.grade for r in compiled.rules))
    band_grade = _band_grade(compiled, emitter)
    lines.append(f"    grade = {grades}[rule] if rule >= 0 else {band_grade}")
    return lines


def _band_grade(compiled: CompiledPolicy, emitter: PythonEmitter) -> str:
    rating = compiled.policy.rating
    if rating is None or not rating.bands or not compiled.indicators:
        return "None"
    parts = []
    for band in rating.bands:
        code = emitter.constant(band.grade)
        if band.min_score is None:
            parts.append(code)
        else:
            parts.append(f"{code} if score >= {emitter.constant(band.min_score)} else")
    return "(" + " ".join(parts) + ")"


def _credit(compiled: CompiledPolicy, emitter: PythonEmitter) -> list[str]:
    lines = ["    case = -1", "    raw_limit = None"]
    for index, case in enumerate(compiled.cases):
        keyword = "if" if index == 0 else "elif"
        condition = "True" if case.condition is None else emitter.truth(case.condition.node)
        lines += [
            f"    {keyword} {condition}:",
            f"        case = {index}",
            f"        raw_limit = {emitter.value(case.limit.node)}",
        ]
    lines.append(f"    limit = {_final_limit('raw_limit', compiled, emitter)}")
    return lines


def _final_limit(raw: str, compiled: CompiledPolicy, emitter: PythonEmitter) -> str:
    """Round to ``round_to``, then clamp to [min (default 0), max]: the same order on all paths."""
    credit = compiled.policy.credit
    if credit is None:
        return "None"
    value = raw
    if credit.round_to is not None:
        value = f"_round_to({value}, {emitter.constant(credit.round_to)})"
    value = f"max({value}, {emitter.constant(credit.min or 0.0)})"
    if credit.max is not None:
        value = f"min({value}, {emitter.constant(credit.max)})"
    return f"(None if {raw} is None else {value})"

"""What the condition widget shows: text or builder rows, the text they make, and its check.

The widget is rendered by the server on every change (htmx swaps it), so its whole state is in
the posted fields: ``{field}__mode`` (``text`` or ``form``), the text under ``{field}``, and the
builder rows under ``{field}-b-…`` (see ``conditions.form_from_fields``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import get_language

from riskdesk.engine import ExpressionError, Feature, FeatureKind, Policy, ValueType
from riskdesk.policies import conditions, editing
from riskdesk.policies.conditions import FieldProblem, Group, NotInForm, Row

ORDERED = (ValueType.NUMBER, ValueType.INTEGER, ValueType.DATE)


def operators_for(feature: Feature | None) -> tuple[str, ...]:
    if feature is None or feature.type in ORDERED:
        return tuple(op for op in conditions.OPERATORS if "LIKE" not in op)
    if feature.type is ValueType.BOOLEAN:
        return ("=", "<>", *conditions.NULL_OPERATORS)
    return tuple(op for op in conditions.OPERATORS if op not in ("<", "<=", ">", ">=", "BETWEEN"))


@dataclass
class RowView:
    feature: str = ""
    op: str = "="
    values: list[str] = field(default_factory=list)
    meta: Feature | None = None

    @property
    def operators(self) -> tuple[str, ...]:
        return operators_for(self.meta)

    @property
    def widget(self) -> str:
        """Which value input to show: none, two, list, select, boolean, date or text."""
        if self.op in conditions.NULL_OPERATORS:
            return "none"
        meta = self.meta
        if meta is not None and meta.allowed_values and "LIKE" not in self.op:
            return "multi" if self.op in conditions.LIST_OPERATORS else "select"
        if self.op in conditions.LIST_OPERATORS:
            return "list"
        if self.op == "BETWEEN":
            return "date_pair" if meta and meta.type is ValueType.DATE else "pair"
        if meta is not None and meta.type is ValueType.BOOLEAN:
            return "boolean"
        if meta is not None and meta.type is ValueType.DATE:
            return "date"
        return "text"

    @property
    def first(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def second(self) -> str:
        return self.values[1] if len(self.values) > 1 else ""

    @property
    def joined(self) -> str:
        return ", ".join(self.values)


@dataclass
class GroupView:
    join: str = "AND"
    rows: list[RowView] = field(default_factory=list)


@dataclass
class ConditionWidget:
    field: str
    section: str
    mode: str  # text | form
    text: str
    join: str = "AND"
    groups: list[GroupView] = field(default_factory=list)
    errors: list[ExpressionError] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    note: NotInForm | None = None
    features: list[Feature] = field(default_factory=list)
    optional: bool = False

    @property
    def prefix(self) -> str:
        return f"{self.field}-b"


def feature_choices(policy: Policy, section: str) -> list[Feature]:
    """The features the builder offers: inputs, derived, and the outputs this section may use."""
    catalogue = editing.expression_catalogue(policy)
    allowed_outputs = {"rules": {"score"}, "cases": {"score", "grade"}}.get(section, set())
    return [
        feature
        for feature in catalogue
        if feature.kind is not FeatureKind.OUTPUT or feature.name in allowed_outputs
    ]


def label_of(feature: Feature) -> str:
    return feature.label("en" if (get_language() or "").startswith("en") else "zh")


def check(policy: Policy, section: str, field_name: str, text: str) -> list[ExpressionError]:
    """The engine's verdict on ``text`` as this field: no errors, or the one it found."""
    try:
        editing.check_expression(policy=policy, section=section, field=field_name, text=text)
    except ExpressionError as error:
        return [error]
    return []


# -- building the widget ----------------------------------------------------------------------


def widget_for_text(
    *, policy: Policy, section: str, field_name: str, text: str, mode: str, optional: bool = False
) -> ConditionWidget:
    """The widget for stored or typed ``text``; asked for the form, it falls back to text (with
    the reason) when the text is invalid or beyond the form."""
    widget = ConditionWidget(field_name, section, "text", text, optional=optional)
    widget.features = feature_choices(policy, section)
    widget.errors = check(policy, section, field_name, text) if text.strip() else []
    if mode != "form" or widget.errors:
        return widget
    try:
        condition = conditions.expression_to_form(text)
    except NotInForm as exc:
        widget.note = exc
        return widget
    widget.mode = "form"
    _show(widget, condition)
    return widget


def _show(widget: ConditionWidget, condition: Group) -> None:
    metas = {feature.name: feature for feature in widget.features}

    def row_view(row: Row) -> RowView:
        values = [conditions.value_as_input(v) for v in row.values]
        return RowView(row.feature, row.op, values, metas.get(row.feature))

    widget.join = condition.join
    if all(isinstance(item, Row) for item in condition.items):  # plain rows: one group
        rows = [row_view(item) for item in condition.items if isinstance(item, Row)]
        widget.groups.append(GroupView(condition.join, rows or [RowView()]))
        return
    for item in condition.items:
        if isinstance(item, Row):
            widget.groups.append(GroupView("AND", [row_view(item)]))
        else:
            rows = [row_view(r) for r in item.items if isinstance(r, Row)]
            widget.groups.append(GroupView(item.join, rows))
    if not widget.groups:
        widget.groups.append(GroupView("AND", [RowView()]))


def widget_from_post(
    *,
    policy: Policy,
    section: str,
    field_name: str,
    get: Callable[[str], list[str]],
    action: str = "",
    optional: bool = False,
) -> ConditionWidget:
    """The widget after a change in the browser; ``action`` adds or removes rows and groups, or
    switches the mode (``mode:form``, ``mode:text``)."""
    mode = (get(f"{field_name}__mode") or ["text"])[0]
    text = (get(field_name) or [""])[0]
    if action.startswith("mode:"):
        if action == "mode:text" and mode == "form":  # the rows as they are now, as text
            text = _rows_widget(policy, section, field_name, get, "", optional).text
        return widget_for_text(
            policy=policy,
            section=section,
            field_name=field_name,
            text=text,
            mode=action.removeprefix("mode:"),
            optional=optional,
        )
    if mode != "form":
        return widget_for_text(
            policy=policy,
            section=section,
            field_name=field_name,
            text=text,
            mode="text",
            optional=optional,
        )
    return _rows_widget(policy, section, field_name, get, action, optional)


def _rows_widget(
    policy: Policy,
    section: str,
    field_name: str,
    get: Callable[[str], list[str]],
    action: str,
    optional: bool,
) -> ConditionWidget:
    widget = ConditionWidget(field_name, section, "form", "", optional=optional)
    widget.features = feature_choices(policy, section)
    _read_rows(widget, get)
    _apply(widget, action)
    _compute_text(widget, policy)
    return widget


def _read_rows(widget: ConditionWidget, get: Callable[[str], list[str]]) -> None:
    metas = {feature.name: feature for feature in widget.features}
    prefix = widget.prefix
    widget.join = "OR" if (get(f"{prefix}-join") or [""])[0] == "OR" else "AND"
    for g in range(_count(get, f"{prefix}-groups")):
        base = f"{prefix}-g{g}"
        group = GroupView("OR" if (get(f"{base}-join") or [""])[0] == "OR" else "AND")
        for r in range(_count(get, f"{base}-rows")):
            name = (get(f"{base}-r{r}-feature") or [""])[0]
            meta = metas.get(name)
            op = (get(f"{base}-r{r}-op") or ["="])[0]
            if op not in operators_for(meta):
                op = "="
            values = [v for v in get(f"{base}-r{r}-value")]
            group.rows.append(RowView(name, op, values, meta))
        widget.groups.append(group)


def _count(get: Callable[[str], list[str]], name: str) -> int:
    values = get(name)
    return min(int(values[0]), 50) if values and values[0].isdigit() else 0


def _apply(widget: ConditionWidget, action: str) -> None:
    verb, _, where = action.partition(":")
    indices = [int(part) for part in where.split(":") if part.isdigit()]
    groups = widget.groups
    if verb == "add_group":
        groups.append(GroupView("AND", [RowView()]))
    elif verb == "add_row" and indices and indices[0] < len(groups):
        groups[indices[0]].rows.append(RowView())
    elif verb == "del_row" and len(indices) == 2 and indices[0] < len(groups):
        rows = groups[indices[0]].rows
        if indices[1] < len(rows):
            del rows[indices[1]]
    elif verb == "del_group" and indices and indices[0] < len(groups):
        del groups[indices[0]]
    widget.groups = [group for group in groups if group.rows]
    if not widget.groups:
        widget.groups.append(GroupView("AND", [RowView()]))


def posted_fields(widget: ConditionWidget) -> Callable[[str], list[str]]:
    """The builder rows as posted fields again, for ``conditions.form_from_fields``."""
    prefix = widget.prefix
    data: dict[str, list[str]] = {
        f"{prefix}-join": [widget.join],
        f"{prefix}-groups": [str(len(widget.groups))],
    }
    for g, group in enumerate(widget.groups):
        base = f"{prefix}-g{g}"
        data[f"{base}-join"] = [group.join]
        data[f"{base}-rows"] = [str(len(group.rows))]
        for r, row in enumerate(group.rows):
            data[f"{base}-r{r}-feature"] = [row.feature]
            data[f"{base}-r{r}-op"] = [row.op]
            data[f"{base}-r{r}-value"] = list(row.values)
    return lambda name: data.get(name, [])


def _compute_text(widget: ConditionWidget, policy: Policy) -> None:
    metas = {feature.name: feature for feature in widget.features}
    condition, widget.problems = conditions.form_from_fields(
        posted_fields(widget), widget.prefix, metas
    )
    widget.text = conditions.form_to_expression(condition)
    if widget.text and not widget.problems:
        widget.errors = check(policy, widget.section, widget.field, widget.text)

"""The section editors and the expression checks they call as the user types (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.engine import Policy, PolicyValidationError
from riskdesk.policies import builder, editing, tables
from riskdesk.policies.editing import SECTIONS, Section
from riskdesk.policies.forms import (
    FORMS,
    CreditSettingsForm,
    ScorecardSettingsForm,
    plain_number,
)
from riskdesk.policies.models import PolicyVersion
from riskdesk.policies.views import problem_messages, report_problems


def _section(key: str) -> Section:
    try:
        return SECTIONS[key]
    except KeyError:
        raise Http404 from None


# Indicator fields edited as rows of a table; their errors are shown under the table.
ROW_TABLES = ("bins", "categories")


def _revision(request) -> str | None:
    """The draft revision the page was rendered from (see ``editing.revision_of``)."""
    return request.POST.get("revision") or None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _editable(request, version: PolicyVersion) -> bool:
    return version.is_draft and permissions.may(request.user, "change_policy")


def _items_context(request, version: PolicyVersion, section: Section, policy: Policy) -> dict:
    items = section.get(policy)
    return {
        "version": version,
        "section": section,
        "editable": _editable(request, version),
        "headers": tables.HEADERS.get(section.key, ()),
        "rows": [(index, tables.cells(section.key, item)) for index, item in enumerate(items)],
        "score_rows": tables.scorecard_rows(policy) if section.key == "indicators" else [],
        "count": len(items),
        "revision": editing.revision_of(version),
    }


@login_required
@require_GET
def section_page(request, pk: int, section: str):
    permissions.require(request.user, "view_policy")
    version = get_object_or_404(PolicyVersion, pk=pk)
    current = _section(section)
    policy = editing.policy_of(version)
    context = {
        **_items_context(request, version, current, policy),
        "nav": "policies",
        "sections": SECTIONS.values(),
    }
    if current.key == "cases":
        credit = policy.credit
        context["settings_form"] = CreditSettingsForm(
            initial={
                "currency": credit.currency if credit else "CNY",
                "min_limit": credit.min if credit else None,
                "max_limit": credit.max if credit else None,
                "round_to": credit.round_to if credit else None,
                "valid_months": credit.valid_months if credit else None,
            }
        )
    if current.key == "indicators" and policy.scorecard is not None:
        context["settings_form"] = ScorecardSettingsForm(
            initial={"reason_codes": policy.scorecard.reason_code_count}
        )
    return render(request, "policies/editor/section.html", context)


# -- one item ---------------------------------------------------------------------------------


def _widgets(form_class, policy: Policy, section: str, *, posted=None, initial=None) -> dict:
    widgets = {}
    for name in form_class.condition_fields:
        optional = not form_class.base_fields[name].required
        if posted is not None:
            widgets[name] = builder.widget_from_post(
                policy=policy,
                section=section,
                field_name=name,
                get=posted.getlist,
                optional=optional,
            )
        else:
            widgets[name] = builder.widget_for_text(
                policy=policy,
                section=section,
                field_name=name,
                text=(initial or {}).get(name, ""),
                mode="form",
                optional=optional,
            )
    return widgets


def _expression_checks(form_class, policy: Policy, section: str, values) -> dict:
    return {
        name: builder.check(policy, section, name, values.get(name, "") or "")
        if values.get(name)
        else []
        for name in form_class.expression_fields
    }


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int, section: str, index: int | None = None):
    permissions.require(request.user, "change_policy")
    version = get_object_or_404(PolicyVersion, pk=pk)
    current = _section(section)
    policy = editing.policy_of(version)
    items = current.get(policy)
    if index is not None and not 0 <= index < len(items):
        messages.error(request, _("该条目不存在 / No such item."))
        return redirect("policies:section", pk=pk, section=section)
    form_class = FORMS[section]
    other_errors: list = []
    if request.method == "POST":
        # A builder's rows, not the text last rendered beside them, are what the user sees.
        widgets = _widgets(form_class, policy, section, posted=request.POST)
        data = request.POST.copy()
        for name, widget in widgets.items():
            data[name] = widget.text
        form = form_class(data, policy=policy)
        checks = _expression_checks(form_class, policy, section, data)
        saved = _save(request, version, current, index, form, widgets, checks, other_errors)
        if saved:
            messages.success(request, _("已保存 / Saved."))
            return redirect("policies:section", pk=pk, section=section)
    else:
        initial = form_class.initial_from(items[index]) if index is not None else {}
        form = form_class(initial=initial, policy=policy)
        widgets = _widgets(form_class, policy, section, initial=initial)
        checks = _expression_checks(form_class, policy, section, initial)
    context = {
        "nav": "policies",
        "version": version,
        "section": current,
        "index": index,
        "form": form,
        "widgets": widgets,
        "checks": checks,
        "other_errors": other_errors,
        "editable": _editable(request, version),
        "bins": _bins(request, form, items[index] if index is not None else None),
        "revision": editing.revision_of(version),
    }
    return render(request, "policies/editor/item.html", context)


def _save(request, version, section, index, form, widgets, checks, other_errors) -> bool:
    """Validate the form and the builders, then save through the service; collect errors."""
    if not form.is_valid() or any(w.problems for w in widgets.values()):
        return False
    try:
        editing.save_item(
            version=version,
            actor=request.user,
            section=section,
            item=form.to_item(),
            index=index,
            revision=_revision(request),
        )
    except PolicyValidationError as exc:
        item_path = section.item_path(
            len(section.get(editing.policy_of(version))) if index is None else index
        )
        by_field, others = editing.errors_by_field(exc.errors, item_path)
        for name, errors in by_field.items():
            if name in widgets:
                widgets[name].errors = errors
            elif name in checks or name in ROW_TABLES:
                checks[name] = errors
            elif name in form.fields:
                for error in errors:
                    form.add_error(name, str(error))
            else:
                other_errors.extend(errors)
        other_errors.extend(others)
        return False
    except ValidationError as exc:
        other_errors.extend(exc.messages)
        return False
    return True


def _bins(request, form, item) -> dict:
    """The rows of the bin and category tables, with two blank rows to add more."""
    if request.method == "POST":
        bins = list(
            zip(request.POST.getlist("bin-below"), request.POST.getlist("bin-points"), strict=False)
        )
        cats = list(
            zip(request.POST.getlist("cat-value"), request.POST.getlist("cat-points"), strict=False)
        )
    elif item is not None and hasattr(item, "bins"):
        bins = [
            ("" if b.below is None else plain_number(b.below), plain_number(b.points))
            for b in item.bins
        ]
        cats = [(_category_text(v), plain_number(p)) for v, p in item.categories]
    else:
        bins, cats = [], []
    blank = [("", "")] * 2
    return {
        "bins": [*(b for b in bins if any(x.strip() for x in b)), *blank],
        "categories": [*(c for c in cats if any(x.strip() for x in c)), *blank],
    }


def _category_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@login_required
@require_POST
def item_delete(request, pk: int, section: str, index: int):
    version = get_object_or_404(PolicyVersion, pk=pk)
    return _list_change(
        request,
        version,
        section,
        lambda s: editing.delete_item(
            version=version, actor=request.user, section=s, index=index, revision=_revision(request)
        ),
        _("已删除 / Deleted."),
    )


@login_required
@require_POST
def item_move(request, pk: int, section: str, index: int):
    version = get_object_or_404(PolicyVersion, pk=pk)
    offset = -1 if request.POST.get("offset") == "-1" else 1
    return _list_change(
        request,
        version,
        section,
        lambda s: editing.move_item(
            version=version,
            actor=request.user,
            section=s,
            index=index,
            offset=offset,
            revision=_revision(request),
        ),
        _("顺序已保存 / Order saved."),
    )


@login_required
@require_POST
def reorder(request, pk: int, section: str):
    version = get_object_or_404(PolicyVersion, pk=pk)
    raw = request.POST.getlist("order")
    order = [int(value) for value in raw if value.isdigit()]
    if len(order) != len(raw):
        order = []
    return _list_change(
        request,
        version,
        section,
        lambda s: editing.reorder_items(
            version=version, actor=request.user, section=s, order=order, revision=_revision(request)
        ),
        _("顺序已保存 / Order saved."),
    )


def _list_change(request, version, section_key, change, done: str):
    """Run a change of a list; htmx gets the list back, a plain form a redirect."""
    current = _section(section_key)
    problems: list[str] = []
    try:
        change(current)
    except (PolicyValidationError, ValidationError, PermissionDenied) as exc:
        problems = problem_messages(exc)
    version.refresh_from_db()
    if not _is_htmx(request):
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            messages.success(request, done)
        return redirect("policies:section", pk=version.pk, section=section_key)
    context = _items_context(request, version, current, editing.policy_of(version))
    context.update({"problems": problems, "done": "" if problems else done})
    return render(request, "policies/editor/_items.html", context)


@login_required
@require_POST
def credit_settings(request, pk: int):
    version = get_object_or_404(PolicyVersion, pk=pk)
    form = CreditSettingsForm(request.POST)
    return _settings_change(
        request,
        version,
        "cases",
        form,
        lambda data: editing.save_credit_settings(version=version, actor=request.user, **data),
    )


@login_required
@require_POST
def scorecard_settings(request, pk: int):
    version = get_object_or_404(PolicyVersion, pk=pk)
    form = ScorecardSettingsForm(request.POST)
    return _settings_change(
        request,
        version,
        "indicators",
        form,
        lambda data: editing.save_scorecard_settings(version=version, actor=request.user, **data),
    )


def _settings_change(request, version, section_key, form, save):
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("policies:section", pk=version.pk, section=section_key)
    try:
        save(form.cleaned_data)
    except (PolicyValidationError, ValidationError, PermissionDenied) as exc:
        report_problems(request, exc)
    else:
        messages.success(request, _("已保存 / Saved."))
    return redirect("policies:section", pk=version.pk, section=section_key)


# -- live checks --------------------------------------------------------------------------------


def _posted_context(request, pk: int) -> tuple[PolicyVersion, Policy, str, str]:
    permissions.require(request.user, "change_policy")
    version = get_object_or_404(PolicyVersion, pk=pk)
    section = request.POST.get("section", "")
    field = request.POST.get("field", "")
    _section(section)
    if not field.isidentifier():
        raise PermissionDenied
    return version, editing.policy_of(version), section, field


@login_required
@require_POST
def validate_expression(request, pk: int):
    """The check of one expression as typed: the engine's bilingual error, pointing at it."""
    _version, policy, section, field = _posted_context(request, pk)
    text = request.POST.get(field, "")
    errors = builder.check(policy, section, field, text) if text.strip() else []
    context = {
        "field": field,
        "text": text,
        "errors": errors,
        "optional": request.POST.get("optional") == "1",
    }
    return render(request, "policies/editor/_check.html", context)


@login_required
@require_POST
def condition_widget(request, pk: int):
    """The condition widget after a change: a builder row edited, added or removed, or the
    mode switched between text and form."""
    version, policy, section, field = _posted_context(request, pk)
    widget = builder.widget_from_post(
        policy=policy,
        section=section,
        field_name=field,
        get=request.POST.getlist,
        action=request.POST.get("action", ""),
        optional=request.POST.get("optional") == "1",
    )
    return render(
        request, "policies/editor/_condition.html", {"widget": widget, "version": version}
    )

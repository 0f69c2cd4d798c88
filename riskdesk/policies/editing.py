"""The section editors' services: change one part of a draft, check the whole policy, store it.

Every edit reads the draft's policy, changes the engine's ``Policy`` model (one list item, the
order of a list, or a section's settings), writes it as YAML and stores it through
``services.update_draft``, which validates the whole policy with the engine and records who
changed what. An edit that leaves the policy invalid raises the engine's
``PolicyValidationError`` and changes nothing; a version that is not a draft is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from riskdesk.accounts import permissions
from riskdesk.engine import (
    AdmissionCheck,
    Band,
    Catalogue,
    CompiledExpression,
    Credit,
    CreditCase,
    DerivedFeature,
    ExpressionError,
    ExprType,
    Grade,
    Indicator,
    Policy,
    Rating,
    RatingRule,
    Scorecard,
    compile_expression,
    default_catalogue,
    dump_policy,
    load_policy,
)
from riskdesk.policies import services
from riskdesk.policies.models import PolicyVersion

Item = Grade | AdmissionCheck | RatingRule | Band | Indicator | CreditCase | DerivedFeature


@dataclass(frozen=True)
class Section:
    """One ordered list of a policy that the editors change item by item."""

    key: str  # in URLs
    path: str  # YAML path of the list: errors of item i start with f"{path}[{i}]"
    label: str
    item_type: type
    get: Callable[[Policy], tuple[Item, ...]]
    put: Callable[[Policy, tuple[Item, ...]], Policy]
    ordered: bool  # does the order change results (first match wins)?

    def item_path(self, index: int) -> str:
        return f"{self.path}[{index}]"


def _rating(policy: Policy) -> Rating:
    return policy.rating or Rating()


def _scorecard(policy: Policy) -> Scorecard:
    return policy.scorecard or Scorecard(indicators=())


def _credit(policy: Policy) -> Credit:
    return policy.credit or Credit(cases=())


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in (
        Section(
            "grades",
            "grades",
            gettext_lazy("等级"),
            Grade,
            lambda p: p.grades,
            lambda p, items: replace(p, grades=items),
            ordered=True,
        ),
        Section(
            "admission",
            "admission",
            gettext_lazy("准入检查"),
            AdmissionCheck,
            lambda p: p.admission,
            lambda p, items: replace(p, admission=items),
            ordered=False,
        ),
        Section(
            "rules",
            "rating.rules",
            gettext_lazy("评级规则"),
            RatingRule,
            lambda p: _rating(p).rules,
            lambda p, items: replace(p, rating=replace(_rating(p), rules=items)),
            ordered=True,
        ),
        Section(
            "bands",
            "rating.bands",
            gettext_lazy("分数档"),
            Band,
            lambda p: _rating(p).bands,
            lambda p, items: replace(p, rating=replace(_rating(p), bands=items)),
            ordered=True,
        ),
        Section(
            "indicators",
            "scorecard.indicators",
            gettext_lazy("评分卡指标"),
            Indicator,
            lambda p: _scorecard(p).indicators,
            lambda p, items: replace(p, scorecard=replace(_scorecard(p), indicators=items)),
            ordered=False,
        ),
        Section(
            "cases",
            "credit.cases",
            gettext_lazy("授信条件"),
            CreditCase,
            lambda p: _credit(p).cases,
            lambda p, items: replace(p, credit=replace(_credit(p), cases=items)),
            ordered=True,
        ),
        Section(
            "features",
            "features",
            gettext_lazy("派生特征"),
            DerivedFeature,
            lambda p: p.features,
            lambda p, items: replace(p, features=items),
            ordered=False,
        ),
    )
}


def policy_of(version: PolicyVersion) -> Policy:
    return load_policy(version.yaml)


# -- writes -----------------------------------------------------------------------------------


def revision_of(version: PolicyVersion) -> str:
    """A short fingerprint of a version's text: pages send it back with index-based edits so
    an edit made on a page older than the draft is refused instead of hitting the wrong item."""
    return hashlib.sha256(version.yaml.encode()).hexdigest()[:16]


def _edit(
    version: PolicyVersion, actor, change: Callable[[Policy], Policy], revision: str | None = None
) -> PolicyVersion:
    """Apply ``change`` to the locked draft's policy and store the result (validated)."""
    permissions.require(actor, "change_policy")
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    services.require_draft(locked)
    if revision is not None and revision != revision_of(locked):
        raise ValidationError(
            _(
                "草稿已被修改（可能在另一个窗口），请刷新页面后重试 / "
                "The draft changed meanwhile: reload the page and try again."
            )
        )
    changed = change(policy_of(locked))
    return services.update_draft(version=locked, actor=actor, yaml_text=dump_policy(changed))


def _index_in(items: Sequence[Item], index: int) -> int:
    if not 0 <= index < len(items):
        raise ValidationError(
            _("该条目不存在（可能已被他人修改）/ No such item (changed meanwhile?).")
        )
    return index


@transaction.atomic
def save_item(
    *,
    version: PolicyVersion,
    actor,
    section: Section,
    item: Item,
    index: int | None = None,
    revision: str | None = None,
) -> PolicyVersion:
    """Replace item ``index`` of ``section`` with ``item``, or append it when ``index`` is None."""

    def change(policy: Policy) -> Policy:
        items = list(section.get(policy))
        if index is None:
            items.append(item)
        else:
            items[_index_in(items, index)] = item
        return section.put(policy, tuple(items))

    return _edit(version, actor, change, revision)


@transaction.atomic
def delete_item(
    *, version: PolicyVersion, actor, section: Section, index: int, revision: str | None = None
) -> PolicyVersion:
    def change(policy: Policy) -> Policy:
        items = list(section.get(policy))
        del items[_index_in(items, index)]
        return section.put(policy, tuple(items))

    return _edit(version, actor, change, revision)


@transaction.atomic
def reorder_items(
    *,
    version: PolicyVersion,
    actor,
    section: Section,
    order: Sequence[int],
    revision: str | None = None,
) -> PolicyVersion:
    """Put the items of ``section`` in ``order`` (their current indices, new order first).

    ``order`` must name every item once, so a stale page can never drop or duplicate one.
    """

    def change(policy: Policy) -> Policy:
        items = section.get(policy)
        if sorted(order) != list(range(len(items))):
            raise ValidationError(
                _("顺序无效：请刷新页面后重试 / Invalid order: reload the page and try again.")
            )
        return section.put(policy, tuple(items[i] for i in order))

    return _edit(version, actor, change, revision)


@transaction.atomic
def move_item(
    *,
    version: PolicyVersion,
    actor,
    section: Section,
    index: int,
    offset: int,
    revision: str | None = None,
) -> PolicyVersion:
    """Move one item up (``offset=-1``) or down (``+1``): the keyboard path of drag-and-drop."""
    count = len(section.get(policy_of(version)))
    target = index + offset
    if not (0 <= index < count and 0 <= target < count):
        raise ValidationError(_("无法移动该条目 / This item cannot move further."))
    order = list(range(count))
    order[index], order[target] = order[target], order[index]
    return reorder_items(
        version=version, actor=actor, section=section, order=order, revision=revision
    )


@transaction.atomic
def save_credit_settings(
    *,
    version: PolicyVersion,
    actor,
    currency: str,
    min_limit: float | None,
    max_limit: float | None,
    round_to: float | None,
    valid_months: int | None,
) -> PolicyVersion:
    def change(policy: Policy) -> Policy:
        credit = replace(
            _credit(policy),
            currency=currency,
            min=min_limit,
            max=max_limit,
            round_to=round_to,
            valid_months=valid_months,
        )
        return replace(policy, credit=credit)

    return _edit(version, actor, change)


@transaction.atomic
def save_scorecard_settings(*, version: PolicyVersion, actor, reason_codes: int) -> PolicyVersion:
    def change(policy: Policy) -> Policy:
        return replace(
            policy, scorecard=replace(_scorecard(policy), reason_code_count=reason_codes)
        )

    return _edit(version, actor, change)


# -- checking one expression as it is typed ---------------------------------------------------

# (section, field) → the type the expression must have; sections not named take any type.
EXPECTED_TYPES: dict[tuple[str, str], ExprType] = {
    ("admission", "when"): ExprType.BOOLEAN,
    ("rules", "when"): ExprType.BOOLEAN,
    ("cases", "when"): ExprType.BOOLEAN,
    ("cases", "limit"): ExprType.NUMBER,
}


def expression_catalogue(policy: Policy) -> Catalogue:
    """The names an expression of ``policy`` may use: the catalogue, the policy's derived
    features, and ``grade`` with the policy's grade codes as its values."""
    catalogue = default_catalogue()
    with contextlib.suppress(ExpressionError):  # the derived features' editor reports it
        catalogue = catalogue.with_derived(policy.features)
    grade = catalogue.get("grade")
    if grade is None:
        return catalogue
    codes = tuple(g.code for g in policy.grades)
    features = {**catalogue.features, "grade": replace(grade, allowed_values=codes)}
    return replace(catalogue, features=features)


def _outputs(policy: Policy, section: str) -> frozenset[str]:
    outputs = set()
    if section in ("rules", "cases") and policy.scorecard is not None:
        outputs.add("score")
    if section == "cases" and policy.rating is not None:
        outputs.add("grade")
    return frozenset(outputs)


def check_expression(*, policy: Policy, section: str, field: str, text: str) -> CompiledExpression:
    """Compile ``text`` as field ``field`` of ``section`` would be; raise ``ExpressionError``."""
    return compile_expression(
        text,
        expression_catalogue(policy),
        expected_type=EXPECTED_TYPES.get((section, field)),
        available_outputs=_outputs(policy, section),
    )


def errors_by_field(
    errors: Sequence[ExpressionError], item_path: str
) -> tuple[dict[str, list[ExpressionError]], list[ExpressionError]]:
    """Split a policy's errors into those of the item at ``item_path`` (by field) and the rest."""
    mine: dict[str, list[ExpressionError]] = {}
    others = []
    for error in errors:
        path = error.path or ""
        if path == item_path or path.startswith((item_path + ".", item_path + "[")):
            rest = path[len(item_path) :].lstrip(".")
            field = rest.split(".")[0].split("[")[0] or "__all__"
            mine.setdefault(field, []).append(error)
        else:
            others.append(error)
    return mine, others

"""Forms of the section editors: one per kind of item, each turning into an engine object.

The forms check only what a form can (required fields, numbers); the meaning — expressions,
grade references, bin order — is checked by the engine on the whole policy when the edit is
saved, so there is one source of truth for what a valid policy is.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.engine import (
    AdmissionCheck,
    Band,
    Bin,
    CreditCase,
    CustomerList,
    DerivedFeature,
    Grade,
    Indicator,
    Outcome,
    Policy,
    RatingRule,
    ValueType,
)

OUTCOME_CHOICES = [
    (Outcome.REJECT.value, _("拒绝")),
    (Outcome.REVIEW.value, _("人工复核")),
    (Outcome.PASS.value, _("通过")),
]
LIST_CHOICES = [
    ("", "—"),
    (CustomerList.WHITELIST.value, _("白名单")),
    (CustomerList.WATCHLIST.value, _("关注名单")),
    (CustomerList.BLACKLIST.value, _("黑名单")),
]
TYPE_CHOICES = [
    ("", _("自动推断")),
    (ValueType.NUMBER.value, _("数值")),
    (ValueType.INTEGER.value, _("整数")),
    (ValueType.TEXT.value, _("文本")),
    (ValueType.BOOLEAN.value, _("布尔")),
    (ValueType.DATE.value, _("日期")),
]


def _text(label, *, required: bool = True, max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length)


def _expression(label, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=4000, strip=True, widget=forms.Textarea
    )


def _optional(value: str) -> str | None:
    return value or None


def plain_number(value: float) -> str:
    """A number as people type it: ``5`` and ``10000000``, not ``5.0`` or ``1e+07``."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _number(value: float | None) -> str | None:
    return None if value is None else plain_number(value)


class ItemForm(forms.Form):
    """The base of the editor forms, one per section (see ``FORMS``): ``condition_fields`` get
    the condition builder, ``expression_fields`` a text box checked as it is typed.

    Every subclass implements the two conversions between its fields and its engine item,
    ``initial_from`` and ``to_item``; this base class only declares them.
    """

    condition_fields: tuple[str, ...] = ()
    expression_fields: tuple[str, ...] = ()

    def __init__(self, *args, policy: Policy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy

    @classmethod
    def initial_from(cls, item) -> dict:
        """The form's initial data for editing ``item``; each subclass must implement it."""
        raise NotImplementedError(f"{cls.__name__} must implement initial_from()")

    def to_item(self):
        """The engine item the valid form describes; each subclass must implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_item()")


def _grade_choices(policy: Policy) -> list[tuple[str, str]]:
    return [(g.code, f"{g.code} · {g.label}") for g in policy.grades]


class GradeForm(ItemForm):
    code = _text(_("代码"), max_length=20)
    label = _text(_("名称"))
    label_en = _text(_("英文名称"), required=False)
    review_months = forms.IntegerField(label=_("复评周期（月）"), required=False, min_value=1)

    @classmethod
    def initial_from(cls, item: Grade) -> dict:
        return {
            "code": item.code,
            "label": item.label,
            "label_en": item.label_en or "",
            "review_months": item.review_months,
        }

    def to_item(self) -> Grade:
        data = self.cleaned_data
        return Grade(
            data["code"], data["label"], data["review_months"], _optional(data["label_en"])
        )


class AdmissionForm(ItemForm):
    condition_fields = ("when",)
    id = _text(_("编号"), max_length=64)
    when = _expression(_("条件"))
    outcome = forms.ChoiceField(label=_("结果"), choices=OUTCOME_CHOICES)
    reason = _text(_("原因"))
    reason_en = _text(_("英文原因"), required=False)

    @classmethod
    def initial_from(cls, item: AdmissionCheck) -> dict:
        return {
            "id": item.id,
            "when": item.when,
            "outcome": item.outcome.value,
            "reason": item.reason,
            "reason_en": item.reason_en or "",
        }

    def to_item(self) -> AdmissionCheck:
        data = self.cleaned_data
        return AdmissionCheck(
            data["id"],
            data["when"],
            Outcome(data["outcome"]),
            data["reason"],
            _optional(data["reason_en"]),
        )


class RuleForm(ItemForm):
    condition_fields = ("when",)
    id = _text(_("编号"), max_length=64)
    when = _expression(_("条件"))
    grade = forms.ChoiceField(label=_("等级"))
    list = forms.ChoiceField(label=_("名单"), choices=LIST_CHOICES, required=False)
    reason = _text(_("原因"), required=False)
    reason_en = _text(_("英文原因"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(self.policy)

    @classmethod
    def initial_from(cls, item: RatingRule) -> dict:
        return {
            "id": item.id,
            "when": item.when,
            "grade": item.grade,
            "list": item.list.value if item.list else "",
            "reason": item.reason,
            "reason_en": item.reason_en or "",
        }

    def to_item(self) -> RatingRule:
        data = self.cleaned_data
        customer_list = CustomerList(data["list"]) if data["list"] else None
        return RatingRule(
            data["id"],
            data["when"],
            data["grade"],
            customer_list,
            data["reason"],
            _optional(data["reason_en"]),
        )


class BandForm(ItemForm):
    min_score = forms.FloatField(
        label=_("最低分（最后一档留空）"), required=False, min_value=0, max_value=100
    )
    grade = forms.ChoiceField(label=_("等级"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(self.policy)

    @classmethod
    def initial_from(cls, item: Band) -> dict:
        return {"min_score": _number(item.min_score), "grade": item.grade}

    def to_item(self) -> Band:
        return Band(self.cleaned_data["grade"], self.cleaned_data["min_score"])


class CaseForm(ItemForm):
    condition_fields = ("when",)
    expression_fields = ("limit",)
    id = _text(_("编号"), max_length=64)
    when = _expression(_("条件（留空表示兜底）"), required=False)
    limit = _expression(_("额度公式"))

    @classmethod
    def initial_from(cls, item: CreditCase) -> dict:
        return {"id": item.id, "when": item.when or "", "limit": item.limit}

    def to_item(self) -> CreditCase:
        data = self.cleaned_data
        return CreditCase(data["id"], data["limit"], _optional(data["when"]))


class FeatureForm(ItemForm):
    expression_fields = ("expression",)
    name = _text(_("特征名"), max_length=63)
    expression = _expression(_("表达式"))
    label = _text(_("名称"), required=False)
    label_en = _text(_("英文名称"), required=False)
    type = forms.ChoiceField(label=_("类型"), choices=TYPE_CHOICES, required=False)
    unit = _text(_("单位"), required=False, max_length=40)

    @classmethod
    def initial_from(cls, item: DerivedFeature) -> dict:
        return {
            "name": item.name,
            "expression": item.expression,
            "label": item.label_zh,
            "label_en": item.label_en if item.label_en != item.label_zh else "",
            "type": item.type.value if item.type else "",
            "unit": item.unit or "",
        }

    def to_item(self) -> DerivedFeature:
        data = self.cleaned_data
        label = data["label"] or data["name"]
        return DerivedFeature(
            name=data["name"],
            expression=data["expression"],
            label_zh=label,
            label_en=data["label_en"] or label,
            type=ValueType(data["type"]) if data["type"] else None,
            unit=_optional(data["unit"]),
        )


class IndicatorForm(ItemForm):
    """An indicator; its bins and categories come as repeated row fields (``bin-below``,
    ``bin-points``, ``cat-value``, ``cat-points``): blank rows are ignored."""

    expression_fields = ("value",)
    key = _text(_("指标键"), max_length=41)
    label = _text(_("名称"))
    label_en = _text(_("英文名称"), required=False)
    value = _expression(_("取值表达式"))
    weight = forms.FloatField(label=_("权重"))
    missing_points = forms.FloatField(label=_("缺失时得分"), required=False)
    other_points = forms.FloatField(label=_("其他类别得分"), required=False)

    @classmethod
    def initial_from(cls, item: Indicator) -> dict:
        return {
            "key": item.key,
            "label": item.label,
            "label_en": item.label_en or "",
            "value": item.value,
            "weight": _number(item.weight),
            "missing_points": _number(item.missing_points),
            "other_points": _number(item.other_points),
        }

    def clean(self):
        data = super().clean()
        self.bins = self._pairs("bin-below", "bin-points", self._number, required_first=False)
        self.categories = self._pairs("cat-value", "cat-points", _category, required_first=True)
        if self.bins and self.categories:
            raise forms.ValidationError(
                _("分箱与类别只能二选一 / Use either bins or categories, not both.")
            )
        if not self.bins and not self.categories:
            raise forms.ValidationError(_("请填写分箱或类别 / Enter bins or categories."))
        return data

    @staticmethod
    def _number(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise forms.ValidationError(
                _("“%(v)s” 不是数值 / “%(v)s” is not a number."), params={"v": text}
            ) from None

    def _pairs(self, first: str, second: str, read_first, *, required_first: bool) -> list:
        lefts, rights = self.data.getlist(first), self.data.getlist(second)
        pairs = []
        for left, right in zip(lefts, rights, strict=False):
            left, right = left.strip(), right.strip()
            if not left and not right:
                continue
            if not right or (required_first and not left):
                raise forms.ValidationError(
                    _("分箱或类别的每一行都需要填写完整 / Complete every bin or category row.")
                )
            pairs.append((read_first(left) if left else None, self._number(right)))
        return pairs

    def to_item(self) -> Indicator:
        data = self.cleaned_data
        return Indicator(
            key=data["key"],
            label=data["label"],
            value=data["value"],
            weight=data["weight"],
            bins=tuple(Bin(points, below) for below, points in self.bins),
            categories=tuple(self.categories),
            other_points=data["other_points"] or 0.0,
            missing_points=data["missing_points"] or 0.0,
            label_en=_optional(data["label_en"]),
        )


def _category(text: str) -> str | bool:
    """``true``/``false`` name the categories of a boolean value; anything else is text."""
    return {"true": True, "false": False}.get(text.lower(), text)


class CreditSettingsForm(forms.Form):
    currency = _text(_("币种"), max_length=3)
    min_limit = forms.FloatField(label=_("额度下限"), required=False)
    max_limit = forms.FloatField(label=_("额度上限"), required=False)
    round_to = forms.FloatField(label=_("取整单位"), required=False, min_value=0)
    valid_months = forms.IntegerField(label=_("有效期（月）"), required=False, min_value=1)


class ScorecardSettingsForm(forms.Form):
    reason_codes = forms.IntegerField(label=_("原因码个数"), min_value=1, max_value=20)


FORMS: dict[str, type[ItemForm]] = {
    "grades": GradeForm,
    "admission": AdmissionForm,
    "rules": RuleForm,
    "bands": BandForm,
    "cases": CaseForm,
    "features": FeatureForm,
    "indicators": IndicatorForm,
}

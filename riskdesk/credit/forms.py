"""The limit request form (提额 / 降额 / 临时额度); the service checks the business rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts import permissions
from riskdesk.credit.choices import RequestKind
from riskdesk.customers.models import Customer

ERRORS = {
    "required": _("此项必填 / This field is required."),
    "invalid": _("格式不正确 / Enter a valid value."),
    "invalid_choice": _("请选择有效的选项 / Select a valid choice."),
    "min_value": _("不能小于 %(limit_value)s / Must be at least %(limit_value)s."),
    "max_digits": _("数字过长 / Too many digits."),
    "max_decimal_places": _("最多两位小数 / At most two decimal places."),
    "max_whole_digits": _("数字过长 / Too many digits."),
}


class LimitRequestForm(forms.Form):
    customer = forms.CharField(
        label=_("客户（名称或统一社会信用代码）"), max_length=200, error_messages=ERRORS
    )
    kind = forms.ChoiceField(label=_("类型"), choices=RequestKind.choices, error_messages=ERRORS)
    amount = forms.DecimalField(
        label=_("申请额度（元）"),
        min_value=0,
        max_digits=18,
        decimal_places=2,
        error_messages=ERRORS,
    )
    valid_to = forms.DateField(
        label=_("到期日期（临时额度）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=ERRORS,
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=ERRORS,
    )

    def __init__(self, *args, user, customer: Customer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fixed_customer = customer
        if customer is not None:
            self.fields["customer"].required = False
            self.fields["customer"].widget = forms.HiddenInput()

    def clean_customer(self) -> Customer:
        if self.fixed_customer is not None:
            return self.fixed_customer
        text = self.cleaned_data["customer"].strip()
        mine = permissions.restrict(Customer.objects.all(), self.user, "request_limit")
        found = list(mine.filter(Q(uscc=text.upper()) | Q(name=text))[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                _(
                    "未找到唯一的客户，请输入完整名称或统一社会信用代码 / "
                    "No single customer of yours matches."
                )
            )
        return found[0]

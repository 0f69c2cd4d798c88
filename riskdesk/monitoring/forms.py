"""The rule editor: lists are typed as text (one per line or comma separated)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts.choices import Role
from riskdesk.accounts.models import User
from riskdesk.customers.models import Customer, Tag
from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.intel.choices import Dimension
from riskdesk.monitoring.delivery_forms import WEEKDAYS
from riskdesk.monitoring.models import DigestDefaults, MonitoringRule

_SEPARATORS = re.compile(r"[\n,，、;；]+")


class WordListField(forms.CharField):
    """A list of texts entered one per line or separated by commas (also 、 and ，)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def _event_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Event types grouped by dimension (工商, 司法, 经营, 税务, 舆情, 内部)."""
    groups = []
    for dimension, label in Dimension.choices:
        members = [
            (key, f"{spec.label_zh} / {spec.label_en}")
            for key, spec in EVENT_TYPES.items()
            if spec.dimension.value == dimension
        ]
        if members:
            groups.append((label, members))
    return groups


FILTER_CHECK_ATTRS = {
    "rows": 3,
    "hx-post": "",  # set to the check URL by the form
    "hx-trigger": "input changed delay:400ms",
    "hx-target": "#filter-check",
    "hx-swap": "innerHTML",
    "data-testid": "customer-filter",
}


class MonitoringRuleForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("事件类型（不选为全部）"),
        choices=_event_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "grouped-checkboxes"}),
    )
    include_keywords = WordListField(label=_("包含关键词（任一）"), required=False)
    exclude_keywords = WordListField(label=_("排除关键词"), required=False)
    provinces = WordListField(label=_("省份"), required=False)
    tags = WordListField(label=_("客户标签（任一）"), required=False)
    recipient_roles = forms.MultipleChoiceField(
        label=_("接收角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_users = forms.ModelMultipleChoiceField(
        label=_("指定接收人"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    external_emails = WordListField(label=_("外部邮箱"), required=False)
    digest_weekday = forms.TypedChoiceField(
        label=_("每周汇总星期"), choices=WEEKDAYS, coerce=int, required=False, empty_value=0
    )

    class Meta:
        model = MonitoringRule
        fields = [
            "name",
            "enabled",
            "event_types",
            "min_severity",
            "include_keywords",
            "exclude_keywords",
            "customer_filter",
            "provinces",
            "tags",
            "recipient_users",
            "recipient_roles",
            "notify_owner",
            "notify_owner_manager",
            "delivery_mode",
            "digest_time",
            "digest_timezone",
            "action_reassess",
            "action_review_task",
            "review_task_role",
            "action_credit_hold",
            "digest_weekday",
            "quiet_start",
            "quiet_end",
            "email_recipients",
            "external_emails",
            "channels",
        ]
        widgets = {
            "customer_filter": forms.Textarea(attrs=FILTER_CHECK_ATTRS),
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    FIELDSETS = (
        (_("事件"), ("name", "enabled", "event_types", "min_severity")),
        (_("关键词"), ("include_keywords", "exclude_keywords")),
        (_("客户范围"), ("customer_filter", "provinces", "tags")),
        (
            _("接收人"),
            ("recipient_users", "recipient_roles", "notify_owner", "notify_owner_manager"),
        ),
        (
            _("发送方式"),
            (
                "delivery_mode",
                "digest_time",
                "digest_timezone",
                "digest_weekday",
                "quiet_start",
                "quiet_end",
            ),
        ),
        (_("发送渠道"), ("email_recipients", "external_emails", "channels")),
        (
            _("后续动作"),
            ("action_reassess", "action_review_task", "review_task_role", "action_credit_hold"),
        ),
    )

    def __init__(self, *args, filter_check_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # New rules start from the defaults set on the delivery settings page.
            defaults = DigestDefaults.current()
            self.initial["digest_time"] = defaults.digest_time
            self.initial["digest_timezone"] = defaults.digest_timezone
            self.initial["digest_weekday"] = defaults.digest_weekday
        self.fields["customer_filter"].widget.attrs["hx-post"] = filter_check_url
        self.fields["review_task_role"].required = False
        known = list(
            Customer.objects.exclude(province="")
            .order_by("province")
            .values_list("province", flat=True)
            .distinct()[:40]
        )
        if known:
            self.fields["provinces"].help_text = _("可选：%s") % "、".join(known)
        tags = list(Tag.objects.order_by("name").values_list("name", flat=True)[:40])
        if tags:
            self.fields["tags"].help_text = _("可选：%s") % "、".join(tags)

    def clean_review_task_role(self) -> str:
        return self.cleaned_data.get("review_task_role") or Role.RISK_MANAGER

    def fieldsets(self):
        for legend, names in self.FIELDSETS:
            yield legend, [self[name] for name in names]

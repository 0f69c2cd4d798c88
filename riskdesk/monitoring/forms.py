"""The rule editor: lists are typed as text (one per line or comma separated)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts.choices import Role
from riskdesk.accounts.models import User
from riskdesk.dossier.events import EVENT_TYPES
from riskdesk.monitoring.models import MonitoringRule

_SEPARATORS = re.compile(r"[\n,，、;；]+")


class WordListField(forms.CharField):
    """A list of texts entered one per line or separated by commas (also 、 and ，)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def _event_type_choices() -> list[tuple[str, str]]:
    return [(key, f"{spec.label_zh} / {spec.label_en}") for key, spec in EVENT_TYPES.items()]


class MonitoringRuleForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("事件类型（不选为全部）"),
        choices=_event_type_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
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
        ]
        widgets = {
            "customer_filter": forms.Textarea(attrs={"rows": 3}),
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

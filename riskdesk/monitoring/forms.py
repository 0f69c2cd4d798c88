"""The rule editor: lists are typed as text (one per line or comma separated)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts.choices import Role
from riskdesk.accounts.models import User
from riskdesk.dossier.events import EVENT_TYPES
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

    external_emails = WordListField(label=_("外部邮箱"), required=False)
    digest_weekday = forms.TypedChoiceField(
        label=_("每周汇总星期"), choices=WEEKDAYS, coerce=int, required=False, empty_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # New rules start from the defaults set on the delivery settings page.
            defaults = DigestDefaults.current()
            self.initial["digest_time"] = defaults.digest_time
            self.initial["digest_timezone"] = defaults.digest_timezone
            self.initial["digest_weekday"] = defaults.digest_weekday

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
            "digest_weekday",
            "quiet_start",
            "quiet_end",
            "email_recipients",
            "external_emails",
            "channels",
        ]
        widgets = {
            "customer_filter": forms.Textarea(attrs={"rows": 3}),
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

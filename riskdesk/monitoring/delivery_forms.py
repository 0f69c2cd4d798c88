"""Forms of the delivery settings: default digest time, channels."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.monitoring.models import NotificationChannel

WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class DigestDefaultsForm(forms.Form):
    digest_time = forms.TimeField(
        label=_("默认汇总时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    digest_timezone = forms.CharField(label=_("默认汇总时区"), max_length=50)
    digest_weekday = forms.TypedChoiceField(
        label=_("默认每周汇总星期"), choices=WEEKDAYS, coerce=int
    )
    apply_to_rules = forms.BooleanField(
        label=_("同时修改仍使用旧默认时间的规则"), required=False, initial=True
    )

    def clean_digest_timezone(self) -> str:
        name = self.cleaned_data["digest_timezone"].strip()
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("未知的时区 / Unknown time zone: %s") % name, code="invalid_timezone"
            ) from None
        return name


class ChannelForm(forms.ModelForm):
    """The secret is write-only: left empty, the stored one is kept."""

    new_secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("留空则保持不变 / leave empty to keep the current secret"),
    )

    class Meta:
        model = NotificationChannel
        fields = ["kind", "name", "url", "enabled", "allow_private"]
        widgets = {"url": forms.URLInput(attrs={"size": 80})}

    def __init__(self, *args, may_allow_private: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_allow_private:
            self.fields["allow_private"].disabled = True

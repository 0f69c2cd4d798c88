from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from riskdesk.intel import profile

register = template.Library()


@register.filter
def label(value) -> str:
    """The bilingual label of a dossier enum (``label_zh`` / ``label_en``) in the UI language."""
    return profile.label(value)


@register.filter
def cny(amount) -> str:
    """An amount in yuan with thousands separators and no decimals; ``—`` when unknown."""
    if amount is None or amount == "":
        return "—"
    return "¥" + intcomma(int(Decimal(amount).quantize(Decimal(1))))


@register.filter
def percent(ratio) -> str:
    return "—" if ratio is None else f"{ratio * 100:.2f}%"

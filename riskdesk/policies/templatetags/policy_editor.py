"""Template helpers of the policy editors: an expression with its error highlighted."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from riskdesk.engine import ExpressionError, Feature
from riskdesk.policies.builder import label_of

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def feature_label(feature: Feature) -> str:
    unit = f"，{feature.unit}" if feature.unit else ""
    return f"{label_of(feature)}（{feature.name}{unit}）"


@register.simple_tag
def highlighted(text: str, error: ExpressionError) -> SafeString:
    """``text`` with the span the error points at in ``<mark>`` (a caret past the end)."""
    source = error.expression if error.expression is not None else (text or "")
    position = error.position
    if position is None:
        return mark_safe(escape(source))
    token = error.text or ""
    length = len(token) if token and source[position : position + len(token)] == token else 1
    before, span, after = (
        source[:position],
        source[position : position + length],
        source[position + length :],
    )
    marked = f'<mark class="expr-span" data-testid="error-span">{escape(span or "␣")}</mark>'
    return mark_safe(escape(before) + marked + escape(after))

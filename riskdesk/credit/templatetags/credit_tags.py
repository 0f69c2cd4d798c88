from django import template

from riskdesk.credit.profile import panel_context

register = template.Library()


@register.inclusion_tag("credit/_profile_panel.html", takes_context=True)
def credit_panel(context, customer):
    """Limit, exposure and utilisation of ``customer`` on the risk profile."""
    return panel_context(customer=customer, user=context["request"].user)

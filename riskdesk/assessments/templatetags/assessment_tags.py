from django import template

from riskdesk.assessments.profile import panel_context

register = template.Library()


@register.inclusion_tag("assessments/_profile_panel.html", takes_context=True)
def assessment_panel(context, customer):
    """The latest assessment of ``customer`` on the risk profile, with history and trace."""
    return panel_context(customer=customer, user=context["request"].user)

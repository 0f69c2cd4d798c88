from django import template

from riskdesk.monitoring import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_alert_count(context) -> int:
    """The signed-in user's unread alerts, for the header badge."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return services.unread_count(user=user)

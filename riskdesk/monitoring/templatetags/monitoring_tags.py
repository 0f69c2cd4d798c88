from django import template

from riskdesk.accounts import permissions
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


@register.inclusion_tag("monitoring/_customer_alerts.html", takes_context=True)
def customer_alert_history(context, customer):
    """The alert history section of a customer's risk profile."""
    user = context["request"].user
    return {
        **services.customer_alert_history(customer=customer, user=user),
        "customer": customer,
        "may_release": permissions.may(user, "release_hold"),
    }


@register.simple_tag(takes_context=True)
def alert_trend(context) -> dict:
    """Chart data for the dashboard's alert tiles."""
    return services.alert_trend(user=context["request"].user)


@register.inclusion_tag("monitoring/_recent_digests.html", takes_context=True)
def recent_digests(context, limit: int = 5) -> dict:
    """The signed-in user's latest in-app digests, shown above the inbox."""
    from riskdesk.monitoring import delivery

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"digests": []}
    return {"digests": list(delivery.inbox_digests(user=user)[:limit])}

from django.conf import settings

from riskdesk.accounts import permissions


def shell(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "demo_mode": settings.DEMO_MODE,
        "can": {action: permissions.may(user, action) for action in permissions.ACTIONS}
        if user is not None and user.is_authenticated
        else {},
    }

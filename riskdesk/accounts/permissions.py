"""Who may do what, in one place.

Permissions are data: each action lists the roles that may perform it on any object, and
whether salespeople may perform it on their own (owned or team-shared) customers. Every list,
detail, export and API endpoint narrows its queryset with :func:`restrict`, and every write
service calls :func:`require` inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from riskdesk.accounts.choices import Role


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    sales_own: bool = False


_ALL_READERS = frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER, Role.AUDITOR})
_CREDIT_STAFF = frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER})

ACTIONS: dict[str, Rule] = {
    "view": Rule(_ALL_READERS, sales_own=True),
    "export": Rule(_ALL_READERS, sales_own=True),
    "change": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER}), sales_own=True),
    "create": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.SALES})),
    "delete": Rule(frozenset({Role.ADMIN})),
    "import": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "change_trading": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER})),
    "manage_users": Rule(frozenset({Role.ADMIN})),
    "view_audit": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.AUDITOR})),
    "view_policy": Rule(_ALL_READERS),
    "change_policy": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "publish_policy": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "assess": Rule(
        frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER}), sales_own=True
    ),
    "assess_all": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "view_credit": Rule(_ALL_READERS, sales_own=True),
    "request_limit": Rule(_CREDIT_STAFF, sales_own=True),
    "approve_limit": Rule(_CREDIT_STAFF),
    "release_hold": Rule(_CREDIT_STAFF),
    "credit_check": Rule(_CREDIT_STAFF, sales_own=True),
    "change_credit_settings": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "manage_monitoring": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "manage_delivery": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
    "onboard": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER, Role.SALES})),
    "decide_admission": Rule(frozenset({Role.ADMIN, Role.RISK_MANAGER})),
}


def _rule(action: str) -> Rule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None


def may(user, action: str) -> bool:
    """May ``user`` perform ``action`` on at least some objects?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    rule = _rule(action)
    return user.has_role(*rule.roles) or (rule.sales_own and user.has_role(Role.SALES))


def customer_scope(user, action: str, prefix: str = "") -> Q | None:
    """A filter on customers for ``user`` and ``action``: ``Q()`` for all, None for none.

    ``prefix`` lets related models reuse it (``customer__``).
    """
    if not may(user, action):
        return None
    rule = _rule(action)
    if user.has_role(*rule.roles):
        return Q()
    owned = Q(**{f"{prefix}owner": user})
    if user.team_id is not None:
        owned |= Q(**{f"{prefix}team_id": user.team_id})
    return owned


def restrict(queryset: QuerySet, user, action: str = "view", prefix: str = "") -> QuerySet:
    scope = customer_scope(user, action, prefix)
    if scope is None:
        return queryset.none()
    return queryset.filter(scope)


def require(user, action: str, customer=None) -> None:
    """Raise PermissionDenied unless ``user`` may perform ``action`` (on ``customer``)."""
    if not may(user, action):
        raise PermissionDenied(_("您没有执行此操作的权限 / You are not allowed to do this."))
    if customer is None:
        return
    rule = _rule(action)
    if user.has_role(*rule.roles):
        return
    own = customer.owner_id == user.pk or (
        user.team_id is not None and customer.team_id == user.team_id
    )
    if not own:
        raise PermissionDenied(_("该客户不属于您 / This customer is not one of yours."))

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.accounts.models import Team, User
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.models import AuditEvent
from riskdesk.audit.services import record_event


def ensure_role_groups() -> None:
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def recent_login_failures(*, username: str) -> int:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    last_success = (
        AuditEvent.objects.filter(
            action=AuditAction.LOGIN, actor_name__iexact=username, at__gte=since
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, actor_name__iexact=username, at__gte=last_success or since
    )
    return failures.count()


def is_login_locked(*, username: str) -> bool:
    """Too many failed logins for this user name in the window: refuse further attempts."""
    return recent_login_failures(username=username) >= settings.LOGIN_FAILURE_LIMIT


@transaction.atomic
def create_api_token(*, user: User, actor: User) -> Token:
    """Issue a fresh API token for ``user`` (replacing any previous one)."""
    if actor.pk != user.pk:
        permissions.require(actor, "manage_users")
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record_event(actor=actor, action=AuditAction.TOKEN_CREATED, obj=user)
    return token


@transaction.atomic
def revoke_api_token(*, user: User, actor: User) -> None:
    if actor.pk != user.pk:
        permissions.require(actor, "manage_users")
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        record_event(actor=actor, action=AuditAction.TOKEN_REVOKED, obj=user)


@transaction.atomic
def set_roles(*, user: User, roles: list[str], actor: User | None) -> None:
    """Replace the roles of ``user``; ``actor=None`` only for bootstrap commands."""
    if actor is not None:
        permissions.require(actor, "manage_users")
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValueError(f"未知角色 / unknown roles: {', '.join(unknown)}")
    ensure_role_groups()
    before = sorted(user.groups.values_list("name", flat=True))
    user._roles_audited = True  # this service writes its own, richer audit event
    user.groups.set(Group.objects.filter(name__in=roles))
    del user._roles_audited
    user.__dict__.pop("roles", None)
    record_event(
        actor=actor,
        actor_name="system" if actor is None else "",
        action=AuditAction.ROLES_CHANGED,
        obj=user,
        before={"roles": before},
        after={"roles": sorted(roles)},
    )


DEMO_PASSWORD = "riskdesk-demo"
DEMO_USERS = [
    # username, display name, roles, team
    ("admin", "系统管理员", [Role.ADMIN], None),
    ("risk", "王风控", [Role.RISK_MANAGER], None),
    ("credit", "李信控", [Role.CREDIT_CONTROLLER], None),
    ("sales1", "张销售", [Role.SALES], "华东销售部"),
    ("sales2", "刘销售", [Role.SALES], "华东销售部"),
    ("sales3", "陈销售", [Role.SALES], "华南销售部"),
    ("auditor", "赵审计", [Role.AUDITOR], None),
]


@transaction.atomic
def ensure_demo_users() -> list[User]:
    """Create (or reset) one demo login per role; only ever called by the demo command."""
    users = []
    for username, display, roles, team_name in DEMO_USERS:
        team = Team.objects.get_or_create(name=team_name)[0] if team_name else None
        user, _ = User.objects.get_or_create(username=username)
        user.display_name, user.team = display, team
        user.is_staff = user.is_superuser = Role.ADMIN in roles
        user.set_password(DEMO_PASSWORD)
        user.save()
        set_roles(user=user, roles=list(roles), actor=None)
        users.append(user)
    for team in Team.objects.filter(
        manager__isnull=True, name__in=[t for *_, t in DEMO_USERS if t]
    ):
        team.manager = User.objects.get(username="risk")
        team.save(update_fields=["manager"])
    return users


CLI_USERNAME = "riskdesk-cli"


def cli_actor(username: str | None = None) -> User:
    """The user a shell command acts as: ``--user NAME`` or the CLI service account (admin)."""
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise ValueError(f"用户不存在或已停用 / no active user named {username!r}") from None
    user, created = User.objects.get_or_create(
        username=CLI_USERNAME, defaults={"display_name": "命令行 / CLI"}
    )
    if created:
        user.set_unusable_password()
        user.save()
        set_roles(user=user, roles=[Role.ADMIN], actor=None)
    return user

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from riskdesk.accounts import services
from riskdesk.accounts.choices import Role
from riskdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_set_roles_is_audited_once_with_before_and_after(users):
    user = users["sales"]
    services.set_roles(user=user, roles=[Role.SALES, Role.CREDIT_CONTROLLER], actor=users["admin"])
    events = AuditEvent.objects.filter(action="roles_changed", object_id=str(user.pk))
    latest = events.latest("pk")
    assert latest.before == {"roles": ["sales"]}
    assert latest.after == {"roles": ["credit_controller", "sales"]}
    assert latest.actor == users["admin"]
    assert events.filter(extra__via="admin").count() == 0


def test_only_admins_change_roles(users):
    with pytest.raises(PermissionDenied):
        services.set_roles(user=users["sales"], roles=[Role.ADMIN], actor=users["risk"])
    with pytest.raises(ValueError, match="未知角色"):
        services.set_roles(user=users["sales"], roles=["wizard"], actor=users["admin"])


def test_role_changes_through_the_admin_are_audited(client, users):
    client.force_login(users["admin"])
    user = users["auditor"]
    group = Group.objects.get(name=Role.RISK_MANAGER)
    user.groups.add(group)
    event = AuditEvent.objects.filter(action="roles_changed", extra__via="admin").latest("pk")
    assert event.after == {"roles": ["auditor", "risk_manager"]}


def test_demo_users_have_one_login_per_role():
    users = services.ensure_demo_users()
    roles = {next(iter(u.roles)) for u in users}
    assert roles == set(Role.values)
    assert all(u.check_password(services.DEMO_PASSWORD) for u in users)
    assert services.ensure_demo_users()  # re-running is safe


def test_cli_actor(users):
    actor = services.cli_actor()
    assert actor.has_role(Role.ADMIN) and not actor.has_usable_password()
    assert services.cli_actor("risk_u") == users["risk"]
    with pytest.raises(ValueError):
        services.cli_actor("ghost")

"""Data for the kill test, created in a separate process (``manage.py shell -c``)."""

from __future__ import annotations

CHANNELS = 6
EVENTS = 8
USERS = 2


def seed(server_url: str) -> None:
    import random

    from riskdesk.accounts.choices import Role
    from riskdesk.accounts.models import User
    from riskdesk.accounts.services import set_roles
    from riskdesk.customers.models import Customer
    from riskdesk.dossier.events import EVENT_TYPES
    from riskdesk.dossier.uscc import generate_uscc
    from riskdesk.intel.choices import SEVERITY_RANK
    from riskdesk.intel.models import ChangeEvent
    from riskdesk.monitoring import delivery, services
    from riskdesk.monitoring.models import MonitoringRule, NotificationChannel

    admin = User.objects.create_user(username="kill_admin")
    set_roles(user=admin, roles=[Role.ADMIN], actor=None)
    watchers = []
    for n in range(USERS):
        user = User.objects.create_user(username=f"kill_risk{n}")
        set_roles(user=user, roles=[Role.RISK_MANAGER], actor=None)
        watchers.append(user)
    channels = []
    for n in range(CHANNELS):
        channel = NotificationChannel(
            kind="webhook", name=f"hook{n}", url=f"{server_url}/h{n}", secret="s3cret"
        )
        channel.allow_private = True
        channels.append(delivery.save_channel(channel=channel, actor=admin))
    rule = MonitoringRule(name="kill", notify_owner=False)
    rule.full_clean()
    rule.save()
    rule.recipient_users.set(watchers)
    rule.channels.set(channels)
    spec = EVENT_TYPES["lawsuit.added"]
    for n in range(EVENTS):
        customer = Customer.objects.create(
            name=f"杀测客户{n}有限公司", uscc=generate_uscc(random.Random(1000 + n))
        )
        event = ChangeEvent.objects.create(
            customer=customer,
            type="lawsuit.added",
            dimension=spec.dimension.value,
            severity=spec.severity.value,
            severity_rank=SEVERITY_RANK[spec.severity.value],
            title_zh=spec.label_zh,
            title_en=spec.label_en,
            text_zh=f"案件{n}",
            as_of="2026-06-01",
            dedup_key=f"kill:{n}",
        )
        services.process_event(event=event)

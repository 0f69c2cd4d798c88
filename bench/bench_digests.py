"""Building one daily digest slot for many recipients (in-app, and e-mail with --email).

Run on purpose (never as a test):

    .venv/bin/python bench/bench_digests.py [--recipients 10000] [--alerts-per-recipient 6]
        [--runs 3] [--email] [--database-url URL]

Set-up (not timed): recipients, customers and change events, one daily rule naming every
recipient, and alerts spread so that each recipient has about ``--alerts-per-recipient``
alerts from the last day (realistic for a portfolio watch list). Each timed run builds every
digest of the 21:00 slot — routing, dedup against earlier digests, content, rendering and the
inserts (digest, items, delivery) — then the digests are deleted for the next run. Sending is
not timed (it is network-bound). Reports the median time and recipients per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's riskdesk


def setup(database_url: str | None, email: bool) -> None:
    workdir = tempfile.mkdtemp(prefix="riskdesk-bench-digests-")
    os.environ.update(
        RISKDESK_DEMO="1",
        RISKDESK_DATA_DIR=workdir,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
        RISKDESK_TASKS_IMMEDIATE="1",
        RISKDESK_LOG_LEVEL="WARNING",
    )
    if email:
        os.environ["RISKDESK_EMAIL_HOST"] = "127.0.0.1"
    if database_url:
        os.environ["RISKDESK_DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from riskdesk.monitoring import rendering

    rendering.profile_url(1)  # load the URL configuration before timing (a worker has it)


def populate(*, recipients: int, per_recipient: int, slot: dt.datetime) -> int:
    """Bulk-insert the data; returns the number of alerts."""
    from django.db import transaction

    from riskdesk.accounts.models import User
    from riskdesk.customers.models import Customer
    from riskdesk.dossier.events import EVENT_TYPES
    from riskdesk.dossier.uscc import generate_uscc
    from riskdesk.intel.choices import SEVERITY_RANK
    from riskdesk.intel.models import ChangeEvent
    from riskdesk.monitoring.models import Alert, MonitoringRule

    rng = random.Random(42)
    customers_n = max(100, recipients // 5)
    events_n = max(200, recipients * per_recipient // 10)
    kinds = list(EVENT_TYPES.items())[:12]
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench{n}", email=f"bench{n}@example.com") for n in range(recipients)
        )
        customers = Customer.objects.bulk_create(
            Customer(name=f"基准客户{n}有限公司", uscc=generate_uscc(random.Random(n)))
            for n in range(customers_n)
        )
        events = []
        for n in range(events_n):
            key, spec = rng.choice(kinds)
            events.append(
                ChangeEvent(
                    customer=rng.choice(customers),
                    type=key,
                    dimension=spec.dimension.value,
                    severity=spec.severity.value,
                    severity_rank=SEVERITY_RANK[spec.severity.value],
                    title_zh=spec.label_zh,
                    title_en=spec.label_en,
                    text_zh=f"基准事件{n}：买卖合同纠纷，标的 {rng.randint(1, 900)} 万元",
                    as_of=slot.date(),
                    dedup_key=f"bench:{n}",
                    detected_at=slot - dt.timedelta(minutes=rng.randint(1, 1400)),
                )
            )
        events = ChangeEvent.objects.bulk_create(events, batch_size=2000)
        rule = MonitoringRule(name="基准规则", notify_owner=False)
        rule.save()
        alerts = []
        for user in users:
            for event in rng.sample(events, per_recipient):
                alerts.append(Alert(event=event, recipient=user))
        alerts = Alert.objects.bulk_create(alerts, batch_size=5000)
        Alert.objects.update(created_at=slot - dt.timedelta(hours=2))
        through = Alert.rules.through
        through.objects.bulk_create(
            (through(alert_id=a.pk, monitoringrule_id=rule.pk) for a in alerts), batch_size=5000
        )
    return len(alerts)


def build_once(slot: dt.datetime) -> tuple[float, int]:
    from riskdesk.monitoring.digests import build_due_digests
    from riskdesk.monitoring.models import Digest, DigestRun

    started = time.perf_counter()
    built = build_due_digests(now=slot + dt.timedelta(seconds=30))
    elapsed = time.perf_counter() - started
    Digest.objects.all().delete()
    DigestRun.objects.all().delete()
    return elapsed, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--alerts-per-recipient", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--email", action="store_true", help="also build e-mail digests")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup(args.database_url, args.email)
    from django.db import connection

    slot = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)  # 21:00 Asia/Shanghai
    started = time.perf_counter()
    alerts = populate(
        recipients=args.recipients, per_recipient=args.alerts_per_recipient, slot=slot
    )
    print(
        f"set-up: {args.recipients} recipients, {alerts} alerts on {connection.vendor} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    times = []
    for run in range(args.runs):
        elapsed, built = build_once(slot)
        times.append(elapsed)
        print(f"run {run + 1}: {built} digests in {elapsed:.2f} s")
    median = statistics.median(times)
    print(
        f"median {median:.2f} s for {args.recipients} recipients "
        f"→ {args.recipients / median:.0f} recipients/s ({built} digests)"
    )


if __name__ == "__main__":
    main()

"""Sandbox dossiers for the demo customers (``riskdesk demo``)."""

from __future__ import annotations

import datetime as dt

from riskdesk.customers import services as customer_services
from riskdesk.customers.models import Customer
from riskdesk.intel import services

BASELINE_DAYS_AGO = 180


def load_demo_dossiers(*, today: dt.date | None = None) -> dict[str, int]:
    """Fetch a baseline and a current sandbox dossier for customers that have none yet."""
    today = today or customer_services.business_today()
    ids = list(
        Customer.objects.filter(dossier_snapshots__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    baseline = today - dt.timedelta(days=BASELINE_DAYS_AGO)
    services.refresh_all_dossiers(
        actor=services.SYSTEM, as_of=baseline, force=True, customer_ids=ids
    )
    current = services.refresh_all_dossiers(
        actor=services.SYSTEM, as_of=today, force=True, customer_ids=ids
    )
    return {"customers": current.done, "events": current.counts["events"]}

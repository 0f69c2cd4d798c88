"""When does a schedule run next? Pure functions over aware datetimes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from riskdesk.jobs.choices import ScheduleKind


def next_run_after(
    *,
    kind: str,
    after: dt.datetime,
    time_of_day: dt.time,
    weekday: int,
    interval_minutes: int,
    timezone: str,
) -> dt.datetime:
    """The first run strictly after ``after`` (aware), returned in UTC."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if kind == ScheduleKind.INTERVAL:
        return (after + dt.timedelta(minutes=max(1, interval_minutes))).astimezone(dt.UTC)
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    candidate = dt.datetime.combine(local.date(), time_of_day, tzinfo=zone)
    step = dt.timedelta(days=1)
    while candidate <= local or (kind == ScheduleKind.WEEKLY and candidate.weekday() != weekday):
        candidate = dt.datetime.combine(candidate.date() + step, time_of_day, tzinfo=zone)
    return candidate.astimezone(dt.UTC)

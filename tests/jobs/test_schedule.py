import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from riskdesk.jobs.choices import ScheduleKind
from riskdesk.jobs.schedule import next_run_after

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(*args, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def nxt(
    after, kind=ScheduleKind.DAILY, time=dt.time(21, 0), weekday=0, tz="Asia/Shanghai", minutes=60
):
    return next_run_after(
        kind=kind,
        after=after,
        time_of_day=time,
        weekday=weekday,
        interval_minutes=minutes,
        timezone=tz,
    )


def test_daily_digest_time_is_21_00_shanghai_stored_in_utc():
    assert nxt(at(2026, 11, 28, 20, 59)) == dt.datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    assert nxt(at(2026, 11, 28, 21, 0)) == dt.datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def test_after_given_in_another_zone():
    # 12:30 UTC is 20:30 in Shanghai: the same evening's run is still ahead.
    assert nxt(dt.datetime(2026, 11, 28, 12, 30, tzinfo=UTC)) == dt.datetime(
        2026, 11, 28, 13, 0, tzinfo=UTC
    )


def test_weekly_picks_the_weekday():
    monday_run = nxt(at(2026, 11, 28, 9, 0), kind=ScheduleKind.WEEKLY, weekday=0)  # Saturday now
    assert monday_run.astimezone(SHANGHAI) == at(2026, 11, 30, 21, 0)


def test_interval():
    now = at(2026, 1, 1, 0, 0)
    assert nxt(now, kind=ScheduleKind.INTERVAL, minutes=15) == now + dt.timedelta(minutes=15)


def test_daylight_saving_zone_keeps_wall_clock_time():
    berlin = ZoneInfo("Europe/Berlin")
    before = nxt(
        dt.datetime(2026, 3, 28, 8, 0, tzinfo=berlin), tz="Europe/Berlin", time=dt.time(9, 0)
    )
    after = nxt(before, tz="Europe/Berlin", time=dt.time(9, 0))
    assert before.astimezone(berlin).hour == 9 and after.astimezone(berlin).hour == 9
    assert after - before == dt.timedelta(hours=23)  # the night the clocks go forward


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        nxt(dt.datetime(2026, 1, 1))

"""Cron maths in real timezones: DST changes, month ends, leap days, crontab weekday numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cron import CronError, cron_fire_times, next_cron_fire_time, normalise_cron, validate_cron
from tests.scheduling.scheduling_fakes import utc

NEW_YORK = ZoneInfo("America/New_York")


def local(times: list[dt.datetime], tz: str) -> list[str]:
    return [t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z") for t in times]


def test_fire_times_are_utc_and_half_open():
    times = cron_fire_times("0 9 * * *", "UTC", utc(2026, 1, 1, 9), utc(2026, 1, 3, 9))
    assert times == [utc(2026, 1, 2, 9), utc(2026, 1, 3, 9)]
    assert all(t.tzinfo is dt.UTC for t in times)


@pytest.mark.parametrize(
    ("timezone", "expected_utc_hour", "expected_utc_minute"),
    [("Europe/Berlin", 8, 0), ("UTC", 9, 0), ("Asia/Kolkata", 3, 30)],
)
def test_same_wall_clock_time_in_different_timezones(timezone, expected_utc_hour, expected_utc_minute):
    (fire,) = cron_fire_times("0 9 * * *", timezone, utc(2026, 1, 14), utc(2026, 1, 15))
    assert (fire.hour, fire.minute) == (expected_utc_hour, expected_utc_minute)


def test_berlin_follows_its_own_summer_time():
    winter = next_cron_fire_time("0 9 * * *", "Europe/Berlin", utc(2026, 3, 27))
    summer = next_cron_fire_time("0 9 * * *", "Europe/Berlin", utc(2026, 3, 30))
    assert winter == utc(2026, 3, 27, 8)
    assert summer == utc(2026, 3, 30, 7)


def test_fall_back_repeated_time_fires_once():
    # 2026-11-01: New York clocks go from 01:59 EDT back to 01:00 EST, so 01:30 happens twice.
    times = cron_fire_times("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
    assert local(times, "America/New_York") == ["2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"]


def test_fall_back_next_fire_time_skips_the_repeat():
    first = next_cron_fire_time("30 1 * * *", "America/New_York", utc(2026, 11, 1, 4))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    after_first = next_cron_fire_time("30 1 * * *", "America/New_York", first)
    assert after_first == utc(2026, 11, 2, 6, 30)  # the next day, not 01:30 EST an hour later


def test_spring_forward_missing_time_fires_once_an_hour_later():
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist.
    times = cron_fire_times("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
    assert local(times, "America/New_York") == ["2026-03-08 03:30 EDT", "2026-03-09 02:30 EDT"]


def test_thirty_first_skips_shorter_months():
    times = cron_fire_times("0 9 31 * *", "UTC", utc(2026, 1, 1), utc(2027, 1, 1))
    assert [t.month for t in times] == [1, 3, 5, 7, 8, 10, 12]


@pytest.mark.parametrize("day_field", ["L", "last"])
def test_last_day_of_month(day_field):
    times = cron_fire_times(f"0 9 {day_field} * *", "UTC", utc(2027, 12, 31, 12), utc(2028, 5, 1))
    assert [t.date().isoformat() for t in times] == ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"]


def test_leap_day_fires_only_in_leap_years():
    times = cron_fire_times("0 9 29 2 *", "UTC", utc(2026, 1, 1), utc(2033, 1, 1))
    assert [t.date().isoformat() for t in times] == ["2028-02-29", "2032-02-29"]


def test_crontab_weekday_numbers_mean_what_crontab_means():
    # APScheduler 3 alone would read "1-5" as Tuesday-Saturday.
    assert normalise_cron("0 9 * * 1-5") == "0 9 * * mon,tue,wed,thu,fri"
    assert normalise_cron("0 9 * * 0") == normalise_cron("0 9 * * 7") == "0 9 * * sun"
    times = cron_fire_times("0 9 * * 1-5", "UTC", utc(2026, 1, 2, 10), utc(2026, 1, 10))  # Fri .. next Sat
    assert [t.strftime("%a") for t in times] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_named_days_and_months():
    times = cron_fire_times("0 9 * JAN MON", "UTC", utc(2026, 1, 1), utc(2026, 2, 28))
    assert [t.day for t in times] == [5, 12, 19, 26]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 9 * *", "expected 5"),
        ("0 9 * * 8", "0-7"),
        ("0 9 * * fri-mon", "backwards"),
        ("61 9 * * *", "59"),
        ("0 9 30 2 *", "never fires"),
        ("0 9 * * funday", "unknown day"),
    ],
)
def test_bad_cron_is_a_readable_error(expr, message):
    with pytest.raises(CronError, match=message):
        validate_cron(expr)


def test_unknown_timezone_is_a_readable_error():
    with pytest.raises(CronError, match="unknown timezone 'Mars/Olympus'"):
        validate_cron("0 9 * * *", "Mars/Olympus")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        cron_fire_times("0 9 * * *", "UTC", dt.datetime(2026, 1, 1), utc(2026, 1, 2))

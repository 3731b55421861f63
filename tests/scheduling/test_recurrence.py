"""Fire times of finance-date schedules: the time zone's DST days, lead reminders, collisions, an end date."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.calendars import WEEKDAYS, business_calendar
from bot.domain.cron import cron_fire_times
from bot.domain.finance_dates import parse_finance_date
from bot.scheduling.recurrence import Recurrence
from tests.scheduling.scheduling_fakes import utc

D = dt.date
GULF = business_calendar(None, ("FRI", "SAT"))  # Sunday is a working day, so a rule can land on a DST Sunday


def recurrence(rule: str, at: str = "09:00", calendar=WEEKDAYS, **kwargs) -> Recurrence:
    return Recurrence(parse_finance_date(rule), dt.time.fromisoformat(at), calendar, **kwargs)


@pytest.mark.parametrize(
    ("rule", "at", "timezone", "calendar", "start", "expected", "why"),
    [
        (
            "last-business-day",
            "09:00",
            "America/New_York",
            WEEKDAYS,
            utc(2026, 2, 1),
            [utc(2026, 2, 27, 14), utc(2026, 3, 31, 13)],
            "EST in February, EDT in March",
        ),
        (
            "business-day 6",
            "02:30",
            "America/New_York",
            GULF,
            utc(2026, 3, 1),
            [utc(2026, 3, 8, 7, 30)],
            "Sun 8 March 02:30 does not exist: fires at 03:30 EDT, as cron does",
        ),
        (
            "business-day -5",
            "02:30",
            "Europe/Berlin",
            GULF,
            utc(2026, 10, 1),
            [utc(2026, 10, 25, 0, 30)],
            "Sun 25 October 02:30 happens twice: fires once, on the first pass (CEST)",
        ),
        (
            "quarter-end",
            "17:00",
            "Asia/Kolkata",
            WEEKDAYS,
            utc(2026, 1, 1),
            [utc(2026, 3, 31, 11, 30)],
            "no DST; the local date decides the day",
        ),
        (
            "first-business-day",
            "00:30",
            "Pacific/Auckland",
            WEEKDAYS,
            utc(2026, 11, 25),
            [utc(2026, 11, 30, 11, 30)],
            "Tue 1 Dec 00:30 NZDT is still 30 November in UTC",
        ),
    ],
)
def test_fire_times_in_the_schedules_time_zone(rule, at, timezone, calendar, start, expected, why) -> None:
    times = recurrence(rule, at, calendar).fire_times_between(timezone, start, start + dt.timedelta(days=92))
    assert times[: len(expected)] == expected, why


@pytest.mark.parametrize(
    ("day", "at", "timezone"),
    [(D(2026, 3, 8), "02:30", "America/New_York"), (D(2026, 10, 25), "02:30", "Europe/Berlin")],
)
def test_dst_days_fire_when_a_cron_for_the_same_wall_time_would(day: dt.date, at: str, timezone: str) -> None:
    hour, minute = at.split(":")
    cron = f"{int(minute)} {int(hour)} {day.day} {day.month} *"
    start, end = utc(day.year, day.month, day.day) - dt.timedelta(days=1), utc(day.year, day.month, day.day, 23)
    expected = cron_fire_times(cron, timezone, start, end)
    # business-day 6 (March) and -5 (October) land on those Sundays on a Friday-Saturday weekend.
    rule = "business-day 6" if day.month == 3 else "business-day -5"
    assert recurrence(rule, at, GULF).fire_times_between(timezone, start, end) == expected


def test_window_bounds_are_exclusive_then_inclusive() -> None:
    rule = recurrence("last-business-day")
    fire = utc(2026, 5, 29, 9)
    assert rule.fire_times_between("UTC", fire - dt.timedelta(seconds=1), fire) == [fire]
    assert rule.fire_times_between("UTC", fire, fire + dt.timedelta(days=1)) == []
    assert rule.next_fire_time("UTC", fire) == utc(2026, 6, 30, 9)


def test_lead_reminders_move_back_off_the_weekend_and_know_their_due_date() -> None:
    # Month-end close, due on the last business day, reminded 5 and 2 days ahead.
    five = recurrence("last-business-day", lead_days=5, sibling_leads=(5, 2))
    two = recurrence("last-business-day", lead_days=2, sibling_leads=(5, 2))
    start, end = utc(2026, 5, 1), utc(2026, 7, 1)
    # Due Fri 29 May: 5 days ahead is Sunday 24th -> Friday 22nd; 2 days ahead Wednesday 27th.
    # Due Tue 30 June: Thursday 25th and Sunday 28th -> Friday 26th.
    assert five.fire_times_between("UTC", start, end) == [utc(2026, 5, 22, 9), utc(2026, 6, 25, 9)]
    assert two.fire_times_between("UTC", start, end) == [utc(2026, 5, 27, 9), utc(2026, 6, 26, 9)]
    assert five.due_date_of(D(2026, 5, 22)) == D(2026, 5, 29)
    assert two.due_date_of(D(2026, 6, 26)) == D(2026, 6, 30)
    assert two.due_date_of(D(2026, 6, 24)) is None


def test_a_lead_that_lands_on_a_more_urgent_ones_day_is_dropped() -> None:
    # Due Monday 31 August 2026: 2 and 1 days ahead both move back to Friday 28th; only the 1-day one posts.
    leads = (2, 1)
    start, end = utc(2026, 8, 1), utc(2026, 9, 1)
    assert recurrence("last-business-day", lead_days=2, sibling_leads=leads).fire_times_between("UTC", start, end) == []
    assert recurrence("last-business-day", lead_days=1, sibling_leads=leads).fire_times_between("UTC", start, end) == [
        utc(2026, 8, 28, 9)
    ]


def test_the_persona_holidays_move_the_date_and_its_reminders() -> None:
    us = business_calendar("US")
    plain = recurrence("last-business-day").fire_times_between("UTC", utc(2027, 12, 1), utc(2028, 1, 1))
    closed = recurrence("last-business-day", calendar=us).fire_times_between("UTC", utc(2027, 12, 1), utc(2028, 1, 1))
    assert plain == [utc(2027, 12, 31, 9)]
    assert closed == [utc(2027, 12, 30, 9)]  # New Year's Day observed on Friday 31st


def test_until_ends_the_recurrence() -> None:
    ending = recurrence("business-day 3", until=D(2026, 6, 30))
    assert ending.fire_times_between("UTC", utc(2026, 5, 1), utc(2026, 9, 1)) == [
        utc(2026, 5, 5, 9),
        utc(2026, 6, 3, 9),
    ]
    assert ending.next_fire_time("UTC", utc(2026, 6, 3, 9)) is None

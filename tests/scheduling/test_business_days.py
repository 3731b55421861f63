"""Business days, calendar lead dates and acknowledgement deadlines around weekends and timezones."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config.models import CalendarEntry, Owners
from bot.scheduling.business_days import (
    ack_deadline,
    add_business_days,
    previous_business_day,
    subtract_business_days,
)
from bot.scheduling.schedules import calendar_steps, reminder_date, schedules_from_config
from tests.scheduling.scheduling_fakes import make_config, utc

FRIDAY = dt.date(2026, 5, 15)
SATURDAY = dt.date(2026, 5, 16)
SUNDAY = dt.date(2026, 5, 17)
MONDAY = dt.date(2026, 5, 18)


def test_add_and_subtract_business_days_skip_weekends():
    assert add_business_days(FRIDAY, 1) == MONDAY
    assert add_business_days(SATURDAY, 1) == MONDAY
    assert add_business_days(FRIDAY, 5) == dt.date(2026, 5, 22)
    assert subtract_business_days(MONDAY, 1) == FRIDAY
    assert subtract_business_days(SUNDAY, 1) == FRIDAY
    assert subtract_business_days(MONDAY, -1) == dt.date(2026, 5, 19)
    assert add_business_days(SATURDAY, 0) == SATURDAY


def test_previous_business_day():
    assert previous_business_day(SATURDAY) == FRIDAY
    assert previous_business_day(SUNDAY) == FRIDAY
    assert previous_business_day(MONDAY) == MONDAY


def test_lead_dates_are_calendar_days_moved_back_off_weekends():
    due = dt.date(2026, 6, 30)  # a Tuesday
    assert reminder_date(due, 30, business_days=True) == dt.date(2026, 5, 29)  # Sunday 31st -> Friday 29th
    assert reminder_date(due, 30, business_days=False) == dt.date(2026, 5, 31)
    assert reminder_date(due, 7, business_days=True) == dt.date(2026, 6, 23)  # already a Tuesday


def test_calendar_steps_collapse_onto_one_day_keeping_the_most_urgent():
    entry = CalendarEntry(id="ri", name="RI expiry", date=dt.date(2026, 6, 1), lead_days=(1, 2, 30))  # due Monday
    steps = calendar_steps(entry)
    assert [(s.reminder_date.isoformat(), s.lead_days, s.is_last_step) for s in steps] == [
        ("2026-05-01", 30, False),
        ("2026-05-29", 1, True),  # Sunday (1) and Saturday (2) both land on Friday
    ]


def test_calendar_schedules_post_at_nine_in_the_responsible_timezone_and_add_accountable_last():
    entry = CalendarEntry(
        id="edp-renewal", name="AWS EDP renewal", date=dt.date(2026, 9, 30), topic="commitments", lead_days=(90, 7)
    )
    config = make_config(calendar=[entry], persona_timezone="Europe/Berlin")
    by_id = {s.id: s for s in schedules_from_config(config) if s.kind == "calendar"}
    assert set(by_id) == {"calendar:edp-renewal:90d", "calendar:edp-renewal:7d"}
    early, last = by_id["calendar:edp-renewal:90d"], by_id["calendar:edp-renewal:7d"]
    assert early.fire_at == (utc(2026, 7, 2, 7),)  # 09:00 CEST, Thursday 2 July
    assert early.recipients == ("finance",)
    assert last.fire_at == (utc(2026, 9, 23, 7),)
    assert last.recipients == ("finance", "leadership")


def test_calendar_entry_owners_override_topic_and_default_to_fallback():
    own = CalendarEntry(
        id="close",
        name="Month-end close",
        date=dt.date(2026, 7, 31),
        lead_days=(3,),
        owners=Owners(responsible=("engineering",)),
    )
    orphan = CalendarEntry(id="orphan", name="Orphan", date=dt.date(2026, 7, 31), lead_days=(3,))
    schedules = {s.id: s for s in schedules_from_config(make_config(calendar=[own, orphan]))}
    assert schedules["calendar:close:3d"].recipients == ("engineering",)
    assert schedules["calendar:orphan:3d"].recipients == ("finops-practitioner",)


def test_ack_deadline_counts_only_weekday_time():
    friday_4pm = utc(2026, 5, 15, 16)
    assert ack_deadline(friday_4pm, 1, "UTC") == utc(2026, 5, 18, 16)
    assert ack_deadline(friday_4pm, 0.5, "UTC") == utc(2026, 5, 18, 4)
    assert ack_deadline(utc(2026, 5, 16, 10), 1, "UTC") == utc(2026, 5, 19, 0)  # Saturday: clock starts Monday
    assert ack_deadline(utc(2026, 5, 13, 9), 2, "UTC") == utc(2026, 5, 15, 9)  # Wed -> Fri


def test_ack_deadline_uses_the_persona_timezone():
    # Friday 20:00 UTC is already Saturday 01:30 in Kolkata: the clock starts Monday 00:00 IST.
    created = utc(2026, 5, 15, 20)
    assert ack_deadline(created, 1, "UTC") == utc(2026, 5, 18, 20)
    assert ack_deadline(created, 1, "Asia/Kolkata") == utc(2026, 5, 18, 18, 30)  # Tue 00:00 IST


def test_ack_deadline_keeps_wall_clock_across_dst():
    # Friday 2026-03-06 16:00 EST + 1 business day = Monday 16:00 EDT (one hour less in UTC terms).
    created = utc(2026, 3, 6, 21)
    assert ack_deadline(created, 1, "America/New_York") == utc(2026, 3, 9, 20)


def test_ack_deadline_refuses_naive_times():
    with pytest.raises(ValueError):
        ack_deadline(dt.datetime(2026, 5, 15, 16), 1, "UTC")

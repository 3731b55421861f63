"""Counts read as English: one day, one field, one more persona; never "1 days"."""

from __future__ import annotations

import datetime as dt
import json

from bot.render.reminders import render_calendar_reminder
from bot.scheduling.schedules import CalendarStep


def test_a_calendar_reminder_one_day_ahead_and_one_day_late_says_day() -> None:
    step = CalendarStep("edp", "EDP renewal", dt.date(2026, 12, 2), 1, dt.date(2026, 12, 1), is_last_step=True)

    ahead = json.dumps(render_calendar_reminder(step, (), dt.date(2026, 12, 1)))
    late = json.dumps(render_calendar_reminder(step, (), dt.date(2026, 12, 3)))

    assert "reminder 1 day ahead" in ahead and "1 days" not in ahead
    assert "1 day ago" in late and "1 days" not in late

"""Business days per persona: public holidays (`holidays: US`, `DE-BY`) and weekends (`weekend: [FRI, SAT]`)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.domain.calendars import WEEKDAYS, business_calendar, weekend_problem
from bot.domain.cron import validate_cron
from bot.domain.finance_dates import parse_finance_date
from bot.scheduling.business_days import (
    ack_deadline,
    ack_window_end,
    add_business_days,
    previous_business_day,
)
from bot.scheduling.schedules import calendar_schedules
from tests.slack.harness import SHIPPED_CONFIG

US = business_calendar("US")
BAVARIA = business_calendar("DE-BY")
GULF = business_calendar(None, ("FRI", "SAT"))


def test_holidays_are_not_business_days() -> None:
    christmas_eve = dt.date(2026, 12, 24)  # a Thursday
    assert add_business_days(christmas_eve, 1, US) == dt.date(2026, 12, 28)  # Friday 25th is Christmas Day
    assert add_business_days(christmas_eve, 1) == dt.date(2026, 12, 25)  # no calendar: Friday is a weekday
    assert not BAVARIA.is_business_day(dt.date(2026, 1, 6))  # Epiphany, a Bavarian holiday
    assert business_calendar("DE").is_business_day(dt.date(2026, 1, 6))  # not a German national one
    assert BAVARIA.holiday_name(dt.date(2026, 1, 6))


def test_a_friday_saturday_weekend() -> None:
    thursday = dt.date(2026, 5, 14)
    assert add_business_days(thursday, 1, GULF) == dt.date(2026, 5, 17)  # Sunday is a working day
    assert previous_business_day(dt.date(2026, 5, 16), GULF) == thursday


@pytest.mark.parametrize("saturday", ["SAT", "sat", "Sat", "SATURDAY", "saturday", "Saturday"])
def test_weekend_takes_the_day_names_cron_takes(saturday: str) -> None:
    validate_cron(f"0 9 * * {saturday}")  # cron reads it...
    assert weekend_problem(["FRI", saturday]) is None  # ...and so does weekend:
    assert business_calendar(None, ("FRI", saturday)).weekend == frozenset({4, 5})


def test_finance_dates_follow_the_calendar() -> None:
    last, third = parse_finance_date("last-business-day"), parse_finance_date("business-day 3")
    assert last.date_in(2026, 5, WEEKDAYS) == dt.date(2026, 5, 29)  # 31st is a Sunday
    assert last.date_in(2026, 12, US) == dt.date(2026, 12, 31)
    assert third.date_in(2026, 6, WEEKDAYS) == dt.date(2026, 6, 3)
    assert third.date_in(2026, 1, US) == dt.date(2026, 1, 6)  # 1st is New Year's Day, 3rd-4th a weekend


def test_the_acknowledgement_window_skips_the_owners_holiday(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    personas = config_dir / "personas.yaml"
    text = personas.read_text()
    personas.write_text(
        text.replace(
            "  - id: engineering\n    name: Engineering\n",
            "  - id: engineering\n    name: Engineering\n    holidays: US\n",
            1,
        )
    )
    config = load_config(config_dir).config
    assert config.persona("engineering").holidays == "US"
    routed = dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC)
    engineering = ack_window_end(config, None, "engineering", routed)
    finance = ack_window_end(config, None, "finance", routed)
    assert engineering - finance == dt.timedelta(days=3)  # Christmas Day, then the weekend
    assert ack_deadline(routed, 1, "UTC", US) == engineering


def test_calendar_reminders_avoid_the_responsible_personas_holidays(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    config = load_config(config_dir).config
    entry = next(e for e in config.routing.calendar if e.business_days)
    owner = config.topic(entry.topic).owners.responsible[0] if entry.topic else config.routing.fallback_persona
    plain = {s.calendar.lead_days: s.calendar.reminder_date for s in calendar_schedules(config, entry)}
    assert plain  # the shipped config has business-day calendar entries
    personas = config_dir / "personas.yaml"
    needle = f"  - id: {owner}\n"
    personas.write_text(
        personas.read_text().replace(needle, f"{needle}    weekend: [MON, TUE, WED, THU, FRI, SAT]\n", 1)
    )
    sundays_only = load_config(config_dir).config
    moved = {s.calendar.lead_days: s.calendar.reminder_date for s in calendar_schedules(sundays_only, entry)}
    assert all(day.weekday() == 6 for day in moved.values())
    # Moved back to the persona's working day, never after: every reminder keeps at least its lead time.
    assert all(moved[lead] <= entry.date - dt.timedelta(days=lead) for lead in moved), moved
    assert moved != plain


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    holidays: XX\n", "unknown holiday calendar 'XX'"),
        ("    holidays: DE-ZZ\n", "unknown holiday calendar 'DE-ZZ'"),
        ("    weekend: [FRI, SATERDAY]\n", "unknown day 'SATERDAY' in weekend"),
    ],
)
def test_check_config_names_a_bad_calendar(tmp_path: Path, line: str, expected: str) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    personas = config_dir / "personas.yaml"
    personas.write_text(personas.read_text().replace("  - id: finance\n", f"  - id: finance\n{line}", 1))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check-config", "--config-dir", str(config_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert expected in result.stderr and "personas.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_check_config_warns_for_a_calendar_entry_in_the_past(tmp_path: Path) -> None:
    import io

    from bot.config.check import check_config

    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    dated = [e for e in load_config(config_dir).config.routing.calendar if e.date is not None]
    entry = min(dated, key=lambda e: e.date)
    out, err = io.StringIO(), io.StringIO()
    assert check_config(config_dir, out, err, today=entry.date - dt.timedelta(days=1)) == 0
    assert "in the past" not in out.getvalue()
    assert check_config(config_dir, out, err, today=entry.date + dt.timedelta(days=1)) == 0
    assert f"calendar entry '{entry.id}' was due {entry.date.isoformat()}, in the past" in out.getvalue()
    # file:line: key.path, like every other config warning.
    routing = (config_dir / "routing.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(routing, 1) if text.strip() == f"date: {entry.date.isoformat()}")
    assert f"routing.yaml:{line}: calendar[" in out.getvalue()

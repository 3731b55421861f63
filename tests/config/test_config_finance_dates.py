"""Finance dates in the config: `on`, `months`, `at`, `until`, their errors, and the shipped schedules."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from bot.config.check import check_config
from bot.config.loader import load_config
from bot.domain.finance_dates import FinanceDate
from bot.scheduling.schedules import fire_times_between, schedules_from_config
from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML

SHIPPED = Path(__file__).resolve().parents[2] / "config"
CRON_MONTHLY = '        schedule: "0 9 3 * *"\n'  # line 20 of PERSONAS_YAML
CALENDAR_DATE = "    date: 2026-09-30\n"  # line 27 of ROUTING_YAML


def test_a_duty_and_a_calendar_entry_on_finance_dates_load(write_config) -> None:
    personas = PERSONAS_YAML.replace(
        CRON_MONTHLY, '        on: business-day 3\n        months: [JAN, APR, JUL, OCT]\n        at: "08:30"\n'
    )
    routing = ROUTING_YAML.replace(CALENDAR_DATE, "    on: quarter-end\n    until: 2030-12-31\n")
    config = load_config(write_config(personas=personas, routing=routing)).config
    duty = config.persona("security").duties[0]
    assert duty.finance_date == FinanceDate(3, (1, 4, 7, 10)) and duty.time_of_day == dt.time(8, 30)
    entry = config.routing.calendar[0]
    assert entry.finance_date == FinanceDate(-1, (3, 6, 9, 12)) and entry.last_due() == dt.date(2030, 12, 31)


def test_finance_date_mistakes_name_file_line_and_key(config_errors) -> None:
    personas = PERSONAS_YAML.replace(CRON_MONTHLY, "        on: BD+3\n        at: 9:30\n").replace(
        '        schedule: "0 9 * * MON-FRI"\n', '        schedule: "0 9 * * MON-FRI"\n        months: [JNA]\n'
    )
    routing = ROUTING_YAML.replace(CALENDAR_DATE, "    on: quarter-end\n    months: [MAR]\n")
    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:20: personas[6].duties[0].on: unknown finance date 'BD+3' "
        "(did you mean 'business-day 3'?)",
        'config/personas.yaml:21: personas[6].duties[0].at: write the time in quotes, at: "09:30" '
        "(unquoted, YAML reads 9:30 as the number 570)",
        "config/personas.yaml:25: personas[6].duties[1].months: unknown month 'JNA' (did you mean 'JUN'?)",
        "config/routing.yaml:25: calendar[0]: quarter-end already means Mar, Jun, Sep and Dec: "
        "use `on: last-business-day` with `months`",
    ]


def test_a_duty_or_entry_needs_exactly_one_way_of_recurring(config_errors) -> None:
    personas = PERSONAS_YAML.replace(CRON_MONTHLY, '        schedule: "0 9 3 * *"\n        on: last-business-day\n')
    personas = personas.replace('        schedule: "0 9 * * MON-FRI"\n', '        at: "09:00"\n')
    routing = ROUTING_YAML.replace(CALENDAR_DATE, "    until: 2027-01-01\n")
    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:18: personas[6].duties[0]: a duty takes `schedule` or `on`, not both",
        "config/personas.yaml:22: personas[6].duties[1]: a duty needs `schedule` (a cron expression) or `on` "
        "(a finance date: last-business-day, business-day 3, business-day -2 or quarter-end)",
        "config/routing.yaml:25: calendar[0]: a calendar entry needs `date` (a date, once) or `on` "
        "(a finance date: last-business-day, business-day 3, business-day -2 or quarter-end)",
    ]


def test_check_config_warns_when_a_recurrence_ended_and_not_before(write_config) -> None:
    routing = ROUTING_YAML.replace(CALENDAR_DATE, "    on: last-business-day\n    until: 2026-06-30\n")
    directory = write_config(routing=routing)
    out, err = io.StringIO(), io.StringIO()
    assert check_config(directory, out, err, today=dt.date(2026, 6, 30)) == 0
    assert "in the past" not in out.getvalue()
    assert check_config(directory, out, err, today=dt.date(2026, 7, 1)) == 0
    assert (
        "config/routing.yaml:28: calendar[0].until: warning: calendar entry 'edp-renewal' recurs until 2026-06-30, "
        "in the past: no reminder will be posted; extend `until` or remove the entry"
    ) in out.getvalue()
    assert "calendar entries: 1 (1 recurring)" in out.getvalue()


def test_an_endless_recurrence_is_never_in_the_past() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert check_config(SHIPPED, out, err, today=dt.date(2099, 1, 1)) == 0
    assert "month-end-close" not in out.getvalue()


def test_the_shipped_month_end_close_recurs_on_the_last_business_day() -> None:
    config = load_config(SHIPPED).config
    close = next(entry for entry in config.routing.calendar if entry.id == "month-end-close")
    assert close.date is None and close.finance_date == FinanceDate(-1)


def test_no_shipped_duty_fires_on_a_weekend_unless_its_schedule_says_so() -> None:
    """A year of every shipped duty: only a cron that names Saturday or Sunday may fire on one."""
    config = load_config(SHIPPED).config
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    checked = 0
    for schedule in schedules_from_config(config):
        if schedule.kind != "duty":
            continue
        persona = config.persona(schedule.subject or "")
        allowed = schedule.cron is not None and _names_a_weekend_day(schedule.cron)
        times = fire_times_between(schedule, start, start + dt.timedelta(days=366))
        assert times, f"{schedule.id} never fires in a year"
        for fire in times:
            local = fire.astimezone(_zone(schedule.timezone)).date()
            on_weekend = local.weekday() in persona.calendar.weekend or local.weekday() >= 5
            assert allowed or not on_weekend, f"{schedule.id} fires on {local:%a %Y-%m-%d}"
        checked += 1
    assert checked == sum(len(persona.duties) for persona in config.personas.personas)


def _names_a_weekend_day(cron: str) -> bool:
    """ "Every day" or a day-of-week naming Saturday or Sunday; a fixed day of the month does not count."""
    _minute, _hour, day_of_month, _month, day_of_week = cron.upper().split()
    if day_of_week in ("*", "?"):
        return day_of_month in ("*", "?")
    return re.search(r"SAT|SUN|[067]", day_of_week) is not None


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)

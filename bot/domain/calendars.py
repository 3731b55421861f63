"""Business calendars: which days are working days for a persona.

A persona may name a public-holiday calendar (``holidays: US``, ``holidays:
DE-BY`` for Bavaria, from the ``holidays`` package) and its weekend
(``weekend: [FRI, SAT]``). Without either, Monday to Friday are the working
days, as before. Nudges and "business day" lead times count only working days.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DEFAULT_WEEKEND = ("SAT", "SUN")
_FULL_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def weekday_number(name: str) -> int | None:
    """``date.weekday()`` of a day name as cron takes it, in any case: ``SAT``, ``sat``, ``Saturday``."""
    spelt = name.strip().upper()
    for names in (WEEKDAY_NAMES, _FULL_NAMES):
        if spelt in names:
            return names.index(spelt)
    return None


@dataclass(frozen=True)
class BusinessCalendar:
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday() numbers
    holidays: str | None = None  # "US", "DE-BY"

    def is_business_day(self, day: dt.date) -> bool:
        if day.weekday() in self.weekend:
            return False
        return self.holidays is None or day not in _holiday_table(self.holidays)

    def holiday_name(self, day: dt.date) -> str | None:
        if self.holidays is None:
            return None
        return _holiday_table(self.holidays).get(day)


WEEKDAYS = BusinessCalendar()


def business_calendar(holidays: str | None = None, weekend: tuple[str, ...] | None = None) -> BusinessCalendar:
    """The calendar for a persona's ``holidays`` code and ``weekend`` day names (validated beforehand)."""
    days = weekend if weekend is not None else DEFAULT_WEEKEND
    numbers = (weekday_number(d) for d in days)
    return BusinessCalendar(frozenset(n for n in numbers if n is not None), holidays.upper() if holidays else None)


def holiday_code_problem(code: str) -> str | None:
    """Why ``code`` names no holiday calendar, or None. ``US``, ``GB``, ``DE-BY`` (country-subdivision)."""
    try:
        _holiday_table(code.upper())
    except (NotImplementedError, KeyError, ValueError) as error:
        return f"unknown holiday calendar '{code}': {error}; use an ISO country code such as US or GB, or DE-BY"
    return None


def weekend_problem(days: object) -> str | None:
    if not isinstance(days, (list, tuple)) or not all(isinstance(d, str) for d in days):
        return "weekend must be a list of day names, e.g. [SAT, SUN] or [FRI, SAT]"
    unknown = [d for d in days if weekday_number(d) is None]
    if unknown:
        return f"unknown day {unknown[0]!r} in weekend: use {', '.join(WEEKDAY_NAMES)} (or the full names)"
    if len({weekday_number(d) for d in days}) >= 7:
        return "weekend cannot be every day of the week"
    return None


@functools.cache
def _holiday_table(code: str) -> Any:
    """The ``holidays`` package's table for a country (and subdivision); it fills in years as they are asked."""
    import holidays

    country, _, subdivision = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)

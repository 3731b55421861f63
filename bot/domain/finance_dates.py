"""Finance dates: the days a close calendar is written in, rather than cron's calendar days.

``on: last-business-day``, ``on: business-day 3`` (BD+3), ``on: business-day -2``
(the second-to-last business day) and ``on: quarter-end`` (the last business day
of March, June, September and December), optionally limited to some ``months``.
Which days are business days is the persona's ``BusinessCalendar`` (holidays,
weekend), always passed in, so the same rule lands on different days for a
team in Munich and one in Dubai.

Counting from the end is spelt with a minus sign, like a list index: -1 is the
last business day. "BD-2" is left out on purpose: close calendars disagree on
whether it means the second-to-last business day or two before the last.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass

from bot.domain.calendars import BusinessCalendar

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
QUARTER_END_MONTHS = (3, 6, 9, 12)
ALL_MONTHS = tuple(range(1, 13))
# No month has more than 23 weekdays; a larger N could never fire.
MAX_BUSINESS_DAY = 23
FORMS = ("last-business-day", "first-business-day", "quarter-end", "business-day N", "business-day -N")
_FULL_MONTH_NAMES = (
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE",
    "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
)  # fmt: skip
_MONTH_SPELLINGS = {
    **{name: number for number, name in enumerate(MONTH_NAMES, 1)},
    **{name: number for number, name in enumerate(_FULL_MONTH_NAMES, 1)},
    "SEPT": 9,
}
_BUSINESS_DAY = re.compile(r"business[- ]day\s*([+-]?\s*\d+)")
_BD_SHORTHAND = re.compile(r"(?:bd|wd)\s*([+-])\s*(\d+)")


class FinanceDateError(ValueError):
    """A finance date that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class FinanceDate:
    """Business day ``day`` of each month in ``months``; a negative ``day`` counts from the month's end."""

    day: int
    months: tuple[int, ...] = ALL_MONTHS

    def __post_init__(self) -> None:
        if self.day == 0 or abs(self.day) > MAX_BUSINESS_DAY:
            raise FinanceDateError(f"business day must be 1..{MAX_BUSINESS_DAY} or -1..-{MAX_BUSINESS_DAY}")
        if not self.months or any(month not in ALL_MONTHS for month in self.months):
            raise FinanceDateError("months must be month numbers 1..12")

    def in_months(self, months: tuple[int, ...]) -> FinanceDate:
        return FinanceDate(self.day, tuple(sorted(set(months))))

    def date_in(self, year: int, month: int, calendar: BusinessCalendar) -> dt.date | None:
        """This rule's day in that month; None when the month is not one of ``months`` or is too short."""
        if month not in self.months:
            return None
        days = business_days_of_month(year, month, calendar)
        index = self.day - 1 if self.day > 0 else self.day
        if -len(days) <= index < len(days):
            return days[index]
        return None

    def dates_between(self, first: dt.date, last: dt.date, calendar: BusinessCalendar) -> list[dt.date]:
        """Every date of the rule with first <= date <= last, in order."""
        found = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            day = self.date_in(year, month, calendar)
            if day is not None and first <= day <= last:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def describe(self) -> str:
        """Plain English for listings and reminders: "business day 3 of every month"."""
        if self.day == -1:
            which = "last business day"
        elif self.day < 0:
            which = f"business day {self.day} (the {_ordinal(-self.day)}-to-last)"
        else:
            which = f"business day {self.day}"
        if self.months == ALL_MONTHS:
            return f"{which} of every month"
        if self.months == QUARTER_END_MONTHS and self.day == -1:
            return "quarter end (last business day of Mar, Jun, Sep, Dec)"
        return f"{which} of {', '.join(MONTH_NAMES[m - 1].title() for m in self.months)}"


def parse_finance_date(text: str) -> FinanceDate:
    """``last-business-day``, ``first-business-day``, ``quarter-end``, ``business-day 3``, ``business-day -2``."""
    words = " ".join(str(text).split()).lower()
    if words in ("last-business-day", "last business day"):
        return FinanceDate(-1)
    if words in ("first-business-day", "first business day"):
        return FinanceDate(1)
    if words in ("quarter-end", "quarter end"):
        return FinanceDate(-1, QUARTER_END_MONTHS)
    match = _BUSINESS_DAY.fullmatch(words)
    if match:
        number = int(match.group(1).replace(" ", ""))
        if number == 0 or abs(number) > MAX_BUSINESS_DAY:
            raise FinanceDateError(
                f"'{text}': the business day must be 1 to {MAX_BUSINESS_DAY} (from the start of the month) "
                f"or -1 to -{MAX_BUSINESS_DAY} (from its end; -1 is the last business day)"
            )
        return FinanceDate(number)
    raise FinanceDateError(f"unknown finance date '{text}'{_hint(words)}")


def _hint(words: str) -> str:
    shorthand = _BD_SHORTHAND.fullmatch(words)
    if shorthand and shorthand.group(1) == "+":
        return f" (did you mean 'business-day {int(shorthand.group(2))}'?)"
    if shorthand:
        return (
            f": BD-{shorthand.group(2)} means different days in different close calendars; write "
            f"'business-day -N' counting from the month's end (-1 is the last business day)"
        )
    known = ("last-business-day", "first-business-day", "quarter-end", "business-day")
    head, _, rest = words.partition(" ")
    close = difflib.get_close_matches(head, known, n=1, cutoff=0.6)
    if close:
        number = rest.strip() if re.fullmatch(r"[+-]?\d+", rest.strip()) else "3"
        suggestion = close[0] + (f" {number}" if close[0] == "business-day" else "")
        return f" (did you mean '{suggestion}'?)"
    return f"; use one of: {', '.join(FORMS)}"


def parse_months(values: object) -> tuple[int, ...]:
    """``[JAN, APR, JUL, OCT]`` -> ``(1, 4, 7, 10)``; names or numbers 1..12."""
    if not isinstance(values, (list, tuple)) or not values:
        raise FinanceDateError("months must be a list of month names, e.g. [JAN, APR, JUL, OCT]")
    months = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
            months.append(value)
            continue
        spelt = value.strip().upper() if isinstance(value, str) else ""
        if spelt in _MONTH_SPELLINGS:
            months.append(_MONTH_SPELLINGS[spelt])
            continue
        close = difflib.get_close_matches(str(value).upper(), MONTH_NAMES, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; use {', '.join(MONTH_NAMES)}"
        raise FinanceDateError(f"unknown month '{value}'{hint}")
    return tuple(sorted(set(months)))


@functools.lru_cache(maxsize=4096)
def business_days_of_month(year: int, month: int, calendar: BusinessCalendar) -> tuple[dt.date, ...]:
    day = dt.date(year, month, 1)
    found = []
    while day.month == month:
        if calendar.is_business_day(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return tuple(found)


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"

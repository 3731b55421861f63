"""Finance dates on a business calendar: month ends on weekends and holidays, December, leap years."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.calendars import WEEKDAYS, business_calendar
from bot.domain.finance_dates import (
    QUARTER_END_MONTHS,
    FinanceDate,
    FinanceDateError,
    parse_finance_date,
    parse_months,
)

D = dt.date
US = business_calendar("US")
ENGLAND = business_calendar("GB-ENG")
GULF = business_calendar(None, ("FRI", "SAT"))


@pytest.mark.parametrize(
    ("rule", "year", "month", "calendar", "expected", "why"),
    [
        ("last-business-day", 2026, 5, WEEKDAYS, D(2026, 5, 29), "31st is a Sunday"),
        ("last-business-day", 2026, 1, WEEKDAYS, D(2026, 1, 30), "31st is a Saturday"),
        ("last-business-day", 2026, 12, WEEKDAYS, D(2026, 12, 31), "December, a Thursday"),
        ("last-business-day", 2027, 12, US, D(2027, 12, 30), "31st is New Year's Day observed"),
        ("last-business-day", 2027, 12, WEEKDAYS, D(2027, 12, 31), "no holidays: the Friday stays"),
        ("last-business-day", 2026, 8, ENGLAND, D(2026, 8, 28), "31st is the summer bank holiday"),
        ("last-business-day", 2024, 2, WEEKDAYS, D(2024, 2, 29), "leap day, a Thursday"),
        ("last-business-day", 2025, 2, WEEKDAYS, D(2025, 2, 28), "no leap day"),
        ("last-business-day", 2026, 7, GULF, D(2026, 7, 30), "31st is a Friday, a weekend day there"),
        ("first-business-day", 2026, 1, US, D(2026, 1, 2), "1st is New Year's Day"),
        ("first-business-day", 2026, 11, WEEKDAYS, D(2026, 11, 2), "1st is a Sunday"),
        ("business-day 3", 2026, 1, US, D(2026, 1, 6), "New Year's Day, then a weekend"),
        ("business-day 3", 2026, 6, WEEKDAYS, D(2026, 6, 3), "Mon 1st"),
        ("business-day 5", 2026, 12, ENGLAND, D(2026, 12, 7), "December starts on a Tuesday"),
        ("business-day -2", 2026, 5, WEEKDAYS, D(2026, 5, 28), "the day before Fri 29th"),
        ("business-day -1", 2026, 5, US, D(2026, 5, 29), "Memorial Day is the 25th, not the end"),
        ("business-day -3", 2026, 12, US, D(2026, 12, 29), "28, 29, 30, 31; 25th is Christmas"),
        ("quarter-end", 2026, 3, WEEKDAYS, D(2026, 3, 31), "a Tuesday"),
        ("quarter-end", 2026, 6, WEEKDAYS, D(2026, 6, 30), "a Tuesday"),
        ("quarter-end", 2025, 8, WEEKDAYS, None, "August ends no quarter"),
        ("business-day 23", 2026, 2, WEEKDAYS, None, "February 2026 has 20 business days"),
        ("business-day 22", 2026, 12, WEEKDAYS, D(2026, 12, 30), "December 2026 has 23 weekdays"),
    ],
)
def test_rule_in_a_month(rule, year, month, calendar, expected, why) -> None:
    assert parse_finance_date(rule).date_in(year, month, calendar) == expected, why


def test_a_holiday_on_the_last_day_moves_quarter_end_back() -> None:
    # 2027-12-31 is the US observance of New Year's Day 2028: the quarter closes on the 30th.
    days = parse_finance_date("quarter-end").dates_between(D(2027, 1, 1), D(2027, 12, 31), US)
    assert days == [D(2027, 3, 31), D(2027, 6, 30), D(2027, 9, 30), D(2027, 12, 30)]


def test_dates_between_is_inclusive_and_crosses_the_year() -> None:
    rule = parse_finance_date("last-business-day")
    assert rule.dates_between(D(2026, 11, 30), D(2027, 1, 29), WEEKDAYS) == [
        D(2026, 11, 30),
        D(2026, 12, 31),
        D(2027, 1, 29),
    ]
    assert rule.dates_between(D(2026, 12, 1), D(2026, 12, 30), WEEKDAYS) == []


def test_months_limit_the_rule() -> None:
    rule = parse_finance_date("business-day 8").in_months(parse_months(["jan", "April", "JUL", 10]))
    assert rule.months == (1, 4, 7, 10)
    assert [d.month for d in rule.dates_between(D(2026, 1, 1), D(2026, 12, 31), WEEKDAYS)] == [1, 4, 7, 10]
    assert rule.describe() == "business day 8 of Jan, Apr, Jul, Oct"
    assert parse_finance_date("quarter-end").months == QUARTER_END_MONTHS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BD+3", "(did you mean 'business-day 3'?)"),
        ("BD-2", "write 'business-day -N' counting from the month's end"),
        ("last-busines-day", "(did you mean 'last-business-day'?)"),
        ("quater-end", "(did you mean 'quarter-end'?)"),
        ("buisness-day 4", "(did you mean 'business-day 4'?)"),
        ("business-day 0", "must be 1 to 23"),
        ("business-day 24", "must be 1 to 23"),
        ("monthly", "use one of: last-business-day, first-business-day, quarter-end"),
    ],
)
def test_unreadable_finance_dates_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(FinanceDateError) as caught:
        parse_finance_date(text)
    assert message in str(caught.value)


def test_spellings_are_forgiving_about_case_and_spaces() -> None:
    assert parse_finance_date("  Business-Day   -2 ") == FinanceDate(-2)
    assert parse_finance_date("last business day") == FinanceDate(-1)


@pytest.mark.parametrize(
    ("months", "message"),
    [(["JNA"], "did you mean 'JUN'?"), ([], "a list of month names"), ("JAN", "a list of month names"), ([13], "13")],
)
def test_bad_months(months, message: str) -> None:
    with pytest.raises(FinanceDateError, match=message.replace("?", r"\?")):
        parse_months(months)

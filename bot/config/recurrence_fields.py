"""The config fields of finance-date recurrences: ``on``, ``months`` and ``at``.

Each is read from YAML into a typed value, with the message a person editing
the file needs (what to write instead), and ``check_recurrence`` says which
keys go together. Errors come out of pydantic as value errors and are located
by the loader like any other (``file:line: key.path: message``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import PlainValidator

from bot.config.issues import describe_value
from bot.domain.finance_dates import ALL_MONTHS, FinanceDate, parse_finance_date, parse_months

DEFAULT_TIME = dt.time(9, 0)
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
EXAMPLES = "last-business-day, business-day 3, business-day -2 or quarter-end"


def _finance_date(value: Any) -> FinanceDate:
    if isinstance(value, FinanceDate):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a finance date such as {EXAMPLES}, got {describe_value(value)}")
    return parse_finance_date(value)


def _months(value: Any) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(month, int) for month in value):
        return parse_months(value) if value else ()
    return parse_months(value)


def _clock_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 9:30 as the base-60 number 570.
        hours, minutes = divmod(value, 60)
        raise ValueError(
            f'write the time in quotes, at: "{hours:02d}:{minutes:02d}" '
            f"(unquoted, YAML reads {hours}:{minutes:02d} as the number {value})"
        )
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'expected a 24-hour time in quotes such as "09:00", got {describe_value(value)}')
    return dt.time(int(match.group(1)), int(match.group(2)))


OnDate = Annotated[FinanceDate, PlainValidator(_finance_date)]
Months = Annotated[tuple[int, ...], PlainValidator(_months)]
ClockTime = Annotated[dt.time, PlainValidator(_clock_time)]


def check_recurrence(
    what: str,
    once: tuple[str, object],
    on: FinanceDate | None,
    months: tuple[int, ...],
    *,
    extras: dict[str, object],
    once_hint: str,
) -> None:
    """Raise ``ValueError`` unless exactly one of ``once`` (cron / date) and ``on`` is given, with its own keys."""
    once_key, once_value = once
    if once_value is None and on is None:
        raise ValueError(
            f"{what} needs `{once_key}` ({'a cron expression' if once_hint == 'cron' else 'a date, once'}) "
            f"or `on` (a finance date: {EXAMPLES})"
        )
    if once_value is not None and on is not None:
        raise ValueError(f"{what} takes `{once_key}` or `on`, not both")
    if on is None:
        given = [key for key, value in (("months", months), *extras.items()) if value]
        if given:
            raise ValueError(f"`{'`, `'.join(given)}` only go{'es' if len(given) == 1 else ''} with `on`")
    elif months and on.months != ALL_MONTHS:
        raise ValueError("quarter-end already means Mar, Jun, Sep and Dec: use `on: last-business-day` with `months`")

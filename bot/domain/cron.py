"""Five-field cron expressions, evaluated with APScheduler 3's ``CronTrigger``.

The trigger is used as a pure function ("the next fire time after t"); nothing
here starts a scheduler. Two deliberate departures from APScheduler's own
``from_crontab``:

* Day-of-week numbers follow crontab (0 and 7 are Sunday, 1 is Monday).
  APScheduler 3 treats 0 as Monday, so "1-5" would silently mean Tue-Sat; we
  translate numbers to day names before handing the field over.
* ``L`` in the day-of-month field means the last day of the month (APScheduler
  spells it ``last``).

Like APScheduler (and unlike classic cron), a restricted day-of-month AND a
restricted day-of-week must both match.

Daylight-saving time, in the schedule's own timezone:

* A wall-clock time that does not exist (02:30 on a spring-forward day in
  New York) fires once, at the instant that wall-clock time would have had
  with the previous offset, i.e. 03:30 local, as vixie cron does.
* A wall-clock time that happens twice (01:30 on a fall-back day) fires once,
  on its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

UTC = dt.UTC
_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_WEEKDAY_FULL_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_WEEKDAY_NUMBERS = {name: number for number, name in enumerate(_WEEKDAY_NAMES)}
_ONE_MICROSECOND = dt.timedelta(microseconds=1)
# A cron that cannot fire within this horizon (e.g. "0 9 30 2 *") is an error.
_NEVER_HORIZON = dt.timedelta(days=366 * 8 + 1)


class CronError(ValueError):
    """A cron expression or timezone that cannot be scheduled."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CronError(f"unknown timezone {name!r} (use an IANA name such as 'Europe/Berlin')") from exc


def normalise_cron(expr: str) -> str:
    """The expression with crontab weekday numbers turned into names, lower case."""
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(
            f"cron {expr!r} has {len(fields)} field{'' if len(fields) == 1 else 's'}; "
            "expected 5: minute hour day-of-month month day-of-week"
        )
    minute, hour, day, month, weekday = (field.lower() for field in fields)
    if day == "l":
        day = "last"
    return " ".join((minute, hour, day, month, _weekday_names(weekday, expr)))


def _weekday_names(field: str, expr: str) -> str:
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days.update(_weekday_part(part, expr))
    if len(days) == 7:
        return "*"
    # APScheduler lists start on Monday; order only matters for readability.
    return ",".join(_WEEKDAY_NAMES[d] for d in sorted(days, key=lambda d: (d - 1) % 7))


def _weekday_part(part: str, expr: str) -> set[int]:
    match = re.fullmatch(r"(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/(\d+))?", part)
    if not match:
        raise CronError(f"cron {expr!r}: cannot read day-of-week {part!r}")
    first, last, step = match.groups()
    if first == "*":
        start, end = 0, 6
    else:
        start = _weekday_number(first, expr)
        end = _weekday_number(last, expr) if last else (6 if step else start)
    stride = int(step) if step else 1
    if stride < 1:
        raise CronError(f"cron {expr!r}: step must be at least 1")
    if end == 0 and last is not None and start > 0:
        end = 7  # "5-0" / "fri-sun" style: 0 ends the week as Sunday
    if end < start:
        raise CronError(f"cron {expr!r}: day-of-week range {part!r} runs backwards")
    return {day % 7 for day in range(start, end + 1, stride)}


def _weekday_number(token: str, expr: str) -> int:
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise CronError(f"cron {expr!r}: day-of-week {number} is not 0-7 (0 and 7 are Sunday)")
        return 7 if number == 7 else number
    if token in _WEEKDAY_NUMBERS:
        return _WEEKDAY_NUMBERS[token]
    if token in _WEEKDAY_FULL_NAMES:
        return _WEEKDAY_FULL_NAMES.index(token)
    raise CronError(f"cron {expr!r}: unknown day {token!r} (use MON..SUN or 0-7)")


@lru_cache(maxsize=1024)
def cron_trigger(expr: str, timezone: str) -> CronTrigger:
    """A validated trigger; raises ``CronError`` with a readable message."""
    normalised = normalise_cron(expr)
    tz = zone(timezone)
    try:
        trigger = CronTrigger.from_crontab(normalised, timezone=tz)
    except ValueError as exc:
        raise CronError(f"cron {expr!r}: {exc}") from exc
    probe = dt.datetime(2024, 1, 1, tzinfo=UTC)  # a leap-year start, so Feb 29 crons validate
    first = trigger.get_next_fire_time(None, probe)
    if first is None or first - probe > _NEVER_HORIZON:
        raise CronError(f"cron {expr!r} never fires")
    return trigger


def validate_cron(expr: str, timezone: str = "UTC") -> None:
    cron_trigger(expr, timezone)


def _is_repeated_wall_time(moment: dt.datetime) -> bool:
    """True for the second pass of a wall-clock time repeated by a fall-back change."""
    if not moment.fold:
        return False
    return moment.replace(fold=0).utcoffset() != moment.utcoffset()


def cron_fire_times(expr: str, timezone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Fire times t with start < t <= end, as aware UTC datetimes, in order."""
    _require_aware(start, end)
    trigger = cron_trigger(expr, timezone)
    times: list[dt.datetime] = []
    cursor = start.astimezone(UTC)
    stop = end.astimezone(UTC)
    while True:
        nxt = trigger.get_next_fire_time(None, cursor + _ONE_MICROSECOND)
        if nxt is None:
            return times
        moment = nxt.astimezone(UTC)
        if moment > stop:
            return times
        if not _is_repeated_wall_time(nxt):
            times.append(moment)
        cursor = moment


def next_cron_fire_time(expr: str, timezone: str, after: dt.datetime) -> dt.datetime | None:
    """The first fire time strictly after ``after`` (UTC), skipping repeated wall times."""
    _require_aware(after)
    trigger = cron_trigger(expr, timezone)
    cursor = after.astimezone(UTC)
    while True:
        nxt = trigger.get_next_fire_time(None, cursor + _ONE_MICROSECOND)
        if nxt is None:
            return None
        if not _is_repeated_wall_time(nxt):
            return nxt.astimezone(UTC)
        cursor = nxt.astimezone(UTC)


def _require_aware(*moments: dt.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")

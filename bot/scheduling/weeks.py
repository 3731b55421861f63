"""ISO weeks in a timezone: what "2026-W47" and "last week" mean for a digest."""

from __future__ import annotations

import datetime as dt
import re

from bot.domain.cron import zone

UTC = dt.UTC
_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{2})", re.IGNORECASE)


class WeekError(ValueError):
    pass


def parse_iso_week(label: str, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """``2026-W47`` -> (Monday 00:00, next Monday 00:00) in ``timezone``, as UTC instants."""
    match = _ISO_WEEK.fullmatch(label.strip())
    if not match:
        raise WeekError(f"week {label!r} is not an ISO week such as 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WeekError(f"week {label!r} does not exist ({year} has no week {week})") from None
    return week_bounds(monday, timezone)


def week_bounds(monday: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = zone(timezone)
    start = dt.datetime.combine(monday, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_complete_week(at: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The latest Monday-to-Monday week (in ``timezone``) that ended at or before ``at``.

    A digest fired on Monday 09:00 reports the week that ended that midnight.
    """
    local_day = at.astimezone(zone(timezone)).date()
    this_monday = local_day - dt.timedelta(days=local_day.weekday())
    return week_bounds(this_monday - dt.timedelta(days=7), timezone)


def week_label(week_start: dt.datetime, timezone: str) -> str:
    year, week, _ = week_start.astimezone(zone(timezone)).date().isocalendar()
    return f"{year}-W{week:02d}"

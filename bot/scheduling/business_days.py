"""Business-day arithmetic: Monday to Friday, no holiday calendar.

Holidays differ per country and per company; a wrong holiday list is worse
than none, so weekends are the only non-business days. Times are counted on
the wall clock of the persona's timezone, so "one business day" after Friday
16:00 is Monday 16:00 there, even across a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt

from bot.config.models import BotConfig
from bot.domain.cron import zone

UTC = dt.UTC
_SATURDAY = 5


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < _SATURDAY


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The date ``count`` business days after ``day`` (Fri + 1 = Mon, Sat + 1 = Mon)."""
    if count < 0:
        return subtract_business_days(day, -count)
    while count:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def subtract_business_days(day: dt.date, count: int) -> dt.date:
    """The date ``count`` business days before ``day`` (Mon - 1 = Fri, Sun - 1 = Fri)."""
    if count < 0:
        return add_business_days(day, -count)
    while count:
        day -= dt.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def previous_business_day(day: dt.date) -> dt.date:
    """``day`` itself on a weekday, otherwise the Friday before it."""
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def ack_deadline(created_at: dt.datetime, business_days: float, timezone: str) -> dt.datetime:
    """When an acknowledgement window of ``business_days`` opened at ``created_at`` closes (UTC).

    Only weekday hours count (a business day is 24 weekday hours); a request
    made at the weekend starts its clock on Monday 00:00.
    """
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    tz = zone(timezone)
    cursor = created_at.astimezone(tz).replace(tzinfo=None)  # wall clock
    remaining = dt.timedelta(days=business_days)
    while True:
        if not is_business_day(cursor.date()):
            cursor = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time())
            continue
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time())
        left_today = midnight - cursor
        if remaining <= left_today:
            deadline = cursor + remaining
            break
        remaining -= left_today
        cursor = midnight
    return deadline.replace(tzinfo=tz).astimezone(UTC)


def ack_window_end(config: BotConfig, topic_id: str | None, persona_id: str, start: dt.datetime) -> dt.datetime:
    """When a request routed at ``start`` is overdue for acknowledgement.

    The topic's own window wins over the global one, and the persona's time
    zone over the routing default: "one business day" is the owner's day.
    """
    window = config.routing.acknowledgement.window_business_days
    if topic_id:
        try:
            window = config.topic(topic_id).ack_window_business_days or window
        except KeyError:
            pass
    timezone = config.routing.timezone
    try:
        timezone = config.persona(persona_id).timezone or timezone
    except KeyError:
        pass
    return ack_deadline(start, window, timezone)

"""Business-day arithmetic on a persona's calendar.

By default Monday to Friday are business days. A persona may name its public
holidays (``holidays: US``, ``holidays: DE-BY``) and weekend (``weekend: [FRI,
SAT]``); see ``bot.domain.calendars``. Times are counted on the wall clock of
the persona's timezone, so "one business day" after Friday 16:00 is Monday
16:00 there, even across a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt

from bot.config.models import BotConfig
from bot.domain.calendars import WEEKDAYS, BusinessCalendar
from bot.domain.cron import zone

UTC = dt.UTC


def is_business_day(day: dt.date, calendar: BusinessCalendar = WEEKDAYS) -> bool:
    return calendar.is_business_day(day)


def add_business_days(day: dt.date, count: int, calendar: BusinessCalendar = WEEKDAYS) -> dt.date:
    """The date ``count`` business days after ``day`` (Fri + 1 = Mon, Sat + 1 = Mon)."""
    if count < 0:
        return subtract_business_days(day, -count, calendar)
    while count:
        day += dt.timedelta(days=1)
        if calendar.is_business_day(day):
            count -= 1
    return day


def subtract_business_days(day: dt.date, count: int, calendar: BusinessCalendar = WEEKDAYS) -> dt.date:
    """The date ``count`` business days before ``day`` (Mon - 1 = Fri, Sun - 1 = Fri)."""
    if count < 0:
        return add_business_days(day, -count, calendar)
    while count:
        day -= dt.timedelta(days=1)
        if calendar.is_business_day(day):
            count -= 1
    return day


def previous_business_day(day: dt.date, calendar: BusinessCalendar = WEEKDAYS) -> dt.date:
    """``day`` itself on a business day, otherwise the last business day before it."""
    while not calendar.is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def reminder_date(
    due_date: dt.date, lead_days: int, business_days: bool, calendar: BusinessCalendar = WEEKDAYS
) -> dt.date:
    """Calendar days before the due date; with business days, moved back off a weekend or holiday.

    "90 days before the renewal" means about three months to a FinOps team, so
    leads are calendar days. Moving a weekend reminder to the Friday before
    (never after) keeps every reminder at least its lead time ahead.
    """
    day = due_date - dt.timedelta(days=lead_days)
    return previous_business_day(day, calendar) if business_days else day


def ack_deadline(
    created_at: dt.datetime, business_days: float, timezone: str, calendar: BusinessCalendar = WEEKDAYS
) -> dt.datetime:
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
        if not calendar.is_business_day(cursor.date()):
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
    zone and calendar (holidays, weekend) over the routing default: "one
    business day" is the owner's day.
    """
    window, timezone, calendar = _ack_terms(config, topic_id, persona_id)
    return ack_deadline(start, window, timezone, calendar)


# Per configuration (held here, so its id is not reused while cached): the window, time zone and calendar
# by (topic, persona). Every routed message needs them; looking the topic and persona up by id, and
# building the persona's calendar, took as long as the deadline itself.
_TERMS: dict[int, tuple[BotConfig, dict[tuple[str | None, str], tuple[float, str, BusinessCalendar]]]] = {}
_TERMS_CONFIGS = 4  # a reloaded configuration is a new object; the old ones are dropped past this many


def _ack_terms(config: BotConfig, topic_id: str | None, persona_id: str) -> tuple[float, str, BusinessCalendar]:
    cached = _TERMS.get(id(config))
    if cached is None or cached[0] is not config:
        if len(_TERMS) >= _TERMS_CONFIGS:
            _TERMS.clear()
        cached = _TERMS[id(config)] = (config, {})
    terms = cached[1].get((topic_id, persona_id))
    if terms is None:
        window = config.routing.acknowledgement.window_business_days
        if topic_id:
            try:
                window = config.topic(topic_id).ack_window_business_days or window
            except KeyError:
                pass
        timezone = config.routing.timezone
        calendar = WEEKDAYS
        try:
            persona = config.persona(persona_id)
            timezone = persona.timezone or timezone
            calendar = persona.calendar
        except KeyError:
            pass
        terms = cached[1][(topic_id, persona_id)] = (window, timezone, calendar)
    return terms

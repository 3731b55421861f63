"""Fire times of a finance-date schedule: a ``FinanceDate`` at a wall-clock time in a time zone.

A duty fires on the rule's days; a recurring calendar entry is *due* on them
and reminds ``lead_days`` before each due date (moved back to a business day,
as for dated entries). Daylight-saving time follows cron's rules
(``bot.domain.cron``): a wall-clock time skipped by a spring-forward change
fires at the instant it would have had with the previous offset (02:30 ->
03:30 in New York), and a repeated one fires once, on its first pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.calendars import WEEKDAYS, BusinessCalendar
from bot.domain.cron import zone
from bot.domain.finance_dates import FinanceDate
from bot.scheduling.business_days import reminder_date

UTC = dt.UTC
# A reminder moved back off non-business days lands at most this far before its lead date.
_LONGEST_CLOSURE = dt.timedelta(days=31)
# next_fire_time gives up after this long (a rule limited to months beyond `until` never fires).
_HORIZON_YEARS = 8


@dataclass(frozen=True)
class Recurrence:
    rule: FinanceDate
    at: dt.time = dt.time(9, 0)
    calendar: BusinessCalendar = WEEKDAYS
    # Reminders of a recurring calendar entry: this many calendar days before each due date...
    lead_days: int = 0
    # ...moved back to the business day before when they land on a non-business day.
    business_days: bool = True
    # Every lead of the same entry: a reminder that lands on the day of a more urgent one is dropped.
    sibling_leads: tuple[int, ...] = ()
    until: dt.date | None = None  # the last due date, if the recurrence ends

    def describe(self) -> str:
        return f"{self.rule.describe()} at {self.at:%H:%M}"

    def due_dates(self, first: dt.date, last: dt.date) -> list[dt.date]:
        if self.until is not None:
            last = min(last, self.until)
        return self.rule.dates_between(first, last, self.calendar) if first <= last else []

    def reminder_for(self, due: dt.date) -> dt.date | None:
        """The day this schedule reminds of ``due``; None when a more urgent lead takes that day."""
        day = self._lead_date(due, self.lead_days)
        if any(lead < self.lead_days and self._lead_date(due, lead) == day for lead in self.sibling_leads):
            return None
        return day

    def due_date_of(self, reminder: dt.date) -> dt.date | None:
        """The due date a reminder sent on ``reminder`` is about (the composer needs it; fire times do not say)."""
        first = reminder + dt.timedelta(days=self.lead_days)
        for due in self.due_dates(first, first + _LONGEST_CLOSURE):
            if self.reminder_for(due) == reminder:
                return due
        return None

    def fire_times_between(self, timezone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        """Fire times t with start < t <= end, aware and in UTC, in order."""
        tz = zone(timezone)
        first_day = start.astimezone(tz).date() - dt.timedelta(days=1)
        last_day = end.astimezone(tz).date() + dt.timedelta(days=1)
        lead = dt.timedelta(days=self.lead_days)
        times = []
        for due in self.due_dates(first_day + lead, last_day + lead + _LONGEST_CLOSURE):
            day = self.reminder_for(due)
            if day is None:
                continue
            moment = self.fire_time_on(day, tz)
            if start < moment <= end:
                times.append(moment)
        return sorted(set(times))

    def next_fire_time(self, timezone: str, after: dt.datetime) -> dt.datetime | None:
        cursor = after
        for _ in range(_HORIZON_YEARS * 4):
            window_end = cursor + dt.timedelta(days=92)
            found = self.fire_times_between(timezone, cursor, window_end)
            if found:
                return found[0]
            if self.until is not None and cursor.date() > self.until:
                return None
            cursor = window_end
        return None

    def fire_time_on(self, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
        # fold=0: a skipped wall time takes the offset before the change, a repeated one its first pass.
        return dt.datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)

    def _lead_date(self, due: dt.date, lead: int) -> dt.date:
        return reminder_date(due, lead, self.business_days, self.calendar)

"""What gets posted when: schedules derived from the configuration, and their occurrences.

Identity and exactly-once
-------------------------
An occurrence is ``(schedule, fire_time)``. The ticker claims it in the
database under two keys before posting, and posts only when it wins both:

* ``schedule.id`` (``duty:finance:month-end``): derived from config ids, so a
  reload that keeps the ids, even one that edits a duty's text or cron,
  cannot post an occurrence twice;
* ``schedule.content_key``: a fingerprint of what is posted and to whom
  (kind, recipients, channel, text, calendar facts), deliberately without the
  id, cron or timezone, so renaming a duty or calendar entry cannot post an
  occurrence twice either.

Whoever holds the content claim has also won its id claim and posts, so the
pair never loses a post. Renaming *and* rewording a duty in one reload makes
it a new reminder; it then posts on its own schedule like any new duty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from bot.config.models import BotConfig, CalendarEntry, Owners
from bot.domain.calendars import WEEKDAYS, BusinessCalendar
from bot.domain.cron import CronError, cron_fire_times, next_cron_fire_time, validate_cron, zone
from bot.domain.finance_dates import FinanceDate
from bot.scheduling.business_days import reminder_date
from bot.scheduling.recurrence import Recurrence

UTC = dt.UTC
ScheduleKind = Literal["duty", "calendar", "digest", "nudge-sweep", "retention-prune"]

CALENDAR_POST_TIME = dt.time(9, 0)
NUDGE_SWEEP_CRON = "*/15 * * * *"
# Daily, at a quiet hour of the routing time zone: drops what the retention settings no longer keep.
RETENTION_PRUNE_CRON = "40 3 * * *"
DEFAULT_MISSED_LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class CalendarReminder:
    """One lead-time reminder of a recurring calendar entry: each occurrence has its own dates."""

    entry_id: str
    name: str
    lead_days: int
    is_last_step: bool
    note: str = ""

    def on(self, due_date: dt.date, reminder_date: dt.date) -> CalendarStep:
        return CalendarStep(
            self.entry_id, self.name, due_date, self.lead_days, reminder_date, self.is_last_step, self.note
        )


@dataclass(frozen=True)
class CalendarStep:
    """One lead-time reminder of a calendar entry, on its date."""

    entry_id: str
    name: str
    due_date: dt.date
    lead_days: int
    reminder_date: dt.date
    is_last_step: bool
    note: str = ""


@dataclass(frozen=True)
class Schedule:
    id: str
    kind: ScheduleKind
    timezone: str
    cron: str | None = None
    fire_at: tuple[dt.datetime, ...] = ()  # explicit aware instants, when there is no cron
    recurrence: Recurrence | None = None  # a finance date (business day N, month end...), instead of a cron
    recipients: tuple[str, ...] = ()  # persona ids whose channels receive the post
    channel: str | None = None  # an explicit channel instead of the recipients' (the digest)
    subject: str | None = None  # the persona the post is about (its requests, its digest)
    text: str = ""
    title: str = ""  # one line for listings and logs
    # A calendar reminder: a dated entry's step, or a recurring entry's (see Occurrence.calendar_step).
    calendar: CalendarStep | CalendarReminder | None = None
    # False for sweeps: only the newest due occurrence runs; older ones are
    # neither caught up nor recorded as missed.
    catch_up: bool = True

    def __post_init__(self) -> None:
        if [self.cron is not None, bool(self.fire_at), self.recurrence is not None].count(True) != 1:
            raise ValueError(f"schedule {self.id!r}: give exactly one of cron, fire_at and recurrence")
        for moment in self.fire_at:
            if moment.tzinfo is None:
                raise ValueError(f"schedule {self.id!r}: fire_at must be timezone-aware")

    @property
    def content_key(self) -> str:
        facts = {
            "kind": self.kind,
            "recipients": sorted(self.recipients),
            "channel": self.channel,
            "subject": self.subject,
            "text": " ".join(self.text.split()).casefold(),
            "calendar": None
            if self.calendar is None
            else [self.calendar.name.casefold(), self._due_key(self.calendar), self.calendar.lead_days],
        }
        digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]
        return f"content:{self.kind}:{digest}"

    def _due_key(self, step: CalendarStep | CalendarReminder) -> str:
        # A recurring entry is due on its rule; the fire time that goes with the key tells the occurrences apart.
        if isinstance(step, CalendarStep):
            return step.due_date.isoformat()
        return self.recurrence.rule.describe() if self.recurrence is not None else ""


@dataclass(frozen=True, order=True)
class Occurrence:
    fire_time: dt.datetime  # aware, UTC
    schedule: Schedule = field(compare=False)

    @property
    def key(self) -> tuple[str, dt.datetime]:
        return (self.schedule.id, self.fire_time)

    def local_fire_time(self) -> dt.datetime:
        return self.fire_time.astimezone(zone(self.schedule.timezone))

    def calendar_step(self) -> CalendarStep | None:
        """The calendar reminder of this occurrence, with the due date it leads to."""
        step, recurrence = self.schedule.calendar, self.schedule.recurrence
        if step is None or isinstance(step, CalendarStep):
            return step
        if recurrence is None:
            return None
        day = self.local_fire_time().date()
        due = recurrence.due_date_of(day)
        return None if due is None else step.on(due, day)


class DueOccurrences(NamedTuple):
    due: list[Occurrence]
    missed: list[Occurrence]


class ScheduleConfigError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


# --- fire times -------------------------------------------------------------------------


def fire_times_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Fire times t with start < t <= end, aware and in UTC, in order."""
    if schedule.cron is not None:
        return cron_fire_times(schedule.cron, schedule.timezone, start, end)
    if schedule.recurrence is not None:
        return schedule.recurrence.fire_times_between(schedule.timezone, start, end)
    return sorted(t.astimezone(UTC) for t in schedule.fire_at if start < t <= end)


def next_fire_time(schedule: Schedule, after: dt.datetime) -> dt.datetime | None:
    """The first fire time strictly after ``after`` (UTC), or None if there is none."""
    if schedule.cron is not None:
        return next_cron_fire_time(schedule.cron, schedule.timezone, after)
    if schedule.recurrence is not None:
        return schedule.recurrence.next_fire_time(schedule.timezone, after)
    later = [t.astimezone(UTC) for t in schedule.fire_at if t > after]
    return min(later) if later else None


def due_occurrences(
    schedules: Iterable[Schedule],
    now: dt.datetime,
    grace: dt.timedelta,
    *,
    last_run: dt.datetime | None = None,
    missed_lookback: dt.timedelta = DEFAULT_MISSED_LOOKBACK,
) -> DueOccurrences:
    """Occurrences to post now, and occurrences that are too late to post.

    ``due``: fire time in (now - grace, now]. The whole grace window is
    returned on every call; claims make repeats harmless, which is what lets
    a restarted process (or a schedule added by a reload) catch up.

    ``missed``: fire time in (lower, now - grace], where lower is
    ``last_run - grace`` (the slice that left the grace window since the
    previous call) or, on a process's first call, ``now - missed_lookback``.
    They are to be recorded as skipped, once, through the same claims.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    horizon = now - grace
    lower = now - missed_lookback if last_run is None else min(last_run.astimezone(UTC), now) - grace
    due: list[Occurrence] = []
    missed: list[Occurrence] = []
    for schedule in schedules:
        in_grace = [Occurrence(t, schedule) for t in fire_times_between(schedule, horizon, now)]
        if not schedule.catch_up:
            due.extend(in_grace[-1:])
            continue
        due.extend(in_grace)
        if lower < horizon:
            missed.extend(Occurrence(t, schedule) for t in fire_times_between(schedule, lower, horizon))
    due.sort()
    missed.sort()
    return DueOccurrences(due, missed)


# --- from configuration -----------------------------------------------------------------


def schedules_from_config(
    config: BotConfig, *, nudge_sweep_cron: str | None = NUDGE_SWEEP_CRON
) -> tuple[Schedule, ...]:
    """Every schedule the configuration implies. Raises ``ScheduleConfigError`` listing all problems."""
    problems = list(schedule_problems(config, nudge_sweep_cron=nudge_sweep_cron))
    if problems:
        raise ScheduleConfigError(problems)
    routing = config.routing
    schedules: list[Schedule] = []
    for persona in config.personas.personas:
        for duty in persona.duties:
            rule = duty.finance_date
            schedules.append(
                Schedule(
                    id=f"duty:{persona.id}:{duty.id}",
                    kind="duty",
                    timezone=duty.timezone or persona.timezone or routing.timezone,
                    cron=duty.schedule,
                    recurrence=None if rule is None else Recurrence(rule, duty.time_of_day, persona.calendar),
                    recipients=(persona.id,),
                    subject=persona.id,
                    text=duty.text,
                    title=f"{persona.name}: {duty.id}",
                )
            )
    for entry in routing.calendar:
        schedules.extend(calendar_schedules(config, entry))
    digest = routing.digest
    digest_tz = digest.timezone or routing.timezone
    schedules.append(
        Schedule(
            id="digest:weekly",
            kind="digest",
            timezone=digest_tz,
            cron=digest.schedule,
            channel=digest.channel,
            title=f"Weekly digest to {digest.channel}",
        )
    )
    if digest.per_persona:
        for persona in config.personas.personas:
            if persona.slack.channel:
                schedules.append(
                    Schedule(
                        id=f"digest:persona:{persona.id}",
                        kind="digest",
                        timezone=digest_tz,
                        cron=digest.schedule,
                        channel=persona.slack.channel,
                        subject=persona.id,
                        title=f"Weekly digest for {persona.name} to {persona.slack.channel}",
                    )
                )
    if nudge_sweep_cron:
        schedules.append(
            Schedule(
                id="nudge:sweep",
                kind="nudge-sweep",
                timezone=routing.timezone,
                cron=nudge_sweep_cron,
                title="Acknowledgement nudges (requests past their window)",
                catch_up=False,
            )
        )
        # Housekeeping of the same kind (the bot's own, not configured): where the sweep runs, so does the prune.
        schedules.append(
            Schedule(
                id="retention:prune",
                kind="retention-prune",
                timezone=routing.timezone,
                cron=RETENTION_PRUNE_CRON,
                title="Retention: prune old event ids, sent deliveries, schedule claims and closed requests",
                catch_up=False,
            )
        )
    return tuple(schedules)


def schedule_problems(config: BotConfig, *, nudge_sweep_cron: str | None = NUDGE_SWEEP_CRON) -> tuple[str, ...]:
    """Readable problems with the schedules in a configuration (bad cron, bad timezone)."""
    routing = config.routing
    problems: list[str] = []

    def check(where: str, cron: str | None, timezone: str) -> None:
        try:
            if cron is None:
                zone(timezone)
            else:
                validate_cron(cron, timezone)
        except CronError as exc:
            problems.append(f"{where}: {exc}")

    check("routing.timezone", None, routing.timezone)
    for persona in config.personas.personas:
        for duty in persona.duties:
            check(
                f"personas[{persona.id}].duties[{duty.id}]",
                duty.schedule,
                duty.timezone or persona.timezone or routing.timezone,
            )
    check("routing.digest", routing.digest.schedule, routing.digest.timezone or routing.timezone)
    if nudge_sweep_cron:
        check("nudge sweep", nudge_sweep_cron, routing.timezone)
    return tuple(problems)


def calendar_owners(config: BotConfig, entry: CalendarEntry) -> Owners:
    if entry.owners is not None:
        return entry.owners
    if entry.topic is not None:
        try:
            return config.topic(entry.topic).owners
        except KeyError:
            pass
    return Owners(responsible=(config.routing.fallback_persona,))


def calendar_steps(entry: CalendarEntry, calendar: BusinessCalendar = WEEKDAYS) -> tuple[CalendarStep, ...]:
    """Lead steps, earliest first; steps that land on the same day keep only the most urgent.

    ``calendar``: the responsible persona's, so a reminder never lands on their holiday or weekend.
    """
    by_date: dict[dt.date, int] = {}
    if entry.date is None:
        return ()
    for lead in sorted(set(entry.lead_days), reverse=True):
        when = reminder_date(entry.date, lead, entry.business_days, calendar)
        by_date[when] = min(lead, by_date.get(when, lead))
    last_lead = min(by_date.values()) if by_date else None
    return tuple(
        CalendarStep(
            entry_id=entry.id,
            name=entry.name,
            due_date=entry.date,
            lead_days=lead,
            reminder_date=when,
            is_last_step=lead == last_lead,
            note=entry.note,
        )
        for when, lead in sorted(by_date.items())
    )


def calendar_schedules(config: BotConfig, entry: CalendarEntry) -> tuple[Schedule, ...]:
    owners = calendar_owners(config, entry)
    responsible = owners.responsible or (config.routing.fallback_persona,)
    timezone = _persona_timezone(config, responsible[0])
    if entry.finance_date is not None:
        return _recurring_calendar_schedules(entry, entry.finance_date, owners, responsible, timezone, config)
    tz = zone(timezone)
    schedules = []
    for step in calendar_steps(entry, _persona_calendar(config, responsible[0])):
        recipients = tuple(dict.fromkeys(responsible + (owners.accountable if step.is_last_step else ())))
        fire = dt.datetime.combine(step.reminder_date, CALENDAR_POST_TIME, tzinfo=tz).astimezone(UTC)
        schedules.append(
            Schedule(
                id=f"calendar:{entry.id}:{step.lead_days}d",
                kind="calendar",
                timezone=timezone,
                fire_at=(fire,),
                recipients=recipients,
                subject=responsible[0],
                text=entry.note,
                title=f"{entry.name} ({step.due_date.isoformat()}), {_days(step.lead_days)} ahead",
                calendar=step,
            )
        )
    return tuple(schedules)


def _recurring_calendar_schedules(
    entry: CalendarEntry,
    rule: FinanceDate,
    owners: Owners,
    responsible: tuple[str, ...],
    timezone: str,
    config: BotConfig,
) -> tuple[Schedule, ...]:
    """One schedule per lead; each fires before every due date of the rule, on the responsible persona's days."""
    leads = tuple(sorted(set(entry.lead_days), reverse=True))
    calendar = _persona_calendar(config, responsible[0])
    schedules = []
    for lead in leads:
        is_last = lead == leads[-1]
        recurrence = Recurrence(rule, CALENDAR_POST_TIME, calendar, lead, entry.business_days, leads, entry.until)
        schedules.append(
            Schedule(
                id=f"calendar:{entry.id}:{lead}d",
                kind="calendar",
                timezone=timezone,
                recurrence=recurrence,
                recipients=tuple(dict.fromkeys(responsible + (owners.accountable if is_last else ()))),
                subject=responsible[0],
                text=entry.note,
                title=f"{entry.name} ({rule.describe()}), {_days(lead)} ahead",
                calendar=CalendarReminder(entry.id, entry.name, lead, is_last, entry.note),
            )
        )
    return tuple(schedules)


def _persona_calendar(config: BotConfig, persona_id: str) -> BusinessCalendar:
    try:
        return config.persona(persona_id).calendar
    except KeyError:
        return WEEKDAYS


def _persona_timezone(config: BotConfig, persona_id: str) -> str:
    try:
        return config.persona(persona_id).timezone or config.routing.timezone
    except KeyError:
        return config.routing.timezone


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"

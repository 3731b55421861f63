"""The ticker: each tick posts the occurrences that are due, each exactly once.

APScheduler 3 is only the timer (``start_timer``); everything a tick decides
comes from ``due_occurrences`` with ``now = clock()``, and every occurrence is
claimed through the database before anything is posted, so two scheduler
processes on one PostgreSQL post it once between them.

Grace and restarts: an occurrence is due for ``grace`` after its fire time
(never less than ``timer_tolerance``, the timer's own lateness). A process
that starts inside the window posts it (unless another process already
claimed it); one that starts later claims it as ``skipped`` and warns, so
the record shows why nothing was posted. A schedule with no recorded occurrence
at all (a new install, a duty just added) missed nothing: its earlier fire times
are recorded the same way, with one INFO line. A failure while composing or
posting marks the occurrence skipped (note "failed: ...") and is not retried: a second post is
worse than a missing one, and the log says which.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from bot.scheduling.schedules import DEFAULT_MISSED_LOOKBACK, Occurrence, Schedule, due_occurrences

log = logging.getLogger(__name__)
UTC = dt.UTC

# The claim table knows 'claimed', 'posted' and 'skipped'; a failure is a skip whose note says so.
STATUS_POSTED = "posted"
STATUS_SKIPPED = "skipped"
DEFAULT_TIMER_TOLERANCE = dt.timedelta(minutes=2)
SKIPPED_LISTED = 10

Message = Mapping[str, Any]  # {"channel", "text", "blocks"}
Poster = Callable[[Message], object]
# Builds the messages for one occurrence; [] means there is nothing to post.
Composer = Callable[[Occurrence, dt.datetime], Sequence[Message]]
SchedulesProvider = Callable[[], Iterable[Schedule]]


class OccurrenceClaims(Protocol):
    def claim_occurrence(self, schedule_id: str, fire_time: dt.datetime, claimed_by: str, now: dt.datetime) -> bool:
        """True only for the first claimer of (schedule_id, fire_time), across processes."""

    def mark_occurrence(
        self, schedule_id: str, fire_time: dt.datetime, status: str, note: str | None = None
    ) -> None: ...

    def last_occurrence(self, schedule_id: str) -> object | None:
        """The schedule's latest recorded occurrence, None when it has none (retention keeps the latest)."""


class Claim(Enum):
    WON = "won"
    TAKEN = "taken"  # this schedule's occurrence was already handled
    DUPLICATE = "duplicate"  # the same content was already handled under another schedule id


@dataclass
class TickReport:
    now: dt.datetime
    posted: list[Occurrence] = field(default_factory=list)
    skipped: list[Occurrence] = field(default_factory=list)  # missed, recorded as skipped
    duplicates: list[Occurrence] = field(default_factory=list)  # renamed schedules, already posted
    already_claimed: list[Occurrence] = field(default_factory=list)
    failed: list[Occurrence] = field(default_factory=list)
    unhandled: list[Occurrence] = field(default_factory=list)  # no composer for the kind


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Ticker:
    def __init__(
        self,
        schedules_provider: SchedulesProvider,
        claims: OccurrenceClaims,
        poster: Poster,
        composers: Mapping[str, Composer],
        *,
        clock: Callable[[], dt.datetime],
        worker_id: str | None = None,
        grace: dt.timedelta = dt.timedelta(minutes=60),
        timer_tolerance: dt.timedelta = DEFAULT_TIMER_TOLERANCE,
        missed_lookback: dt.timedelta = DEFAULT_MISSED_LOOKBACK,
    ) -> None:
        self._schedules_provider = schedules_provider
        self._claims = claims
        self._poster = poster
        self._composers = dict(composers)
        self._clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.grace = max(grace, timer_tolerance)
        self._missed_lookback = max(missed_lookback, self.grace)
        self._last_run: dt.datetime | None = None
        # Occurrences this process has already settled, so repeated ticks over
        # the grace window do not hit the database again. The claims stay the truth.
        self._settled: set[tuple[str, dt.datetime]] = set()
        # Schedules with occurrences in the claim table: only their missed occurrences were really missed.
        self._recorded: set[str] = set()
        self._warned_kinds: set[str] = set()
        # Told each tick's report (the composition root counts occurrences for /metrics).
        self.on_report: Callable[[TickReport], None] | None = None

    def tick(self, now: dt.datetime | None = None) -> TickReport:
        now = (now or self._clock()).astimezone(UTC)
        report = TickReport(now=now)
        try:
            schedules = tuple(self._schedules_provider())
        except Exception:
            log.exception("scheduler: could not load schedules; nothing posted this tick")
            return report
        due, missed = due_occurrences(
            schedules, now, self.grace, last_run=self._last_run, missed_lookback=self._missed_lookback
        )
        # A schedule with nothing recorded is new to this database (a fresh install, a duty just added):
        # its fire times before now were never due here, so they are recorded, quietly, not warned about.
        new = self._new_schedules(
            {occurrence.schedule.id for occurrence in missed if occurrence.key not in self._settled}
        )
        for occurrence in missed:
            self._record_missed(occurrence, now, report, new=occurrence.schedule.id in new)
        missed_here = [o for o in report.skipped if o.schedule.id not in new]
        if missed_here:
            self._log_skipped(missed_here)
        if len(missed_here) < len(report.skipped):
            log.info(
                "scheduler: %d schedule(s) new to this database; their %d fire time(s) of the last %.3g day(s) recorded "
                "as before the schedule was installed, not posted",
                len(new),
                len(report.skipped) - len(missed_here),
                self._missed_lookback / dt.timedelta(days=1),
            )
        for occurrence in due:
            self._post(occurrence, now, report)
        self._last_run = now if self._last_run is None else max(self._last_run, now)
        self._forget_before(now - self._missed_lookback - self.grace)
        if self.on_report is not None:
            self.on_report(report)
        return report

    # --- one occurrence -------------------------------------------------------------

    def _post(self, occurrence: Occurrence, now: dt.datetime, report: TickReport) -> None:
        if occurrence.key in self._settled:
            return
        composer = self._composers.get(occurrence.schedule.kind)
        if composer is None:
            # Left unclaimed so a process that can handle the kind still may.
            if occurrence.schedule.kind not in self._warned_kinds:
                log.warning("scheduler: no handler for %s schedules; not posting them", occurrence.schedule.kind)
                self._warned_kinds.add(occurrence.schedule.kind)
            report.unhandled.append(occurrence)
            return
        if not self._settle_claim(occurrence, now, report):
            return
        schedule = occurrence.schedule
        try:
            messages = list(composer(occurrence, now))
            for message in messages:
                self._poster(message)
        except Exception as exc:
            log.exception("scheduler: %s at %s failed; not retried", schedule.id, occurrence.fire_time.isoformat())
            self._mark(occurrence, STATUS_SKIPPED, f"failed: {type(exc).__name__}: {exc}"[:500])
            report.failed.append(occurrence)
            return
        if messages:
            self._mark(occurrence, STATUS_POSTED, f"{len(messages)} message(s) by {self.worker_id}")
        else:
            self._mark(occurrence, STATUS_SKIPPED, "nothing to post")
        log.info("scheduler: posted %s for %s", schedule.id, occurrence.fire_time.isoformat())
        report.posted.append(occurrence)

    def _new_schedules(self, schedule_ids: set[str]) -> set[str]:
        new = set()
        for schedule_id in schedule_ids - self._recorded:
            if self._claims.last_occurrence(schedule_id) is None:
                new.add(schedule_id)
            else:
                self._recorded.add(schedule_id)
        return new

    def _record_missed(self, occurrence: Occurrence, now: dt.datetime, report: TickReport, *, new: bool) -> None:
        if occurrence.key in self._settled:
            return
        if not self._settle_claim(occurrence, now, report):
            return
        late = now - occurrence.fire_time
        if new:
            note = "not posted: before this schedule's first run on this database (a new install or schedule)"
        else:
            note = f"missed: {late} after its fire time, beyond the {self.grace} grace period"
        self._mark(occurrence, STATUS_SKIPPED, note)
        # A new schedule's earlier fire times are summed up in one line per tick; each is only detail.
        log.log(
            logging.DEBUG if new else logging.INFO,
            "scheduler: skipped %s for %s (%s)",
            occurrence.schedule.id,
            occurrence.fire_time.isoformat(),
            note,
        )
        report.skipped.append(occurrence)

    def _log_skipped(self, skipped: Sequence[Occurrence]) -> None:
        """One warning per tick: a restart after a long outage can miss hundreds."""
        listed = ", ".join(f"{o.schedule.id}@{o.fire_time:%Y-%m-%dT%H:%MZ}" for o in skipped[:SKIPPED_LISTED])
        more = f" and {len(skipped) - SKIPPED_LISTED} more" if len(skipped) > SKIPPED_LISTED else ""
        log.warning(
            "scheduler: skipped %d occurrence(s) missed by more than the %s grace period: %s%s",
            len(skipped),
            self.grace,
            listed,
            more,
        )

    def _settle_claim(self, occurrence: Occurrence, now: dt.datetime, report: TickReport) -> bool:
        """Claim the occurrence; True when this process must act on it."""
        self._settled.add(occurrence.key)
        outcome = self._claim(occurrence, now)
        if outcome is Claim.TAKEN:
            report.already_claimed.append(occurrence)
            return False
        if outcome is Claim.DUPLICATE:
            self._claims.mark_occurrence(
                occurrence.schedule.id,
                occurrence.fire_time,
                STATUS_SKIPPED,
                f"same content already handled as {occurrence.schedule.content_key} (renamed schedule)",
            )
            report.duplicates.append(occurrence)
            return False
        return True

    def _claim(self, occurrence: Occurrence, now: dt.datetime) -> Claim:
        schedule = occurrence.schedule
        if not self._claims.claim_occurrence(schedule.id, occurrence.fire_time, self.worker_id, now):
            return Claim.TAKEN
        if not self._claims.claim_occurrence(schedule.content_key, occurrence.fire_time, self.worker_id, now):
            return Claim.DUPLICATE
        return Claim.WON

    def _mark(self, occurrence: Occurrence, status: str, note: str) -> None:
        for key in (occurrence.schedule.id, occurrence.schedule.content_key):
            try:
                self._claims.mark_occurrence(key, occurrence.fire_time, status, note)
            except Exception:
                log.exception("scheduler: could not record %s for %s", status, key)

    def _forget_before(self, cutoff: dt.datetime) -> None:
        self._settled = {key for key in self._settled if key[1] >= cutoff}


def start_timer(ticker: Ticker, interval_seconds: float = 30, *, scheduler: Any | None = None) -> Any:
    """Run ``ticker.tick`` every ``interval_seconds`` on an APScheduler 3 BackgroundScheduler.

    The job coalesces and never overlaps itself; a tick missed by more than
    the interval is dropped, the next one catches up through the grace window.
    Returns the started scheduler; call ``.shutdown()`` to stop.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    background = scheduler or BackgroundScheduler(timezone=UTC)
    background.add_job(
        _safe_tick,
        IntervalTrigger(seconds=interval_seconds, timezone=UTC),
        args=(ticker,),
        id="finops-bot-ticker",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(1, int(interval_seconds)),
        next_run_time=dt.datetime.now(UTC),
    )
    background.start()
    return background


def _safe_tick(ticker: Ticker) -> None:
    try:
        ticker.tick()
    except Exception:
        log.exception("scheduler: tick failed")

"""Fakes for the scheduler's seams (claims, requests, digest data, poster) and a small config."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from bot.config.models import (
    BotConfig,
    CalendarEntry,
    DigestConfig,
    Duty,
    Owners,
    Persona,
    PersonasFile,
    RoutingFile,
    SchedulerConfig,
    SlackTargets,
    Topic,
)
from bot.domain.digest import DigestData, RequestRef

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


class FakeClaims:
    """The claim table in memory; a lock makes claiming atomic like a unique key would."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: dict[tuple[str, dt.datetime], dict] = {}

    def claim_occurrence(self, schedule_id: str, fire_time: dt.datetime, claimed_by: str, now: dt.datetime) -> bool:
        assert fire_time.tzinfo is not None and now.tzinfo is not None
        with self._lock:
            key = (schedule_id, fire_time)
            if key in self.rows:
                return False
            self.rows[key] = {"claimed_by": claimed_by, "status": "claimed", "note": ""}
            return True

    def mark_occurrence(self, schedule_id: str, fire_time: dt.datetime, status: str, note: str | None = None) -> None:
        assert status in ("claimed", "posted", "skipped"), status  # what the real claim table accepts
        with self._lock:
            row = self.rows[(schedule_id, fire_time)]
            row["status"] = status
            row["note"] = note

    def last_occurrence(self, schedule_id: str) -> dict | None:
        with self._lock:
            fire_times = [fire for (schedule, fire) in self.rows if schedule == schedule_id]
            return self.rows[(schedule_id, max(fire_times))] if fire_times else None

    def status(self, schedule_id: str, fire_time: dt.datetime) -> str | None:
        row = self.rows.get((schedule_id, fire_time))
        return None if row is None else row["status"]


class FakeStore(FakeClaims):
    """Claims, open requests and digest data in one object, standing in for each store of ``Storage``."""

    def __init__(self, open_by_persona: dict[str, list[RequestRef]] | None = None, digest: DigestData | None = None):
        super().__init__()
        self.open_by_persona = open_by_persona or {}
        self.digest_result = digest
        self.digest_calls: list[tuple[dt.datetime, dt.datetime, str]] = []

    @property
    def schedule_claims(self) -> FakeStore:
        return self

    @property
    def requests(self) -> FakeStore:
        return self

    @property
    def digest(self) -> FakeStore:
        return self

    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> list[RequestRef]:
        found = [r for p in (personas or self.open_by_persona) for r in self.open_by_persona.get(p, [])]
        return found[:limit]

    def count_open(self, personas: Sequence[str] | None = None) -> int:
        return len(self.open_requests(personas, limit=10**9))

    def digest_data(self, week_start: dt.datetime, week_end: dt.datetime, fallback_persona: str) -> DigestData:
        self.digest_calls.append((week_start, week_end, fallback_persona))
        if self.digest_result is not None:
            return self.digest_result
        return DigestData(week_start, week_end, 0, 0, (0,) * 7, ())


class RecordingPoster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[dict] = []

    def __call__(self, message) -> None:
        with self._lock:
            self.messages.append(dict(message))


def make_config(
    *,
    duties: Sequence[Duty] = (),
    persona_timezone: str | None = None,
    routing_timezone: str = "UTC",
    calendar: Sequence[CalendarEntry] = (),
    digest: DigestConfig | None = None,
    grace_minutes: float = 60,
    persona_holidays: str | None = None,
    persona_weekend: tuple[str, ...] = ("SAT", "SUN"),
) -> BotConfig:
    personas = (
        Persona(
            id="finance",
            name="Finance",
            kind="core",
            summary="Budgets and forecasts.",
            slack=SlackTargets(channel="#finops-finance", usergroup="@finops-finance", people=("U0FIN",)),
            timezone=persona_timezone,
            duties=tuple(duties),
            holidays=persona_holidays,
            weekend=persona_weekend,
        ),
        Persona(
            id="engineering",
            name="Engineering",
            kind="core",
            summary="Builds and runs things.",
            slack=SlackTargets(channel="#finops-eng"),
        ),
        Persona(
            id="leadership",
            name="Leadership",
            kind="core",
            summary="Decides.",
            slack=SlackTargets(channel="#finops-leadership"),
        ),
        Persona(id="finops-practitioner", name="FinOps Practitioner", kind="core", summary="Runs the practice."),
    )
    routing = RoutingFile(
        timezone=routing_timezone,
        digest=digest or DigestConfig(),
        scheduler=SchedulerConfig(grace_minutes=grace_minutes),
        calendar=tuple(calendar),
        topics=(
            Topic(
                id="commitments",
                name="Commitments",
                terms=("reserved instance",),
                owners=Owners(responsible=("finance",), accountable=("leadership",)),
            ),
        ),
    )
    return BotConfig(personas=PersonasFile(personas=personas), routing=routing, source_dir="/nowhere")


def tick_at_once(tickers: Sequence, *, start_timeout: float, join_timeout: float) -> list:
    """Each ticker's ``tick()`` on its own thread, all released together, as racing schedulers do.

    Returns the reports; an error raised in a thread is surfaced here rather than lost with it.
    """
    start = threading.Barrier(len(tickers))
    reports: list = []
    errors: list[BaseException] = []

    def run(ticker) -> None:
        try:
            start.wait(timeout=start_timeout)
            reports.append(ticker.tick())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(ticker,)) for ticker in tickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return reports

"""Schedule occurrences: each firing of a schedule claimed by exactly one process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from bot.domain.clock import as_utc
from bot.domain.schedules import OCCURRENCE_STATUSES, OccurrenceRow
from bot.storage.database import Database, view
from bot.storage.models import schedule_claims


class ScheduleClaims:
    """Claims of schedule occurrences, shared by every scheduler process."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def claim_occurrence(self, schedule_id: str, fire_time: dt.datetime, claimed_by: str, now: dt.datetime) -> bool:
        """Claim one occurrence of a schedule; True for exactly one claimer across processes."""
        now = as_utc(now)
        fire_time = as_utc(fire_time, "fire_time")

        def attempt() -> bool:
            with self._db.write() as connection:
                return self._db.insert_ignoring_conflict(
                    connection,
                    schedule_claims,
                    {
                        "schedule_id": schedule_id,
                        "fire_time": fire_time,
                        "claimed_at": now,
                        "claimed_by": claimed_by,
                        "status": "claimed",
                    },
                )

        return self._db.retrying(attempt, "claim occurrence")

    def mark_occurrence(self, schedule_id: str, fire_time: dt.datetime, status: str, note: str | None = None) -> None:
        """Record what became of a claimed occurrence: 'posted' or 'skipped' (with why)."""
        if status not in OCCURRENCE_STATUSES:
            raise ValueError(f"occurrence status must be one of {OCCURRENCE_STATUSES}, got {status!r}")
        fire_time = as_utc(fire_time, "fire_time")

        def attempt() -> None:
            with self._db.write() as connection:
                connection.execute(
                    update(schedule_claims)
                    .where(schedule_claims.c.schedule_id == schedule_id, schedule_claims.c.fire_time == fire_time)
                    .values(status=status, note=note)
                )

        self._db.retrying(attempt, "mark occurrence")

    def occurrence(self, schedule_id: str, fire_time: dt.datetime) -> OccurrenceRow | None:
        fire_time = as_utc(fire_time, "fire_time")
        with self._db.read() as connection:
            row = connection.execute(
                select(schedule_claims).where(
                    schedule_claims.c.schedule_id == schedule_id, schedule_claims.c.fire_time == fire_time
                )
            ).first()
        return view(OccurrenceRow, row) if row else None

    def last_occurrence(self, schedule_id: str) -> OccurrenceRow | None:
        """The latest claimed occurrence of a schedule (to find what was missed while down)."""
        with self._db.read() as connection:
            row = connection.execute(
                select(schedule_claims)
                .where(schedule_claims.c.schedule_id == schedule_id)
                .order_by(schedule_claims.c.fire_time.desc())
                .limit(1)
            ).first()
        return view(OccurrenceRow, row) if row else None

    # -- feedback and audit

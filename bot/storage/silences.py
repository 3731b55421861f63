"""The silences aggregate: silences and the alerts they muted.

Every instance reads the same rows, so a silence set anywhere applies
everywhere at once and outlives restarts; expiry is a time compared on read,
nothing has to run for a silence to end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select, update

from bot.domain.silences import MutedCount, Silence, format_matchers
from bot.storage.database import Database
from bot.storage.models import EXCERPT_MAX_CHARS, muted_alerts, silences


class SilenceStore:
    """Thread-safe; share one per process."""

    def __init__(self, database: Database):
        self._db = database

    def add(
        self, matchers: Mapping[str, str], expires_at: dt.datetime, reason: str, created_by: str, now: dt.datetime
    ) -> Silence:
        values = {
            "matchers": dict(matchers),
            "reason": reason,
            "created_by": created_by[:64],
            "created_at": now,
            "expires_at": expires_at,
        }

        def attempt() -> int:
            with self._db.write() as connection:
                return int(connection.execute(insert(silences).values(values).returning(silences.c.id)).scalar_one())

        silence_id = self._db.retrying(attempt, "add silence")
        return Silence(silence_id, dict(matchers), reason, created_by[:64], now, expires_at)

    def expire(self, silence_id: int, by: str, now: dt.datetime) -> Silence | None:
        """End a silence now; None when there is no such silence, unchanged when it had ended already."""

        def attempt() -> None:
            with self._db.write() as connection:
                connection.execute(
                    update(silences)
                    .where(silences.c.id == silence_id, silences.c.expired_at.is_(None), silences.c.expires_at > now)
                    .values(expired_at=now, expired_by=by[:64])
                )

        self._db.retrying(attempt, "expire silence")
        return self.get(silence_id)

    def get(self, silence_id: int) -> Silence | None:
        found = self._list(silences.c.id == silence_id)
        return found[0] if found else None

    def active(self, now: dt.datetime) -> list[Silence]:
        """Silences in force at ``now``, newest first.

        Read from the database every time (one indexed query on a small table),
        so a silence set or ended on any instance applies on the next alert.
        """
        return self._list(silences.c.expired_at.is_(None), silences.c.expires_at > now)

    def recent(self, now: dt.datetime, ended_within: dt.timedelta = dt.timedelta(days=7)) -> list[Silence]:
        """Active silences and those that ended lately, newest first (for ``silence list``)."""
        return self._list(func.coalesce(silences.c.expired_at, silences.c.expires_at) > now - ended_within)

    def _list(self, *conditions: Any) -> list[Silence]:
        counts = (
            select(muted_alerts.c.silence_id, func.count().label("muted"))
            .group_by(muted_alerts.c.silence_id)
            .subquery()
        )
        query = (
            select(silences, func.coalesce(counts.c.muted, 0).label("muted"))
            .outerjoin(counts, counts.c.silence_id == silences.c.id)
            .where(*conditions)
            .order_by(silences.c.id.desc())
        )
        with self._db.read() as connection:
            rows = connection.execute(query).all()
        return [
            Silence(
                id=row.id,
                matchers=dict(row.matchers or {}),
                reason=row.reason or "",
                created_by=row.created_by,
                created_at=row.created_at,
                expires_at=row.expires_at,
                expired_at=row.expired_at,
                expired_by=row.expired_by,
                muted=int(row.muted),
            )
            for row in rows
        ]

    def record_muted(
        self,
        key: str,
        silence_id: int,
        source: str,
        channel_id: str | None,
        excerpt: str,
        amount_usd: float | None,
        fingerprint: str | None,
        now: dt.datetime,
        *,
        event_id: str | None = None,
    ) -> bool:
        """Record a muted alert once; False when its delivery was seen already (muted or routed).

        ``event_id`` is claimed in the same processed-events table the intake uses, in
        the same transaction, so one delivery is either routed or muted, never both.
        """
        values = {
            "key": key[:255],
            "silence_id": silence_id,
            "source": source[:64],
            "channel_id": channel_id,
            "excerpt": excerpt[:EXCERPT_MAX_CHARS],
            "amount_usd": amount_usd,
            "fingerprint": fingerprint,
            "at": now,
        }

        def attempt() -> bool:
            with self._db.write() as connection:
                if event_id is not None:
                    claimed = connection.execute(self._db.sql.claim_event, {"event_id": event_id, "received_at": now})
                    if claimed.first() is None:
                        return False
                return self._db.insert_ignoring_conflict(connection, muted_alerts, values)

        return bool(self._db.retrying(attempt, "record muted alert"))

    def muted_between(self, start: dt.datetime, end: dt.datetime) -> list[MutedCount]:
        """Alerts muted in [start, end), per silence, most first (for the digest)."""
        counts = (
            select(muted_alerts.c.silence_id, func.count().label("muted"))
            .where(muted_alerts.c.at >= start, muted_alerts.c.at < end)
            .group_by(muted_alerts.c.silence_id)
            .subquery()
        )
        query = (
            select(silences.c.id, silences.c.matchers, silences.c.reason, silences.c.created_by, counts.c.muted)
            .join(counts, counts.c.silence_id == silences.c.id)
            .order_by(counts.c.muted.desc(), silences.c.id)
        )
        with self._db.read() as connection:
            rows = connection.execute(query).all()
        return [
            MutedCount(r.id, format_matchers(r.matchers or {}), r.reason or "", r.created_by, int(r.muted))
            for r in rows
        ]

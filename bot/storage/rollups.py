"""The digest rollups: per-hour and per-day counters kept with every change they count.

``digest_hourly`` (hour, persona, topic) and ``digest_daily`` (day, persona)
hold what the weekly digest sums, so it never counts a week of requests.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.domain.lifecycle import RollupDelta
from bot.storage.models import digest_daily, digest_hourly

if TYPE_CHECKING:
    from bot.storage.batch_sql import BatchSql
    from bot.storage.database import Statements

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
HOURLY_COUNTS = ("routed", "with_amount", "acknowledged", "resolved", "closed")
DAILY_COUNTS = ("routed", "closed")
HOURLY_KEY = ("hour", "primary_persona", "topic")
DAILY_KEY = ("day", "primary_persona")


def hour_number(moment: dt.datetime) -> int:
    """Whole UTC hours since 1970 (the rollups' hour key)."""
    return (moment - EPOCH) // HOUR


def day_number(moment: dt.datetime) -> int:
    return (moment - EPOCH) // DAY


def hour_start(hour_number: int) -> dt.datetime:
    return EPOCH + hour_number * HOUR


@dataclass
class RollupChanges:
    """What one transaction changes in ``digest_hourly`` and ``digest_daily``.

    Every change of a request that the digest counts goes through here, in the
    transaction that makes it, so the rollups cannot drift from the requests
    (the migration's backfill computes the same figures from scratch).
    """

    hourly: defaultdict[tuple[int, str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    daily: defaultdict[tuple[int, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def routed(self, persona: str, topic: str | None, created_at: dt.datetime, has_amount: bool, sign: int = 1) -> None:
        key = (hour_number(created_at), persona, topic or "")
        self.hourly[key]["routed"] += sign
        if has_amount:
            self.hourly[key]["with_amount"] += sign
        self.daily[(day_number(created_at), persona)]["routed"] += sign

    def acknowledged(self, persona: str, topic: str | None, at: dt.datetime, sign: int = 1) -> None:
        self.hourly[(hour_number(at), persona, topic or "")]["acknowledged"] += sign

    def closed(self, persona: str, topic: str | None, at: dt.datetime, *, resolved: bool) -> None:
        key = (hour_number(at), persona, topic or "")
        self.hourly[key]["closed"] += 1
        if resolved:
            self.hourly[key]["resolved"] += 1
        self.daily[(day_number(at), persona)]["closed"] += 1

    def apply(self, connection: Connection, statements: Statements) -> None:
        # Rows are upserted in one global key order, so concurrent writers queue
        # on these counters instead of deadlocking.
        tables: tuple[tuple[Any, Mapping[Any, Counter[str]], tuple[str, ...], tuple[str, ...]], ...] = (
            (statements.add_hourly, self.hourly, HOURLY_COUNTS, HOURLY_KEY),
            (statements.add_daily, self.daily, DAILY_COUNTS, DAILY_KEY),
        )
        for statement, changes, names, key_columns in tables:
            rows = [
                {**dict(zip(key_columns, key, strict=False)), **{name: changes[key][name] for name in names}}
                for key in sorted(changes)
                if any(changes[key].values())
            ]
            if rows:
                connection.execute(statement, rows)

    def raw_statements(self, raw: BatchSql) -> list[tuple[str, tuple]]:
        """``apply`` as one multi-row driver statement per table (the intake's batches, on the request path)."""
        tables: tuple[tuple[str, Mapping[Any, Counter[str]], tuple[str, ...], tuple[str, ...]], ...] = (
            ("digest_hourly", self.hourly, HOURLY_COUNTS, HOURLY_KEY),
            ("digest_daily", self.daily, DAILY_COUNTS, DAILY_KEY),
        )
        statements = []
        for table, changes, names, key_columns in tables:
            rows = [
                (*key, *(changes[key][name] for name in names)) for key in sorted(changes) if any(changes[key].values())
            ]
            if rows:
                statements.append(raw.add_counts(table, key_columns, names, rows))
        return statements

    def add(self, deltas: Iterable[RollupDelta]) -> None:
        """Changes decided by the lifecycle (``bot.domain.lifecycle.transition``)."""
        for delta in deltas:
            if delta.counter == "routed":
                self.routed(delta.persona, delta.topic, delta.at, delta.has_amount, sign=delta.sign)
            elif delta.counter == "acknowledged":
                self.acknowledged(delta.persona, delta.topic, delta.at, sign=delta.sign)
            else:
                self.closed(delta.persona, delta.topic, delta.at, resolved=delta.resolved)


def _rollup_upsert(
    dialect_insert: Callable[[Any], Any], table: Any, key_columns: tuple[str, ...], names: tuple[str, ...]
) -> Any:
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in names},
    )


def rollup_upserts(dialect_insert: Callable[[Any], Any]) -> tuple[Any, Any]:
    """The statements that add counts to ``digest_hourly`` and ``digest_daily`` (upserts)."""
    return (
        _rollup_upsert(dialect_insert, digest_hourly, HOURLY_KEY, HOURLY_COUNTS),
        _rollup_upsert(dialect_insert, digest_daily, DAILY_KEY, DAILY_COUNTS),
    )

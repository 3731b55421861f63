"""Retention: what the bot stores only for a while, and the prune that drops it.

Per routed event the bot writes its request, the request's events, the reply
(and later updates) in the outbox, and the Slack event id. The requests and
their events are the audit trail (export, digest, history: who asked what, who
it went to and why, who took and closed it, when) and stay, with the digest's
rollups. The rest is only needed for a while:

- ``processed_events``: Slack retries an event within minutes and gives up
  within the hour; a message recorded already is also caught by its unique
  (workspace, channel, ts) key. Ids older than ``event_ids`` are deleted.
- A sent delivery is never sent again. Its payload (the Block Kit message,
  ~2.5 KB) is dropped as it is marked sent, since the message itself is in
  Slack; its record (kind, request, when, Slack's ts) is kept
  ``sent_deliveries`` long for looking into what was posted when, then
  deleted. The reply's Slack ts stays on its request (updates need it), and
  the audit trail is the request's events; no dedup key outlives its use by
  days (replies are keyed on the event, which the request's unique message
  key guards anyway; nudges on the request's window counter). Deleted rather
  than only emptied: SQLite does not merge the pages of rows that shrink, so
  a NULLed payload freed nothing there (11 KB stayed per event, measured),
  whereas pages of deleted rows go to the free list and are reused. Failed
  and pending deliveries stay.
- ``schedule_claims``: one row per schedule occurrence (the nudge sweep alone
  adds 96 a day). Claims older than ``schedule_claims`` are deleted, except
  each schedule's latest; the ticker only looks back a week.

Each step deletes or updates in short transactions of ``chunk`` rows, so a
prune never holds SQLite's write lock (or PostgreSQL's row locks) for long
while the server keeps writing. Run it with ``finops-bot db prune``; the
scheduler runs it daily as the built-in ``retention:prune`` schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select

from bot.storage.database import Database
from bot.storage.models import deliveries, processed_events, schedule_claims

log = logging.getLogger(__name__)

SENT = "sent"
DEFAULT_CHUNK = 2000


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of short-lived data is kept (``bot.settings`` reads them from the environment)."""

    event_ids: dt.timedelta = dt.timedelta(hours=48)
    sent_deliveries: dt.timedelta = dt.timedelta(days=7)
    schedule_claims: dt.timedelta = dt.timedelta(days=35)


@dataclass(frozen=True)
class PruneReport:
    event_ids: int = 0
    sent_deliveries: int = 0
    schedule_claims: int = 0

    def __str__(self) -> str:
        return (
            f"pruned {self.event_ids} event ids, {self.sent_deliveries} sent deliveries, "
            f"{self.schedule_claims} schedule claims"
        )


_oldest_event_ids = (
    select(processed_events.c.event_id)
    .where(processed_events.c.received_at < bindparam("cutoff"))
    .order_by(processed_events.c.received_at)
    .limit(bindparam("chunk"))
)
_delete_event_ids = delete(processed_events).where(processed_events.c.event_id.in_(_oldest_event_ids.scalar_subquery()))

# Read through the partial index ix_deliveries_sent_at: sent rows only, as many as the period keeps.
_oldest_sent = (
    select(deliveries.c.id)
    .where(deliveries.c.status == SENT, deliveries.c.sent_at < bindparam("cutoff"))
    .order_by(deliveries.c.sent_at)
    .limit(bindparam("chunk"))
)
_delete_sent = delete(deliveries).where(deliveries.c.id.in_(_oldest_sent.scalar_subquery()))

_latest = schedule_claims.alias("latest")
_delete_old_claims = delete(schedule_claims).where(
    and_(
        schedule_claims.c.fire_time < bindparam("cutoff"),
        schedule_claims.c.fire_time
        < select(func.max(_latest.c.fire_time))
        .where(_latest.c.schedule_id == schedule_claims.c.schedule_id)
        .scalar_subquery(),
    )
)


def prune(
    database: Database, now: dt.datetime, policy: RetentionPolicy | None = None, *, chunk: int = DEFAULT_CHUNK
) -> PruneReport:
    """Drop what ``policy`` no longer keeps at ``now`` (aware UTC). Safe to repeat and to run concurrently."""
    if now.tzinfo is None:
        raise ValueError(f"now must be an aware UTC datetime, got naive {now!r}")
    policy = policy or RetentionPolicy()
    report = PruneReport(
        event_ids=_in_chunks(database, _delete_event_ids, now - policy.event_ids, chunk),
        sent_deliveries=_in_chunks(database, _delete_sent, now - policy.sent_deliveries, chunk),
        schedule_claims=_once(database, _delete_old_claims, now - policy.schedule_claims),
    )
    log.info("%s", report)
    return report


def _in_chunks(database: Database, statement: Any, cutoff: dt.datetime, chunk: int) -> int:
    total = 0
    while True:
        changed = _once(database, statement, cutoff, chunk)
        total += changed
        if changed < chunk:
            return total


def _once(database: Database, statement: Any, cutoff: dt.datetime, chunk: int | None = None) -> int:
    params = {"cutoff": cutoff} if chunk is None else {"cutoff": cutoff, "chunk": chunk}

    def attempt() -> int:
        # Queued behind the server's writers like theirs (SQLite), one short transaction per chunk.
        with database.write() as connection:
            return connection.execute(statement, params).rowcount

    return database.retrying(attempt, "prune")

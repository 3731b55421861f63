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
- The audit trail itself is kept ``requests`` long (two years by default,
  ``None``: for ever), so no table grows without end: a request closed
  (resolved, or not a request) before then goes with its events (the foreign
  key cascades), and so do the routing corrections, the alerts a silence
  muted, the silences that ended, and the digest's hourly counts of that
  age. Open requests stay however old they are: they are still someone's
  work. The digest's daily counts stay: one row per day and persona whatever
  the traffic, and "still open at the end of a week" sums them over all
  history.

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

from sqlalchemy import and_, bindparam, delete, exists, func, select

from bot.storage.database import Database
from bot.storage.models import (
    deliveries,
    digest_hourly,
    muted_alerts,
    processed_events,
    routed_requests,
    routing_feedback,
    schedule_claims,
    silences,
)
from bot.storage.rollups import hour_number

log = logging.getLogger(__name__)

SENT = "sent"
DEFAULT_CHUNK = 2000


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of short-lived data is kept (``bot.settings`` reads them from the environment)."""

    event_ids: dt.timedelta = dt.timedelta(hours=48)
    sent_deliveries: dt.timedelta = dt.timedelta(days=7)
    schedule_claims: dt.timedelta = dt.timedelta(days=35)
    requests: dt.timedelta | None = dt.timedelta(days=730)  # None: the audit trail is kept for ever


@dataclass(frozen=True)
class PruneReport:
    event_ids: int = 0
    sent_deliveries: int = 0
    schedule_claims: int = 0
    closed_requests: int = 0
    corrections: int = 0
    muted_alerts: int = 0
    silences: int = 0
    digest_hours: int = 0

    def __str__(self) -> str:
        return (
            f"pruned {self.event_ids} event ids, {self.sent_deliveries} sent deliveries, "
            f"{self.schedule_claims} schedule claims, {self.closed_requests} closed requests (with their history), "
            f"{self.corrections} routing corrections, {self.muted_alerts} muted alerts, {self.silences} ended "
            f"silences, {self.digest_hours} hourly digest counts"
        )


def _delete_oldest(key: Any, when: Any, *conditions: Any) -> Any:
    """Deletes up to ``chunk`` rows whose ``when`` is before ``cutoff``, oldest first, by ``key``."""
    oldest = select(key).where(*conditions, when < bindparam("cutoff")).order_by(when).limit(bindparam("chunk"))
    return delete(key.table).where(key.in_(oldest.scalar_subquery()))


_delete_event_ids = _delete_oldest(processed_events.c.event_id, processed_events.c.received_at)
# Read through the partial index ix_deliveries_sent_at: sent rows only, as many as the period keeps.
_delete_sent = _delete_oldest(deliveries.c.id, deliveries.c.sent_at, deliveries.c.status == SENT)

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

# Read through the partial index ix_routed_requests_closed_at (closed rows only, oldest first).
_delete_closed = _delete_oldest(
    routed_requests.c.id, routed_requests.c.closed_at, routed_requests.c.closed_at.is_not(None)
)
_delete_corrections = _delete_oldest(routing_feedback.c.id, routing_feedback.c.at)
_delete_muted = _delete_oldest(muted_alerts.c.id, muted_alerts.c.at)

# A silence ended when it expired, or earlier when someone ended it; one still muting an alert stays with it.
_delete_ended_silences = delete(silences).where(
    func.coalesce(silences.c.expired_at, silences.c.expires_at) < bindparam("cutoff"),
    ~exists().where(muted_alerts.c.silence_id == silences.c.id),
)

_first_hour = select(func.min(digest_hourly.c.hour))
_delete_hours = delete(digest_hourly).where(digest_hourly.c.hour < bindparam("before"))
_HOURS_A_STEP = 24  # a day's rows (persona × topic × hour: a few thousand at most) per transaction


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
        **(_prune_audit_trail(database, now - policy.requests, chunk) if policy.requests is not None else {}),
    )
    log.info("%s", report)
    return report


def _prune_audit_trail(database: Database, cutoff: dt.datetime, chunk: int) -> dict[str, int]:
    # Corrections before their requests (deleting a request updates its corrections),
    # muted alerts before their silences (which they reference).
    corrections = _in_chunks(database, _delete_corrections, cutoff, chunk)
    muted = _in_chunks(database, _delete_muted, cutoff, chunk)
    return {
        "closed_requests": _in_chunks(database, _delete_closed, cutoff, chunk),
        "corrections": corrections,
        "muted_alerts": muted,
        "silences": _once(database, _delete_ended_silences, cutoff),
        "digest_hours": _prune_hours(database, hour_number(cutoff)),
    }


def _prune_hours(database: Database, cutoff_hour: int) -> int:
    with database.read() as connection:
        first = connection.execute(_first_hour).scalar()
    deleted = 0
    while first is not None and first < cutoff_hour:
        before = min(first + _HOURS_A_STEP, cutoff_hour)

        def attempt(before: int = before) -> int:
            with database.write() as connection:
                return connection.execute(_delete_hours, {"before": before}).rowcount

        deleted += database.retrying(attempt, "prune")
        first = before
    return deleted


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

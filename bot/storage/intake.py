"""Intake: Slack event ids seen, and routed messages recorded with the reply to post.

Concurrent ``record_routed_message`` calls share a transaction (group commit):
a batch is written with one statement per table where it can be, and a message
that repeats an earlier alert (same fingerprint) is linked to the first one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, update
from sqlalchemy.exc import IntegrityError

from bot.domain.clock import as_utc
from bot.domain.deliveries import (
    PENDING,
    DeliveryClaim,
    DeliveryRow,
    NewDelivery,
    RepeatFactory,
    ReplyFactory,
)
from bot.domain.requests import NewRequest, RecordResult, RequestView
from bot.storage.batch_sql import Statement, batch_sql
from bot.storage.database import Database, claim_event
from bot.storage.group_commit import GroupCommit
from bot.storage.intake_rows import (
    PendingRecord,
    encoded,
    message_key,
    request_row,
    request_values,
    routed_event,
    routed_event_row,
)
from bot.storage.models import processed_events, routed_requests
from bot.storage.outbox import enqueue_in
from bot.storage.requests import add_event, request_by_id, request_by_message, unclosed_with_fingerprint
from bot.storage.retry import is_transient
from bot.storage.rollups import RollupChanges
from bot.storage.routed_batch import ReplyValues, claimed_row, in_one_statement, record_together, reply_values


class IntakeStore:
    """Event dedup and routed-message recording."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._raw = batch_sql(database.is_postgres)
        # On SQLite the batch's leader waits for the write lock first and takes the callers queued by then.
        self._intake_batches: GroupCommit[PendingRecord, RecordResult] = GroupCommit(
            self.record_batch, hold=database.write_lock if database.writers is not None else None
        )

    def mark_event_processed(self, event_id: str, now: dt.datetime) -> bool:
        """Claim an event id; False when it was already seen (a Slack retry or another instance)."""
        now = as_utc(now)

        def attempt() -> bool:
            with self._db.write() as connection:
                return claim_event(connection, self._db.sql, event_id, now)

        return self._db.retrying(attempt, "mark event processed")

    def prune_processed_events(self, older_than: dt.datetime) -> int:
        """Forget event ids received before ``older_than`` (Slack retries stop within the hour)."""
        older_than = as_utc(older_than, "older_than")

        def attempt() -> int:
            with self._db.write() as connection:
                result = connection.execute(
                    processed_events.delete().where(processed_events.c.received_at < older_than)
                )
                return result.rowcount

        return self._db.retrying(attempt, "prune processed events")

    def record_routed_message(
        self,
        event_id: str | None,
        request: NewRequest,
        reply: NewDelivery | ReplyFactory | None,
        now: dt.datetime,
        *,
        repeat_window: dt.timedelta | None = None,
        repeat_reply: NewDelivery | RepeatFactory | None = None,
        claim: DeliveryClaim | None = None,
    ) -> RecordResult:
        """Record a routed message and the reply to post, in one transaction.

        - ``event_id`` already seen, or the message (workspace, channel, ts) already
          recorded: ``duplicate=True`` and nothing is written.
        - ``request.fingerprint`` matching an unclosed request created within
          ``repeat_window``: no new request; the first one's ``repeat_count`` goes up,
          a 'repeat' event is recorded, ``repeat_reply`` (e.g. a link to the first
          thread) is enqueued instead of ``reply``, and ``repeat_of`` is set.
        - Otherwise the request, its 'routed' event and ``reply`` are written.
        ``reply`` may be a function of the new request id (for button values).
        With ``claim``, the reply is written already leased to that worker and
        returned as ``claimed``, so its sender needs no claiming transaction.

        Concurrent calls share a transaction (``group_commit``); each returns
        only once its own message is committed.
        """
        pending = PendingRecord(event_id, request, reply, as_utc(now), repeat_window, repeat_reply, claim)
        return self._intake_batches.submit(encoded(self._raw, pending))

    def record_batch(self, batch: Sequence[PendingRecord]) -> list[RecordResult | Exception]:
        """Record a batch of calls in one transaction; a result or an error for each, in order.

        ``record_routed_message`` hands its group commit's batches here; tests
        call it directly to control a batch's make-up.
        """

        batch = [encoded(self._raw, pending) for pending in batch]  # before the write lock, not under it

        def attempt() -> list[RecordResult | Exception]:
            with self._db.write() as connection:
                return list(self._record_many(connection, batch))

        try:
            return self._db.retrying(attempt, "record routed messages")
        except IntegrityError:
            pass  # a constraint refused one of the messages: found out one by one below
        except Exception as error:
            # An outage that outlasted the retries fails the whole batch at once:
            # retrying it message by message would only multiply the wait.
            if len(batch) == 1 or is_transient(error):
                return [error] * len(batch)
        # Each on its own, so one message that cannot be written fails only its own event.
        return [self._record_alone(pending) for pending in batch]

    def _record_alone(self, pending: PendingRecord) -> RecordResult | Exception:
        def attempt() -> RecordResult:
            try:
                with self._db.write() as connection:
                    return self._record(connection, pending)
            except IntegrityError:
                request = pending.request
                with self._db.read() as connection:
                    existing = request_by_message(connection, request.workspace, request.channel_id, request.message_ts)
                if existing is None:
                    raise
                return RecordResult(request_id=existing.id, delivery_id=None, duplicate=True)

        try:
            return self._db.retrying(attempt, "record routed message")
        except Exception as error:
            return error

    def _record_many(self, connection: Connection, batch: Sequence[PendingRecord]) -> list[RecordResult]:
        """Record a batch in the caller's transaction, with one statement per table where possible.

        Messages that may repeat an earlier alert (a fingerprint and a repeat
        window) are checked one by one; the rest are inserted together.
        """
        results: list[RecordResult | None] = [None] * len(batch)
        first_of: dict[tuple, int] = {}  # event id or message → the batch's first item carrying it
        same_as_earlier: dict[int, int] = {}
        together: list[int] = []
        rollups = RollupChanges()
        for index, pending in enumerate(batch):
            keys: list[tuple[str, ...]] = [("message", *message_key(pending.request))]
            if pending.event_id is not None:
                keys.append(("event", pending.event_id))
            earlier = next((first_of[key] for key in keys if key in first_of), None)
            if earlier is not None:  # a retry, or the same message under another event id, within this batch
                same_as_earlier[index] = earlier
                continue
            first_of.update(dict.fromkeys(keys, index))
            if pending.request.fingerprint and pending.repeat_window is not None:
                results[index] = self._record(connection, pending, rollups)
            else:
                together.append(index)

        # Every event id is remembered, a duplicate message's too, as one by one.
        claiming = [batch[i] for i in [*together, *same_as_earlier] if batch[i].event_id is not None]
        raw = self._raw
        if raw.is_postgres and together and in_one_statement([batch[i] for i in together]):
            # The repeats' counters on their own: one statement must not write a counter row twice.
            raw.run(connection, rollups.raw_statements(raw))
            written = record_together(
                connection, raw, self._db.sql, self._claim_rows(claiming), [batch[i] for i in together]
            )
            for index, result in zip(together, written, strict=True):
                results[index] = result
        else:
            self._write_together(connection, batch, claiming, together, rollups, results)

        for index in together:
            if results[index] is None:  # seen before this batch, under this event id or another
                existing = request_by_message(connection, *message_key(batch[index].request))
                results[index] = RecordResult(
                    request_id=existing.id if existing else None, delivery_id=None, duplicate=True
                )
        for index, earlier in same_as_earlier.items():
            first = results[earlier]
            assert first is not None  # an earlier item's result is in by now
            results[index] = RecordResult(request_id=first.request_id, delivery_id=None, duplicate=True)
        return results  # type: ignore[return-value]

    def _write_together(
        self,
        connection: Connection,
        batch: Sequence[PendingRecord],
        claiming: Sequence[PendingRecord],
        together: Sequence[int],
        rollups: RollupChanges,
        results: list[RecordResult | None],
    ) -> None:
        """The step-by-step write of the batch's distinct messages: a statement or two per step."""
        raw = self._raw
        if raw.is_postgres and claiming and together:
            # One round trip: the requests' insert reads the claim's RETURNING (``claim_and_insert_requests``).
            request_ids = self._claim_and_insert_requests(connection, claiming, [batch[i] for i in together])
        else:
            claimed_events = self._claim_events(connection, claiming)
            fresh = [i for i in together if batch[i].event_id is None or batch[i].event_id in claimed_events]
            request_ids = self._insert_requests(connection, [batch[i] for i in fresh])
        inserted = [i for i in together if message_key(batch[i].request) in request_ids]  # keys are unique here
        if inserted:
            ids = {i: request_ids[message_key(batch[i].request)] for i in inserted}
            for i in inserted:
                request = batch[i].request
                rollups.routed(
                    request.primary_persona, request.primary_topic, batch[i].now, request.amount_usd is not None
                )
            # The events and the counters ride along with the replies' statement: on PostgreSQL as its
            # WITH clauses, one round trip for the three tables, the batch's last before the commit, so
            # the counter rows (shared by every request of a persona and hour) stay locked only briefly.
            along = [raw.insert_events([routed_event_row(raw, batch[i], ids[i]) for i in inserted])]
            along += rollups.raw_statements(raw)
            enqueued = self._enqueue_replies(connection, [(i, batch[i], ids[i]) for i in inserted], along)
            for i in inserted:
                delivery_id, claimed = enqueued.get(i, (None, None))
                results[i] = RecordResult(request_id=ids[i], delivery_id=delivery_id, claimed=claimed)
        else:
            raw.run(connection, rollups.raw_statements(raw))  # repeats recorded one by one above

    def _claim_rows(self, batch: Sequence[PendingRecord]) -> list[tuple]:
        # In one key order everywhere, so two instances claiming the same events queue instead of deadlocking.
        first_seen = {p.event_id: p.now for p in reversed(batch) if p.event_id is not None}
        stamp = self._raw.stamp
        return [(event_id, stamp(first_seen[event_id])) for event_id in sorted(first_seen)]

    def _claim_events(self, connection: Connection, batch: Sequence[PendingRecord]) -> set[str]:
        if not batch:
            return set()
        return self._raw.claim_events(connection, self._claim_rows(batch))

    def _claim_and_insert_requests(
        self, connection: Connection, claiming: Sequence[PendingRecord], batch: Sequence[PendingRecord]
    ) -> dict[tuple[str, str, str], int]:
        ordered = sorted(batch, key=lambda p: message_key(p.request))  # one lock order for every writer
        rows = [
            (p.event_id, *(p.encoded.request_row if p.encoded else request_row(self._raw, p.request, p.now)))
            for p in ordered
        ]
        return self._raw.claim_and_insert_requests(connection, self._claim_rows(claiming), rows)

    def _insert_requests(
        self, connection: Connection, batch: Sequence[PendingRecord]
    ) -> dict[tuple[str, str, str], int]:
        """Insert the requests; their ids by message, leaving out messages recorded already."""
        if not batch:
            return {}
        ordered = sorted(batch, key=lambda p: message_key(p.request))  # one lock order for every writer
        rows = [p.encoded.request_row if p.encoded else request_row(self._raw, p.request, p.now) for p in ordered]
        return self._raw.insert_requests(connection, rows)

    def _enqueue_replies(
        self,
        connection: Connection,
        inserted: Sequence[tuple[int, PendingRecord, int]],
        along: Sequence[Statement] = (),
    ) -> dict[int, tuple[int, DeliveryRow | None]]:
        """The batch's replies: (id, leased row) by batch index; keyed ones in one statement, with ``along``."""
        enqueued: dict[int, tuple[int, DeliveryRow | None]] = {}
        keyed: dict[str, tuple[int, NewDelivery, PendingRecord, int]] = {}
        repeated: list[tuple[int, str]] = []  # a key a reply earlier in this batch carries already
        for index, pending, request_id in inserted:
            reply = self._reply_for(pending, request_id)
            if reply is None:
                continue
            if reply.dedup_key is None:
                enqueued[index] = enqueue_in(connection, self._db.sql, reply, pending.now, request_id, pending.claim)
            elif reply.dedup_key in keyed:
                repeated.append((index, reply.dedup_key))
            else:
                keyed[reply.dedup_key] = (index, reply, pending, request_id)
        raw = self._raw
        if not keyed:
            raw.run(connection, along)
            return enqueued
        rows = []
        values: dict[str, ReplyValues] = {}  # each payload encoded once: stored, and posted by the sender as it is
        for key in sorted(keyed):  # one lock order for every writer
            _, reply, pending, request_id = keyed[key]
            reply_row = values[key] = reply_values(pending, reply)
            lease = reply_row.lease
            rows.append(
                (request_id, reply.kind, reply.method, reply_row.packed, PENDING, 0, raw.stamp(reply_row.due),
                 raw.stamp(pending.now), key, lease[0] if lease else None, raw.stamp(lease[1]) if lease else None)
            )  # fmt: skip
        ids = raw.insert_keyed_deliveries(connection, rows, along)
        for key, (index, reply, pending, request_id) in keyed.items():
            delivery_id = ids.get(key)
            if delivery_id is None:  # the key was taken already, before this batch
                enqueued[index] = (connection.execute(self._db.sql.delivery_with_key, {"key": key}).scalar_one(), None)
                continue
            enqueued[index] = (delivery_id, claimed_row(delivery_id, request_id, reply, values[key], pending))
        for index, key in repeated:
            enqueued[index] = (enqueued[keyed[key][0]][0], None)
        return enqueued

    @staticmethod
    def _reply_for(pending: PendingRecord, request_id: int) -> NewDelivery | None:
        return pending.reply(request_id) if callable(pending.reply) else pending.reply

    def _record(
        self,
        connection: Connection,
        pending: PendingRecord,
        rollups: RollupChanges | None = None,
    ) -> RecordResult:
        """One message, checked for a repeat; its rollup changes go to ``rollups``, or are applied here."""
        event_id, request, now, claim = pending.event_id, pending.request, pending.now, pending.claim
        if event_id is not None and not claim_event(connection, self._db.sql, event_id, now):
            existing = request_by_message(connection, *message_key(request))
            return RecordResult(request_id=existing.id if existing else None, delivery_id=None, duplicate=True)

        if request.fingerprint and pending.repeat_window is not None:
            # The message itself must not count as its own earlier alert.
            existing = request_by_message(connection, *message_key(request))
            if existing is not None:
                return RecordResult(request_id=existing.id, delivery_id=None, duplicate=True)
            first = unclosed_with_fingerprint(connection, request.fingerprint, now - pending.repeat_window)
            if first is not None:
                return self._record_repeat(connection, first, request, pending.repeat_reply, now, claim)

        request_id = connection.execute(self._db.sql.insert_request, request_values(request, now)).scalar()
        if request_id is None:  # the message is recorded already (a duplicate delivery under another event id)
            existing = request_by_message(connection, *message_key(request))
            return RecordResult(request_id=existing.id if existing else None, delivery_id=None, duplicate=True)
        connection.execute(self._db.sql.insert_event, routed_event(pending, request_id))
        delivery = self._reply_for(pending, request_id)
        delivery_id, claimed = (
            enqueue_in(connection, self._db.sql, delivery, now, request_id, claim) if delivery else (None, None)
        )
        apply_here = rollups is None
        rollups = rollups or RollupChanges()
        rollups.routed(request.primary_persona, request.primary_topic, now, request.amount_usd is not None)
        if apply_here:
            # Last, so the counter rows stay locked for as short a time as possible before the commit.
            rollups.apply(connection, self._db.sql)
        return RecordResult(request_id=request_id, delivery_id=delivery_id, claimed=claimed)

    def _record_repeat(
        self,
        connection: Connection,
        first: RequestView,
        request: NewRequest,
        repeat_reply: NewDelivery | RepeatFactory | None,
        now: dt.datetime,
        claim: DeliveryClaim | None,
    ) -> RecordResult:
        connection.execute(
            update(routed_requests)
            .where(routed_requests.c.id == first.id)
            .values(repeat_count=routed_requests.c.repeat_count + 1)
        )
        add_event(
            connection,
            self._db.sql,
            first.id,
            "repeat",
            first.status,
            first.status,
            request.source_name,
            now,
            {"channel_id": request.channel_id, "message_ts": request.message_ts},
        )
        counted = request_by_id(connection, first.id)  # with the new count, for the link text
        assert counted is not None
        delivery = repeat_reply(counted) if callable(repeat_reply) else repeat_reply
        delivery_id, claimed = (
            enqueue_in(connection, self._db.sql, delivery, now, counted.id, claim) if delivery else (None, None)
        )
        return RecordResult(request_id=counted.id, delivery_id=delivery_id, repeat_of=counted.id, claimed=claimed)

"""The outbox: messages to send, written in the transactions that decide them.

The relay claims due deliveries (leases), sends them and marks them sent, for
retry or failed. Other stores enqueue inside their own transactions with
``enqueue_in`` / ``enqueue_many_in``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.sql.expression import ColumnElement

from bot.domain.clock import as_utc
from bot.domain.deliveries import FAILED, PENDING, DeliveryClaim, DeliveryRow, NewDelivery
from bot.storage.batch_sql import batch_sql
from bot.storage.database import Database, Statements, view
from bot.storage.models import deliveries


def delivery_values(
    delivery: NewDelivery, now: dt.datetime, request_id: int | None, claim: DeliveryClaim | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "request_id": request_id if request_id is not None else delivery.request_id,
        "kind": delivery.kind,
        "method": delivery.method,
        "payload": dict(delivery.payload),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": as_utc(delivery.not_before, "not_before") if delivery.not_before else now,
        "created_at": now,
        "dedup_key": delivery.dedup_key,
        "claimed_by": None,
        "claimed_until": None,
    }
    if claim is not None and values["next_attempt_at"] <= now:
        values["claimed_by"] = claim.worker_id
        values["claimed_until"] = now + claim.lease
    return values


def leased_row(delivery_id: int, values: Mapping[str, Any]) -> DeliveryRow | None:
    """The row of a delivery just written, when it was written leased to a sender."""
    if values["claimed_by"] is None:
        return None
    return DeliveryRow(id=delivery_id, last_error=None, sent_at=None, response_ts=None, **values)


def enqueue_in(
    connection: Connection,
    sql: Statements,
    delivery: NewDelivery,
    now: dt.datetime,
    request_id: int | None,
    claim: DeliveryClaim | None = None,
) -> tuple[int, DeliveryRow | None]:
    """Insert a delivery; with ``claim``, leased to that worker already and returned as its row.

    A delivery whose ``dedup_key`` is taken is not inserted: the existing id, and no row.
    """
    values = delivery_values(delivery, now, request_id, claim)
    if delivery.dedup_key is None:
        delivery_id = connection.execute(sql.insert_delivery, values).scalar_one()
    else:
        delivery_id = connection.execute(sql.insert_keyed_delivery, values).scalar()
        if delivery_id is None:
            existing = connection.execute(sql.delivery_with_key, {"key": delivery.dedup_key}).scalar_one()
            return existing, None
    return delivery_id, leased_row(delivery_id, values)


def enqueue_many_in(
    connection: Connection,
    sql: Statements,
    replies: Sequence[tuple[int, NewDelivery, dt.datetime, int, DeliveryClaim | None]],
) -> dict[int, tuple[int, DeliveryRow | None]]:
    """``enqueue_in`` for several deliveries: (id, leased row) by the number each came with."""
    enqueued: dict[int, tuple[int, DeliveryRow | None]] = {}
    keyed: list[tuple[int, dict[str, Any]]] = []
    for number, delivery, now, request_id, claim in replies:
        if delivery.dedup_key is None:
            enqueued[number] = enqueue_in(connection, sql, delivery, now, request_id, claim)
        else:
            keyed.append((number, delivery_values(delivery, now, request_id, claim)))
    if not keyed:
        return enqueued
    params = sorted((values for _, values in keyed), key=lambda values: values["dedup_key"])
    ids = {row.dedup_key: row.id for row in connection.execute(sql.insert_keyed_deliveries, params)}
    for number, values in keyed:
        key = values["dedup_key"]
        delivery_id = ids.pop(key, None)
        if delivery_id is None:  # the key was taken already, before or earlier in this batch
            enqueued[number] = (connection.execute(sql.delivery_with_key, {"key": key}).scalar_one(), None)
        else:
            enqueued[number] = (delivery_id, leased_row(delivery_id, values))
    return enqueued


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        deliveries.c.status == PENDING,
        deliveries.c.next_attempt_at <= now,
        or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
    )


class Outbox:
    """Deliveries: enqueue, claim, and record how sending went."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def enqueue(self, delivery: NewDelivery, now: dt.datetime) -> int:
        """Add a message to send; with a ``dedup_key`` already used, the existing id."""
        now = as_utc(now)

        def attempt() -> int:
            with self._db.write() as connection:
                return enqueue_in(connection, self._db.sql, delivery, now, delivery.request_id)[0]

        return self._db.retrying(attempt, "enqueue delivery")

    def claim_due_deliveries(
        self,
        worker_id: str,
        now: dt.datetime,
        limit: int = 20,
        lease: dt.timedelta = dt.timedelta(seconds=60),
    ) -> list[DeliveryRow]:
        """Lease up to ``limit`` due deliveries to ``worker_id``, oldest first.

        No two workers (threads or processes) get the same delivery while its
        lease runs: PostgreSQL skips rows another claimer has locked, SQLite
        write transactions are serialised by ``BEGIN IMMEDIATE``. A delivery whose
        lease expired (its sender died) is due again.
        """
        now = as_utc(now)

        def attempt() -> list[DeliveryRow]:
            with self._db.write() as connection:
                ids = (
                    connection.execute(
                        select(deliveries.c.id)
                        .where(_claimable(now))
                        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    return []
                rows = connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(ids), _claimable(now))
                    .values(claimed_by=worker_id, claimed_until=now + lease)
                    .returning(*deliveries.c)
                ).all()
            return sorted((view(DeliveryRow, row) for row in rows), key=lambda d: (d.next_attempt_at, d.id))

        return self._db.retrying(attempt, "claim deliveries")

    def claim_delivery(
        self,
        delivery_id: int,
        worker_id: str,
        now: dt.datetime,
        lease: dt.timedelta = dt.timedelta(seconds=60),
    ) -> DeliveryRow | None:
        """Lease one delivery (the fast path right after its commit); None if not claimable."""
        now = as_utc(now)

        def attempt() -> DeliveryRow | None:
            with self._db.write() as connection:
                row = connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, _claimable(now))
                    .values(claimed_by=worker_id, claimed_until=now + lease)
                    .returning(*deliveries.c)
                ).first()
            return view(DeliveryRow, row) if row else None

        return self._db.retrying(attempt, "claim delivery")

    def mark_sent(
        self, delivery_id: int, response_ts: str | None, now: dt.datetime, *, row: DeliveryRow | None = None
    ) -> None:
        """The delivery went out; a 'reply' also records its ts on the request (for updates).

        ``row`` (the delivery as claimed) saves reading back its kind and request.
        """
        now = as_utc(now)
        sql = self._db.sql

        def attempt() -> None:
            with self._db.write() as connection:
                self._db.relaxed_commit(connection)
                sent = {"delivery_id": delivery_id, "at": now, "ts": response_ts}
                kind: str | None
                request_id: int | None
                if row is not None:
                    connection.execute(sql.mark_sent, sent)
                    kind, request_id = row.kind, row.request_id
                else:
                    found = connection.execute(
                        sql.mark_sent.returning(deliveries.c.kind, deliveries.c.request_id), sent
                    ).first()
                    kind, request_id = (found.kind, found.request_id) if found else (None, None)
                if kind == "reply" and request_id is not None and response_ts:
                    connection.execute(sql.set_reply_ts, {"request_id": request_id, "ts": response_ts})

        self._db.retrying(attempt, "mark delivery sent")

    def mark_sent_many(self, sent: Sequence[tuple[DeliveryRow, str | None]], now: dt.datetime) -> None:
        """Record several sent deliveries (as claimed, with Slack's ts) in one transaction.

        Under load the relay's senders finish faster than one transaction each
        can be committed; one commit for a batch keeps the single SQLite writer
        (and PostgreSQL's round trips) off the critical path.
        """
        if not sent:
            return
        now = as_utc(now)
        sql = self._db.sql
        marks = [(row.id, ts) for row, ts in sent]
        reply_ts = [
            (row.request_id, ts) for row, ts in sent if row.kind == "reply" and row.request_id is not None and ts
        ]
        # A row twice in one batch (sent again after a lost mark) is updated once per mark, as one by one.
        at_once = len({i for i, _ in marks}) == len(marks) and len({i for i, _ in reply_ts}) == len(reply_ts)
        raw = batch_sql(self._db.is_postgres)

        def attempt() -> None:
            with self._db.write() as connection:
                self._db.relaxed_commit(connection)
                if at_once:
                    raw.mark_sent(connection, now, marks, reply_ts)
                    return
                connection.execute(sql.mark_sent, [{"delivery_id": i, "at": now, "ts": ts} for i, ts in marks])
                if reply_ts:
                    connection.execute(sql.set_reply_ts, [{"request_id": i, "ts": ts} for i, ts in reply_ts])

        self._db.retrying(attempt, "mark deliveries sent")

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: dt.datetime, now: dt.datetime) -> None:
        """Sending failed transiently (429, 5xx): due again at ``next_attempt_at``."""
        now = as_utc(now)
        next_attempt_at = as_utc(next_attempt_at, "next_attempt_at")

        def attempt() -> None:
            with self._db.write() as connection:
                self._db.relaxed_commit(connection)
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, deliveries.c.status == PENDING)
                    .values(
                        attempts=deliveries.c.attempts + 1,
                        last_error=error[:2000],
                        next_attempt_at=next_attempt_at,
                        claimed_by=None,
                        claimed_until=None,
                    )
                )

        self._db.retrying(attempt, "mark delivery for retry")

    def renew_claims(self, worker_id: str, until: dt.datetime, now: dt.datetime) -> int:
        """Extend every live claim ``worker_id`` holds on a pending delivery to ``until``."""
        now, until = as_utc(now), as_utc(until, "until")

        def attempt() -> int:
            with self._db.write() as connection:
                return connection.execute(
                    update(deliveries)
                    .where(
                        deliveries.c.claimed_by == worker_id,
                        deliveries.c.status == PENDING,
                        deliveries.c.claimed_until >= now,
                    )
                    .values(claimed_until=until)
                ).rowcount

        return self._db.retrying(attempt, "renew delivery claims")

    def release_claims(self, worker_id: str, now: dt.datetime, keep: Collection[int] = ()) -> int:
        """Drop ``worker_id``'s claims on pending deliveries (but those in ``keep``): due again at once."""

        def attempt() -> int:
            conditions = [deliveries.c.claimed_by == worker_id, deliveries.c.status == PENDING]
            if keep:
                conditions.append(deliveries.c.id.not_in(list(keep)))
            with self._db.write() as connection:
                return connection.execute(
                    update(deliveries).where(*conditions).values(claimed_by=None, claimed_until=None)
                ).rowcount

        return self._db.retrying(attempt, "release delivery claims")

    def mark_failed(self, delivery_id: int, error: str, now: dt.datetime) -> None:
        """Sending failed for good (e.g. channel_not_found); kept for inspection."""
        now = as_utc(now)

        def attempt() -> None:
            with self._db.write() as connection:
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id)
                    .values(
                        status=FAILED,
                        attempts=deliveries.c.attempts + 1,
                        last_error=error[:2000],
                        claimed_until=None,
                    )
                )

        self._db.retrying(attempt, "mark delivery failed")

    def get_delivery(self, delivery_id: int) -> DeliveryRow | None:
        with self._db.read() as connection:
            row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        return view(DeliveryRow, row) if row else None

    def deliveries_for_request(self, request_id: int) -> list[DeliveryRow]:
        with self._db.read() as connection:
            rows = connection.execute(
                select(deliveries).where(deliveries.c.request_id == request_id).order_by(deliveries.c.id)
            ).all()
        return [view(DeliveryRow, row) for row in rows]

    def failed_deliveries(self, limit: int = 100) -> list[DeliveryRow]:
        """Deliveries Slack refused for good (``invalid_auth``, ``channel_not_found``…), newest first.

        Each keeps its payload and, in ``last_error``, Slack's error: what an operator lists and acts on.
        """
        with self._db.read() as connection:
            rows = connection.execute(
                select(deliveries).where(deliveries.c.status == FAILED).order_by(deliveries.c.id.desc()).limit(limit)
            ).all()
        return [view(DeliveryRow, row) for row in rows]

    def count_deliveries(self, status: str = PENDING) -> int:
        with self._db.read() as connection:
            return connection.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.status == status)
            ).scalar_one()

    # -- the lifecycle

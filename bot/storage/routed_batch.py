"""A group-commit batch of routed messages on PostgreSQL in one statement (``BatchSql.record_routed``).

The claim of the event ids, the requests, their 'routed' events, their replies
and the digest counters go to the server together: one round trip for the
batch where the statement-per-step write took two, and no row values to carry
from one statement to the next in Python. It applies when every reply is known
before its request id (a ``NewDelivery`` with a dedup key, as the intake's
replies are); other batches keep the step-by-step write.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.domain.clock import as_utc
from bot.domain.deliveries import PENDING, EncodedDeliveryRow, NewDelivery
from bot.domain.requests import RecordResult
from bot.storage.batch_sql import REPLY_COLUMNS, BatchSql
from bot.storage.database import Statements
from bot.storage.models import pack_payload_json, payload_json
from bot.storage.rollups import day_number, hour_number

if TYPE_CHECKING:
    from bot.storage.intake_rows import PendingRecord


@dataclass(frozen=True)
class ReplyValues:
    """A reply as its row stores it: when it is due, its lease (worker, until) if taken now, its payload."""

    due: dt.datetime
    lease: tuple[str, dt.datetime] | None
    text: str  # the payload's compact JSON, posted as it is
    packed: bytes


def reply_values(pending: PendingRecord, reply: NewDelivery) -> ReplyValues:
    due = as_utc(reply.not_before, "not_before") if reply.not_before else pending.now
    claim = pending.claim
    lease = (claim.worker_id, pending.now + claim.lease) if claim and due <= pending.now else None
    encoding = pending.encoded
    if encoding is not None and encoding.reply_json is not None and reply is pending.reply:
        assert encoding.reply_packed is not None
        return ReplyValues(due, lease, encoding.reply_json, encoding.reply_packed)
    text = payload_json(reply.payload)
    return ReplyValues(due, lease, text, pack_payload_json(text))


def claimed_row(
    delivery_id: int, request_id: int, reply: NewDelivery, values: ReplyValues, pending: PendingRecord
) -> EncodedDeliveryRow | None:
    """The reply's row as written, when it was written leased to its sender."""
    if values.lease is None:
        return None
    return EncodedDeliveryRow(
        id=delivery_id, request_id=request_id, kind=reply.kind, method=reply.method, payload=dict(reply.payload),
        status=PENDING, attempts=0, next_attempt_at=values.due, claimed_by=values.lease[0],
        claimed_until=values.lease[1], last_error=None, sent_at=None, response_ts=None, created_at=pending.now,
        dedup_key=reply.dedup_key, payload_json=values.text,
    )  # fmt: skip


def in_one_statement(items: Sequence[PendingRecord]) -> bool:
    """Whether ``record_together`` can write these: every reply known before its request id, each with its
    own key (two replies with one key in a batch, the step-by-step write sorts out which is written)."""
    keys = set()
    for p in items:
        if p.encoded is None or not all(math.isfinite(x) for x in (p.request.amount_usd, p.request.confidence) if x):
            return False  # JSON has no NaN nor infinity (``BatchSql.record_routed`` sends the rows as JSON)
        if p.reply is None:
            continue
        if not isinstance(p.reply, NewDelivery) or p.reply.dedup_key is None or p.reply.dedup_key in keys:
            return False
        keys.add(p.reply.dedup_key)
    return True


def record_together(
    connection: Connection, raw: BatchSql, sql: Statements, claims: Sequence[tuple], items: Sequence[PendingRecord]
) -> list[RecordResult | None]:
    """Write ``items`` (distinct messages, ``in_one_statement``) and ``claims`` in one statement.

    A result per item, in order; None for a message not inserted (its event id or the message was
    recorded before this batch), which the caller looks up.
    """
    order = sorted(range(len(items)), key=lambda i: _message_key(items[i]))  # one lock order for every writer
    replies: dict[int, tuple[NewDelivery, ReplyValues]] = {}
    rows = []
    for i in order:
        pending = items[i]
        assert pending.encoded is not None
        request = pending.request
        reply_columns: tuple = (None,) * len(REPLY_COLUMNS)
        reply = pending.reply
        if isinstance(reply, NewDelivery):
            values = reply_values(pending, reply)
            replies[i] = (reply, values)
            lease = values.lease
            reply_columns = (
                reply.kind, reply.method, values.packed, PENDING, 0, values.due, pending.now, reply.dedup_key,
                lease[0] if lease else None, lease[1] if lease else None,
            )  # fmt: skip
        rows.append(
            (
                pending.event_id,
                *pending.encoded.request_row,
                pending.encoded.event_detail,
                hour_number(pending.now),
                day_number(pending.now),
                int(request.amount_usd is not None),
                *reply_columns,
            )
        )
    written = {(w, c, ts): (request_id, delivery_id) for w, c, ts, request_id, delivery_id in raw.record_routed(
        connection, claims, rows
    )}  # fmt: skip
    results: list[RecordResult | None] = [None] * len(items)
    for i in order:
        found = written.get(_message_key(items[i]))
        if found is None:
            continue
        request_id, delivery_id = found
        if i not in replies:
            results[i] = RecordResult(request_id=request_id, delivery_id=None)
            continue
        reply, values = replies[i]
        if delivery_id is None:  # the key was taken already, before this batch
            delivery_id = connection.execute(sql.delivery_with_key, {"key": reply.dedup_key}).scalar_one()
            results[i] = RecordResult(request_id=request_id, delivery_id=delivery_id)
            continue
        claimed = claimed_row(delivery_id, request_id, reply, values, items[i])
        results[i] = RecordResult(request_id=request_id, delivery_id=delivery_id, claimed=claimed)
    return results


def _message_key(pending: PendingRecord) -> tuple[str, str, str]:
    request = pending.request
    return (request.workspace, request.channel_id, request.message_ts)

"""What one routed message writes: its pending record, and its rows' values encoded before the transaction.

The intake's group commit (``bot.storage.intake``) queues a ``PendingRecord`` per
message; ``encoded`` converts and packs its values in the caller's thread, so the
batch's writer does only SQL while it holds the database's write lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.domain.clock import as_utc
from bot.domain.deliveries import DeliveryClaim, NewDelivery, RepeatFactory, ReplyFactory
from bot.domain.requests import OPEN, NewRequest
from bot.storage.batch_sql import BatchSql
from bot.storage.models import EXCERPT_MAX_CHARS, pack_payload_json, payload_json
from bot.storage.packing import pack_json, pack_text


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_MAX_CHARS:
        return text
    return text[: EXCERPT_MAX_CHARS - 1] + "…"


@dataclass(frozen=True)
class PendingRecord:
    """One ``record_routed_message`` call, waiting for its batch."""

    event_id: str | None
    request: NewRequest
    reply: NewDelivery | ReplyFactory | None
    now: dt.datetime
    repeat_window: dt.timedelta | None
    repeat_reply: NewDelivery | RepeatFactory | None
    claim: DeliveryClaim | None
    # Its rows' values converted and packed by the caller's thread before it queues (``encoded``), so
    # the batch's writer does only SQL while it holds the database's write lock.
    encoded: Encoded | None = None


@dataclass(frozen=True)
class Encoded:
    """What a batch writes for one message that is known before its transaction: values ready for the driver."""

    request_row: tuple  # batch_sql.REQUEST_COLUMNS
    event_detail: bytes  # the 'routed' event's detail, packed
    reply_json: str | None  # the reply's payload as compact JSON, and as stored
    reply_packed: bytes | None


def encoded(raw: BatchSql, pending: PendingRecord) -> PendingRecord:
    """``pending`` with its ``Encoded`` values (in the caller's thread, outside any transaction)."""
    if pending.encoded is not None:
        return pending
    detail = _routed_detail(pending)
    reply = pending.reply
    text = payload_json(reply.payload) if isinstance(reply, NewDelivery) else None
    values = Encoded(
        request_row(raw, pending.request, pending.now),
        pack_json(detail),
        text,
        pack_payload_json(text) if text is not None else None,
    )
    p = pending
    return PendingRecord(p.event_id, p.request, p.reply, p.now, p.repeat_window, p.repeat_reply, p.claim, values)


def message_key(request: NewRequest) -> tuple[str, str, str]:
    return (request.workspace, request.channel_id, request.message_ts)


def request_values(request: NewRequest, now: dt.datetime) -> dict[str, Any]:
    return {
        "workspace": request.workspace,
        "channel_id": request.channel_id,
        "message_ts": request.message_ts,
        "source": request.source,
        "source_name": request.source_name,
        "excerpt": _excerpt(request.excerpt),
        "topics": list(request.topics),
        "primary_topic": request.primary_topic,
        "personas": {role: list(ids) for role, ids in request.personas.items()},
        "primary_persona": request.primary_persona,
        "amount_usd": request.amount_usd,
        "explanation": request.explanation,
        "confidence": request.confidence,
        "fingerprint": request.fingerprint,
        "team": request.team,
        "team_scope": request.team_scope,
        "repeat_count": 0,
        "status": OPEN,
        "status_at": now,
        "created_at": now,
        "nudged_windows": 0,
        "next_nudge_at": as_utc(request.next_nudge_at, "next_nudge_at") if request.next_nudge_at else None,
    }


def request_row(raw: BatchSql, request: NewRequest, now: dt.datetime) -> tuple:
    """``request_values`` as a row of ``batch_sql.REQUEST_COLUMNS``."""
    stamp = raw.stamp
    return (
        request.workspace, request.channel_id, request.message_ts, request.source,
        request.source_name, _excerpt(request.excerpt), raw.json(list(request.topics)), request.primary_topic,
        pack_json({role: list(ids) for role, ids in request.personas.items()}), request.primary_persona,
        request.amount_usd, pack_text(request.explanation), request.confidence, request.fingerprint, request.team,
        request.team_scope, 0, OPEN, stamp(now),
        stamp(now), 0, stamp(as_utc(request.next_nudge_at, "next_nudge_at")) if request.next_nudge_at else None,
    )  # fmt: skip


def routed_event_row(raw: BatchSql, pending: PendingRecord, request_id: int) -> tuple:
    """``routed_event`` as a row of ``batch_sql.EVENT_COLUMNS``."""
    assert pending.encoded is not None
    detail = pending.encoded.event_detail
    return (request_id, "routed", None, OPEN, pending.request.source_name, raw.stamp(pending.now), detail)


def routed_event(pending: PendingRecord, request_id: int) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "action": "routed",
        "from_status": None,
        "to_status": OPEN,
        "actor": pending.request.source_name,
        "at": pending.now,
        "detail": _routed_detail(pending),
    }


def _routed_detail(pending: PendingRecord) -> dict[str, Any]:
    """The 'routed' event's detail (``RequestStore.routed_detail`` reads it back): the amount as stated
    only when there is one to keep, so most events carry no extra bytes."""
    request = pending.request
    detail: dict[str, Any] = {"event_id": pending.event_id, "matched_terms": list(request.matched_terms)}
    if request.amount_stated:
        detail["amount_stated"] = request.amount_stated
    return detail

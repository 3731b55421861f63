"""Messages the relay must send (the outbox's rows), as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.domain.requests import RequestView

# What a delivery does, in the bot's words; the chat adapter (bot.slack.relay) maps each
# to its API method, so the services never name one.
POST = "post"  # a new message; in a thread when the payload names one
UPDATE = "update"  # an edit of a message the bot posted

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True)
class NewDelivery:
    """A message the relay must send: a Slack Web API method and its arguments."""

    kind: str  # 'reply', 'update', 'nudge', 'reminder', 'digest', 'ephemeral', ...
    method: str  # POST or UPDATE (rows written before these existed hold Slack method names)
    payload: Mapping[str, Any]
    request_id: int | None = None
    dedup_key: str | None = None  # a second enqueue with the same key is a no-op
    not_before: dt.datetime | None = None


@dataclass(frozen=True)
class DeliveryClaim:
    """A lease to take on a delivery in the transaction that writes it."""

    worker_id: str
    lease: dt.timedelta


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    request_id: int | None
    kind: str
    method: str
    payload: dict[str, Any] | None  # None once sent: dropped then (the message is in Slack)
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    claimed_by: str | None
    claimed_until: dt.datetime | None
    last_error: str | None
    sent_at: dt.datetime | None
    response_ts: str | None
    created_at: dt.datetime
    dedup_key: str | None


@dataclass(frozen=True)
class EncodedDeliveryRow(DeliveryRow):
    """A row as its writer just stored it, with the payload's compact JSON text.

    The intake encodes a reply's payload once to store it; its sender posts that same
    text (``bot.slack.sending.tagged_body``) instead of encoding the payload again.
    """

    payload_json: str = field(default="", compare=False, repr=False)


# The reply's buttons carry the request id, which exists only inside the
# transaction: a reply can be given as a function of that id.
ReplyFactory = Callable[[int], NewDelivery | None]
RepeatFactory = Callable[["RequestView"], NewDelivery | None]

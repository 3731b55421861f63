"""Routed requests: their statuses and the values that go in and come out.

Request statuses
----------------
``open``          routed, nobody has taken it yet (nudged when the window passes)
``rerouted``      reassigned to another persona, waiting for that persona to take it
                  (behaves like ``open``: nudged, listed, can be taken)
``acknowledged``  someone took it
``resolved``      closed as done
``not_a_request`` closed as "not a FinOps request" (recorded as routing feedback)

"Open requests" (``open_requests``, ``/finops open``, the digest's "still open")
are the unclosed ones: open, rerouted and acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.domain.deliveries import DeliveryRow

OPEN = "open"
REROUTED = "rerouted"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
NOT_A_REQUEST = "not_a_request"
AWAITING_ACK = (OPEN, REROUTED)
UNCLOSED = (OPEN, REROUTED, ACKNOWLEDGED)
CLOSED = (RESOLVED, NOT_A_REQUEST)

Action = Literal["take", "reassign", "not_a_request", "resolve"]
ACTIONS: tuple[str, ...] = ("take", "reassign", "not_a_request", "resolve")


@dataclass(frozen=True)
class NewRequest:
    """A routed message, as the routing service hands it over."""

    workspace: str
    channel_id: str
    message_ts: str
    source: Literal["person", "app"]
    source_name: str | None
    excerpt: str
    topics: Sequence[str]
    personas: Mapping[str, Sequence[str]]  # role -> persona ids, primary first
    primary_persona: str
    primary_topic: str | None = None
    amount_usd: float | None = None
    explanation: str = ""
    confidence: float | None = None
    fingerprint: str | None = None  # same alert again -> linked, not re-tagged
    matched_terms: Sequence[str] = ()  # kept with the 'routed' event, for routing feedback
    # The amount as the message stated it ("€950,000"), when the reply shows more than its USD figure;
    # kept with the 'routed' event, so a reply rebuilt after a press shows it again.
    amount_stated: str | None = None
    next_nudge_at: dt.datetime | None = None
    team: str | None = None  # the owners.yaml team owning the alert's scope
    team_scope: str | None = None  # the scope that matched: "account 111122223333"


@dataclass(frozen=True)
class RoutedDetail:
    """What a request's 'routed' event keeps beside the row: the reply's "Matched:" terms and stated amount."""

    matched_terms: tuple[str, ...] = ()
    amount_stated: str | None = None  # None: stated in USD as shown, no amount, or routed before it was kept


@dataclass(frozen=True)
class RequestView:
    id: int
    workspace: str
    channel_id: str
    message_ts: str
    reply_ts: str | None
    source: str
    source_name: str | None
    excerpt: str
    topics: list[str]
    primary_topic: str | None
    personas: dict[str, list[str]]
    primary_persona: str
    amount_usd: float | None
    explanation: str
    confidence: float | None
    fingerprint: str | None
    repeat_count: int
    status: str
    status_by: str | None
    status_at: dt.datetime
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    nudged_windows: int
    next_nudge_at: dt.datetime | None
    team: str | None = None
    team_scope: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


@dataclass(frozen=True)
class RecordResult:
    request_id: int | None  # None only for a duplicate event whose request is unknown
    delivery_id: int | None
    duplicate: bool = False  # this event or message was already recorded: send nothing
    repeat_of: int | None = None  # the first request with the same fingerprint
    claimed: DeliveryRow | None = None  # the delivery, already leased to the worker that asked to claim it


ActionOutcome = Literal["done", "replay", "closed", "unknown", "not_allowed", "invalid"]


@dataclass(frozen=True)
class ActionResult:
    ok: bool  # False: nothing changed and the presser should be told why
    outcome: ActionOutcome
    message: str  # plain text for the presser
    request: RequestView | None = None
    delivery_id: int | None = None  # the in-place update enqueued with the change

    @property
    def changed(self) -> bool:
        return self.outcome == "done"

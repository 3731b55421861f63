"""The ports the services are written against.

Each is the narrow slice of a storage aggregate, the Slack name directory or
the outbox relay that one service needs; ``bot.app`` plugs in the real ones,
unit tests plug in in-memory fakes (``tests/services/fakes.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from bot.domain.deliveries import DeliveryClaim, DeliveryRow, NewDelivery, RepeatFactory
from bot.domain.inputs import IncomingMessage
from bot.domain.requests import Action, ActionResult, NewRequest, RecordResult, RequestView, RoutedDetail
from bot.render.text import Mentions

Clock = Callable[[], dt.datetime]
# Tells the relay a committed delivery is waiting (None: look for any).
Notify = Callable[[int | None], None]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SlackNames(Protocol):
    """What the services need from the Slack name directory (``bot.slack.directory``)."""

    mentions: Mentions

    @property
    def complete(self) -> bool:
        """False when Slack failed mid-way: some names may be missing or from an earlier resolution."""
        ...

    def channel_id(self, name_or_id: str) -> str | None: ...

    def personas_of(self, user_id: str) -> tuple[str, ...]: ...

    def user_id_for(self, person: str) -> str | None: ...


class Sender(Protocol):
    """The outbox relay as the intake sees it.

    It can lease a reply as it is written and send it without claiming it again,
    or be told of a committed delivery to claim and send.
    """

    def notify(self, delivery_id: int | None) -> None: ...

    def claim_ahead(self) -> DeliveryClaim | None: ...

    def send_claimed(self, row: DeliveryRow) -> None: ...


class HeldRecords(Protocol):
    """Messages kept until their channel can be told watched or not (``bot.storage.held_messages``)."""

    def hold(self, message: IncomingMessage, now: dt.datetime) -> bool: ...

    def held(self, limit: int = 100) -> list[tuple[int, IncomingMessage]]: ...

    def forget(self, ids: Collection[int]) -> None: ...


class IntakeRecords(Protocol):
    """Event dedup and the routed-message write (``bot.storage`` intake aggregate)."""

    def mark_event_processed(self, event_id: str, now: dt.datetime) -> bool: ...

    def record_routed_message(
        self,
        event_id: str | None,
        request: NewRequest,
        reply: NewDelivery | None,
        now: dt.datetime,
        *,
        repeat_window: dt.timedelta | None = None,
        repeat_reply: RepeatFactory | None = None,
        claim: DeliveryClaim | None = None,
    ) -> RecordResult: ...


class AlertResolutions(Protocol):
    """A sender's "resolved" notification noted on its alert's request (``bot.storage`` requests aggregate)."""

    def note_alert_resolved(
        self, event_id: str, fingerprint: str, note: Callable[[RequestView], NewDelivery], actor: str, now: dt.datetime
    ) -> RecordResult: ...


class OpenRequests(Protocol):
    """Read side of the requests aggregate, for lists."""

    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> list[RequestView]: ...

    def count_open(self, personas: Sequence[str] | None = None) -> int: ...

    def stated_amounts(self, request_ids: Sequence[int]) -> dict[int, str]: ...


class RequestChanges(Protocol):
    """The request lifecycle: find a request by its message, apply a button press."""

    def find_by_message(self, workspace: str, channel_id: str, message_ts: str) -> RequestView | None: ...

    def routed_detail(self, request_id: int) -> RoutedDetail: ...

    def apply_action(
        self,
        request_id: int,
        action: Action,
        actor: str,
        now: dt.datetime,
        *,
        to_persona: str | None = None,
        allowed: bool = True,
        next_nudge_at: dt.datetime | None = None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None = None,
    ) -> ActionResult: ...


class NudgeRecords(Protocol):
    def due_nudges(self, now: dt.datetime, limit: int = 100) -> list[RequestView]: ...

    def mark_nudged(
        self, request_id: int, next_nudge_at: dt.datetime | None, now: dt.datetime, delivery: NewDelivery
    ) -> bool: ...


class Outbox(Protocol):
    def enqueue(self, delivery: NewDelivery, now: dt.datetime) -> int: ...

"""In-memory stand-ins for the services' ports (``bot.services.ports``).

They keep what they are given in plain lists and dicts, so a test can look
at exactly what a service asked for, with no database and no Slack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config.loader import load_config
from bot.config.models import BotConfig
from bot.domain.deliveries import DeliveryClaim, DeliveryRow, NewDelivery
from bot.domain.requests import UNCLOSED, ActionResult, NewRequest, RecordResult, RequestView, RoutedDetail
from bot.render.text import Mentions
from bot.services.runtime import RuntimeHolder

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config"
ALERTS_CHANNEL = "CALERTS01"
NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


class FakeNames:
    """Every persona resolved to its own channel id; users belong to the personas a test says."""

    def __init__(self, config: BotConfig, memberships: dict[str, tuple[str, ...]] | None = None):
        personas = config.personas.personas
        self.mentions = Mentions(
            by_persona={p.id: f"<#C{p.id.upper().replace('-', '')[:8]}>" for p in personas},
            names={p.id: p.name for p in personas},
        )
        self.memberships = memberships or {}
        self.channels = {"#cost-alerts": ALERTS_CHANNEL}
        self.complete = True

    def channel_id(self, name_or_id: str) -> str | None:
        return self.channels.get(name_or_id)

    def personas_of(self, user_id: str) -> tuple[str, ...]:
        return self.memberships.get(user_id, ())

    def user_id_for(self, person: str) -> str | None:
        return None


@functools.cache
def shipped_config() -> BotConfig:
    """The shipped config, parsed once for all the services tests (the models are frozen)."""
    return load_config(SHIPPED_CONFIG).config


def holder(memberships: dict[str, tuple[str, ...]] | None = None, config: BotConfig | None = None) -> RuntimeHolder:
    return RuntimeHolder(
        SHIPPED_CONFIG, lambda loaded, previous: FakeNames(loaded, memberships), config or shipped_config()
    )


def request_view(request_id: int = 1, **changes: object) -> RequestView:
    base = RequestView(
        id=request_id,
        workspace="T1",
        channel_id=ALERTS_CHANNEL,
        message_ts=f"1700000000.{request_id:06d}",
        reply_ts="1700000001.000100",
        source="person",
        source_name="U1",
        excerpt="our RI coverage dropped",
        topics=["commitments"],
        primary_topic="commitments",
        personas={"responsible": ["finops-practitioner"], "accountable": ["finops-practitioner"]},
        primary_persona="finops-practitioner",
        amount_usd=None,
        explanation="",
        confidence=0.9,
        fingerprint=None,
        repeat_count=0,
        status="open",
        status_by=None,
        status_at=NOW,
        created_at=NOW - dt.timedelta(days=3),
        acknowledged_at=None,
        resolved_at=None,
        closed_at=None,
        nudged_windows=0,
        next_nudge_at=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class FakeRequests:
    """Intake records, request queries and changes, nudges and the outbox, in memory."""

    def __init__(self, requests: Sequence[RequestView] = ()):
        self.requests = {r.id: r for r in requests}
        self.recorded: list[tuple[str | None, NewRequest, NewDelivery | None]] = []
        self.seen_events: set[str] = set()
        self.enqueued: list[NewDelivery] = []
        self.actions: list[tuple[int, str, str, str | None]] = []
        self.nudged: list[tuple[int, NewDelivery]] = []
        self.open_queries: list[tuple[tuple[str, ...] | None, int]] = []
        self.routed: dict[int, RoutedDetail] = {}  # request id -> its 'routed' event's terms and stated amount
        self._ids = itertools.count(100)

    # intake
    def mark_event_processed(self, event_id: str, now: dt.datetime) -> bool:
        first = event_id not in self.seen_events
        self.seen_events.add(event_id)
        return first

    def record_routed_message(
        self, event_id, request, reply, now, *, repeat_window=None, repeat_reply=None, claim=None
    ) -> RecordResult:
        if event_id is not None and not self.mark_event_processed(event_id, now):
            return RecordResult(None, None, duplicate=True)
        self.recorded.append((event_id, request, reply))
        return RecordResult(next(self._ids), next(self._ids))

    def note_alert_resolved(self, event_id, fingerprint, note, actor, now) -> RecordResult:
        if not self.mark_event_processed(event_id, now):
            return RecordResult(None, None, duplicate=True)
        alerts = [r for r in self.requests.values() if r.fingerprint == fingerprint and r.status in UNCLOSED]
        if not alerts:
            return RecordResult(None, None)
        firing = max(alerts, key=lambda r: r.created_at)
        self.enqueued.append(note(firing))
        return RecordResult(firing.id, next(self._ids))

    # queries
    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> list[RequestView]:
        self.open_queries.append((tuple(personas) if personas is not None else None, limit))
        rows = [r for r in self.requests.values() if personas is None or r.primary_persona in personas]
        return sorted(rows, key=lambda r: r.created_at)[:limit]

    def count_open(self, personas: Sequence[str] | None = None) -> int:
        return len(self.open_requests(personas))

    def stated_amounts(self, request_ids: Sequence[int]) -> dict[int, str]:
        found = {i: self.routed[i].amount_stated for i in request_ids if i in self.routed}
        return {i: stated for i, stated in found.items() if stated}

    def find_by_message(self, workspace: str, channel_id: str, message_ts: str) -> RequestView | None:
        return next(
            (r for r in self.requests.values() if (r.channel_id, r.message_ts) == (channel_id, message_ts)), None
        )

    def routed_detail(self, request_id: int) -> RoutedDetail:
        return self.routed.get(request_id, RoutedDetail())

    def apply_action(
        self,
        request_id: int,
        action: str,
        actor: str,
        now: dt.datetime,
        *,
        to_persona: str | None = None,
        allowed: bool = True,
        next_nudge_at: dt.datetime | None = None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None = None,
    ) -> ActionResult:
        self.actions.append((request_id, action, actor, to_persona))
        status = {"take": "acknowledged", "reassign": "rerouted", "resolve": "resolved"}.get(action, "not_a_request")
        changed = dataclasses.replace(
            self.requests[request_id],
            status=status,
            status_by=actor,
            status_at=now,
            primary_persona=to_persona or self.requests[request_id].primary_persona,
        )
        self.requests[request_id] = changed
        update = update_reply(changed) if update_reply else None
        if update is not None:
            self.enqueued.append(update)
        return ActionResult(True, "done", f"Request #{request_id} {status}.", changed, 7 if update else None)

    # nudges
    def due_nudges(self, now: dt.datetime, limit: int = 100) -> list[RequestView]:
        return [r for r in self.requests.values() if r.status == "open" and r.next_nudge_at and r.next_nudge_at <= now]

    def mark_nudged(self, request_id, next_nudge_at, now, delivery=None) -> bool:
        self.nudged.append((request_id, delivery))
        self.requests[request_id] = dataclasses.replace(self.requests[request_id], next_nudge_at=next_nudge_at)
        return True

    # outbox
    def enqueue(self, delivery: NewDelivery, now: dt.datetime) -> int:
        self.enqueued.append(delivery)
        return next(self._ids)


class FakeSender:
    """The relay: remembers what it was told to send."""

    def __init__(self) -> None:
        self.notified: list[int | None] = []
        self.sent: list[DeliveryRow] = []

    def notify(self, delivery_id: int | None) -> None:
        self.notified.append(delivery_id)

    def claim_ahead(self) -> DeliveryClaim | None:
        return None

    def send_claimed(self, row: DeliveryRow) -> None:
        self.sent.append(row)

"""A message in a watched channel: route it, record it with its reply, hand the reply to the relay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.deliveries import POST, NewDelivery
from bot.domain.inputs import IncomingMessage
from bot.domain.requests import NewRequest, RequestView
from bot.render import replies as render
from bot.render.blocks import thread_link
from bot.routing.fingerprint import alert_fingerprint
from bot.routing.router import Decision
from bot.routing.slack_text import message_text
from bot.scheduling.business_days import ack_window_end
from bot.services.ports import Clock, HeldRecords, IntakeRecords, Sender
from bot.services.runtime import Runtime, RuntimeHolder
from bot.services.silencing import Silencing
from bot.services.views import roles_of, routed_reply_payload, stated_amount

EXCERPT_CHARS = 500
SOURCE_NAME_CHARS = 255  # routed_requests.source_name and request_events.actor


@dataclass(frozen=True)
class IntakeOutcome:
    action: str  # "routed" | "repeat" | "duplicate" | "ignored" | "chatter" | "muted" | "held"
    request_id: int | None = None
    delivery_id: int | None = None
    topic: str = ""  # routed: the primary topic ("" for the fallback)
    persona: str = ""  # routed: the primary persona
    team: str = ""  # routed: the team owning the alert's scope (owners.yaml), "" when none


IGNORED_REASONS = {"ignored": "not_watched", "chatter": "chatter", "duplicate": "duplicate"}


def count_outcome(outcome: IntakeOutcome) -> None:
    """Events received, ignored by reason, routed by topic, persona and team (for /metrics)."""
    from bot.telemetry.metrics import EVENTS_IGNORED, EVENTS_RECEIVED, EVENTS_ROUTED

    EVENTS_RECEIVED.inc()
    if outcome.action in IGNORED_REASONS:
        EVENTS_IGNORED.labels(IGNORED_REASONS[outcome.action]).inc()
    elif outcome.action in ("routed", "repeat"):
        EVENTS_ROUTED.labels(outcome.topic, outcome.persona, outcome.team).inc()


class Intake:
    """Routes messages from watched channels.

    While Slack has not listed the channels (``Runtime.unresolved_watch``), a message from a channel
    the bot cannot place is held in storage (``held``) and the event acknowledged; ``release_held``
    (the relay's poller calls it between sends) routes each once the names are known and its channel
    is watched, and forgets the others. A held message is routed with its event id, so one that two
    processes release at once, or that Slack also retried, is recorded once.
    """

    def __init__(
        self,
        holder: RuntimeHolder,
        records: IntakeRecords,
        sender: Sender,
        clock: Clock,
        silencing: Silencing | None = None,
        held: HeldRecords | None = None,
    ):
        self.silencing = silencing
        self.holder = holder
        self.records = records
        self.sender = sender
        self.clock = clock
        self.held = held

    def handle(self, message: IncomingMessage) -> IntakeOutcome:
        outcome = self._handle(message)
        count_outcome(outcome)
        return outcome

    def _handle(self, message: IncomingMessage) -> IntakeOutcome:
        runtime = self.holder.current
        now = self.clock()
        if message.channel_id not in runtime.watched_channel_ids:
            if runtime.unresolved_watch and self.held is not None:
                self.held.hold(message, now)
                return IntakeOutcome("held")
            return IntakeOutcome("ignored")
        decision = runtime.router.route(message.message)
        if not decision.is_request:
            first = message.event_id is None or self.records.mark_event_processed(message.event_id, now)
            return IntakeOutcome("chatter" if first else "duplicate")
        text = message_text(message.message)
        if self.silencing is not None:
            muted = self.silencing.mute_message(runtime, message, decision, text, now)
            if muted is not None:
                return IntakeOutcome("muted" if muted else "duplicate")
        request = new_request(runtime, message, decision, text, now)
        reply = self._reply(runtime, message, decision)
        result = self.records.record_routed_message(
            message.event_id,
            request,
            reply,
            now,
            repeat_window=dt.timedelta(hours=runtime.config.routing.repeats.window_hours),
            repeat_reply=self._repeat_reply(message, decision),
            claim=self.sender.claim_ahead(),
        )
        if result.duplicate:
            return IntakeOutcome("duplicate", result.request_id)
        if result.claimed is not None:
            self.sender.send_claimed(result.claimed)
        else:
            self.sender.notify(result.delivery_id)
        return IntakeOutcome(
            "repeat" if result.repeat_of else "routed",
            result.request_id,
            result.delivery_id,
            topic=request.primary_topic or "",
            persona=request.primary_persona,
            team=request.team or "",
        )

    def release_held(self, limit: int = 100) -> int:
        """Route the held messages whose channel is now known to be watched; forget the rest.

        Nothing happens while the names are still incomplete. Returns how many were routed.
        """
        if self.held is None or not self.holder.current.names.complete:
            return 0
        routed = 0
        for held_id, message in self.held.held(limit):
            if message.channel_id in self.holder.current.watched_channel_ids:
                outcome = self.handle(message)  # raises on a storage failure: the rest wait for the next call
                routed += outcome.action in ("routed", "repeat")
            self.held.forget([held_id])
        return routed

    @staticmethod
    def _reply(runtime: Runtime, message: IncomingMessage, decision: Decision) -> NewDelivery:
        payload = routed_reply_payload(runtime, message.ref, decision)
        payload.update(channel=message.channel_id, thread_ts=message.ts, unfurl_links=False, unfurl_media=False)
        # The event id in the key puts it in the relay's log lines should the reply finally fail.
        return NewDelivery(
            kind="reply",
            method=POST,
            payload=payload,
            dedup_key=f"reply:{message.ref}:{message.event_id}",
        )

    @staticmethod
    def _repeat_reply(message: IncomingMessage, decision: Decision) -> Callable[[RequestView], NewDelivery]:
        stated = decision.amount.stated() if decision.amount is not None else None

        def build(first: RequestView) -> NewDelivery:
            link = thread_link(first.channel_id, first.message_ts, first.reply_ts)
            amount, first_amount = render.repeat_amounts(decision.amount_usd, stated, first.amount_usd)
            payload = render.render_repeat_notice(link, first.repeat_count, amount, first_amount)
            payload.update(channel=message.channel_id, thread_ts=message.ts)
            return NewDelivery(kind="repeat", method=POST, payload=payload, dedup_key=f"repeat:{message.ref}")

        return build


def new_request(
    runtime: Runtime, message: IncomingMessage, decision: Decision, text: str, now: dt.datetime
) -> NewRequest:
    """The request row for a routed message: who it was routed to, by role, and when it is overdue."""
    roles = roles_of(decision)
    primary = decision.tags[0].persona if decision.tags else runtime.config.routing.fallback_persona
    primary_topic = decision.topics[0] if decision.topics else None
    source_id = message.bot_id or message.user_id or "unknown"
    return NewRequest(
        workspace=message.team_id,
        channel_id=message.channel_id,
        message_ts=message.ts,
        source="app" if message.bot_id else "person",
        # Slack sends app names of any length; kept whole up to what storage holds, cut deliberately beyond.
        source_name=(message.app_name or message.user_id or "")[:SOURCE_NAME_CHARS] or None,
        excerpt=text[:EXCERPT_CHARS],
        topics=list(decision.topics),
        primary_topic=primary_topic,
        personas=roles,
        primary_persona=primary,
        amount_usd=decision.amount_usd,
        explanation=decision.explanation,
        confidence=decision.confidence,
        fingerprint=alert_fingerprint(source_id, text) if message.bot_id else None,
        matched_terms=list(decision.matched_terms),
        amount_stated=stated_amount(decision),
        next_nudge_at=ack_window_end(runtime.config, primary_topic, primary, now),
        team=decision.team_id,
        team_scope=decision.team.scope if decision.team else None,
    )

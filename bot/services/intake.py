"""A message in a watched channel: route it, record it with its reply, hand the reply to the relay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.deliveries import POST, NewDelivery
from bot.domain.inputs import IncomingMessage
from bot.domain.requests import NewRequest, RequestView
from bot.render import replies as render
from bot.render.blocks import archive_link
from bot.routing.fingerprint import alert_fingerprint
from bot.routing.router import Decision
from bot.routing.slack_text import message_text
from bot.scheduling.business_days import ack_window_end
from bot.services.ports import Clock, IntakeRecords, Sender
from bot.services.runtime import Runtime, RuntimeHolder
from bot.services.views import routed_reply_payload

EXCERPT_CHARS = 500


@dataclass(frozen=True)
class IntakeOutcome:
    action: str  # "routed" | "repeat" | "duplicate" | "ignored" | "chatter"
    request_id: int | None = None
    delivery_id: int | None = None


class Intake:
    def __init__(self, holder: RuntimeHolder, records: IntakeRecords, sender: Sender, clock: Clock):
        self.holder = holder
        self.records = records
        self.sender = sender
        self.clock = clock

    def handle(self, message: IncomingMessage) -> IntakeOutcome:
        runtime = self.holder.current
        now = self.clock()
        if message.channel_id not in runtime.watched_channel_ids:
            return IntakeOutcome("ignored")
        decision = runtime.router.route(message.message)
        if not decision.is_request:
            first = message.event_id is None or self.records.mark_event_processed(message.event_id, now)
            return IntakeOutcome("chatter" if first else "duplicate")
        text = message_text(message.message)
        request = new_request(runtime, message, decision, text, now)
        reply = self._reply(runtime, message, decision)
        result = self.records.record_routed_message(
            message.event_id,
            request,
            reply,
            now,
            repeat_window=dt.timedelta(hours=runtime.config.routing.repeats.window_hours),
            repeat_reply=self._repeat_reply(message),
            claim=self.sender.claim_ahead(),
        )
        if result.duplicate:
            return IntakeOutcome("duplicate", result.request_id)
        if result.claimed is not None:
            self.sender.send_claimed(result.claimed)
        else:
            self.sender.notify(result.delivery_id)
        return IntakeOutcome("repeat" if result.repeat_of else "routed", result.request_id, result.delivery_id)

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
    def _repeat_reply(message: IncomingMessage) -> Callable[[RequestView], NewDelivery]:
        def build(first: RequestView) -> NewDelivery:
            link = archive_link(first.channel_id, first.message_ts)
            payload = render.render_repeat_notice(link, first.repeat_count)
            payload.update(channel=message.channel_id, thread_ts=message.ts)
            return NewDelivery(kind="repeat", method=POST, payload=payload, dedup_key=f"repeat:{message.ref}")

        return build


def new_request(
    runtime: Runtime, message: IncomingMessage, decision: Decision, text: str, now: dt.datetime
) -> NewRequest:
    """The request row for a routed message: who it was routed to, by role, and when it is overdue."""
    roles: dict[str, list[str]] = {}
    for tag in decision.tags:
        roles.setdefault(tag.role, []).append(tag.persona)
    roles.setdefault("accountable", list(decision.accountable))
    roles.setdefault("consulted", list(decision.consulted))
    roles.setdefault("informed", list(decision.informed))
    primary = decision.tags[0].persona if decision.tags else runtime.config.routing.fallback_persona
    primary_topic = decision.topics[0] if decision.topics else None
    source_id = message.bot_id or message.user_id or "unknown"
    return NewRequest(
        workspace=message.team_id,
        channel_id=message.channel_id,
        message_ts=message.ts,
        thread_ts=message.ts,
        source="app" if message.bot_id else "person",
        source_name=message.app_name or message.user_id,
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
        next_nudge_at=ack_window_end(runtime.config, primary_topic, primary, now),
        team=decision.team_id,
        team_scope=decision.team.scope if decision.team else None,
    )

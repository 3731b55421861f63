"""A button pressed on a routed request's reply: take, reassign, not a request, resolve."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.deliveries import POST, UPDATE, NewDelivery
from bot.domain.inputs import ActionPress
from bot.domain.requests import RequestView, RoutedDetail
from bot.render import replies as render
from bot.render.alerts import ALERT_TS_PREFIX, stored_alert_blocks, with_alert
from bot.render.blocks import posted_ts
from bot.render.text import quote
from bot.scheduling.business_days import ack_window_end
from bot.services.ports import Clock, Notify, Outbox, RequestChanges, SlackNames
from bot.services.runtime import Runtime, RuntimeHolder
from bot.services.views import decision_from_request, routed_reply_payload

CLOSING_ACTIONS = frozenset({"resolve", "not_a_request"})
NOTHING_KEPT = RoutedDetail()  # a reply rebuilt without its terms and stated amount


@dataclass(frozen=True)
class PressOutcome:
    ok: bool
    message: str  # shown to the presser only
    delivery_id: int | None = None


class Lifecycle:
    def __init__(self, holder: RuntimeHolder, requests: RequestChanges, outbox: Outbox, notify: Notify, clock: Clock):
        self.holder = holder
        self.requests = requests
        self.outbox = outbox
        self.notify = notify
        self.clock = clock

    def press(self, press: ActionPress | None) -> PressOutcome:
        action = render.ACTION_IDS.get(press.action_id) if press is not None else None
        if press is None or action is None:
            return PressOutcome(False, "That button is not one I know; nothing was changed.")
        runtime = self.holder.current
        if action == "reassign" and press.to_persona not in runtime.config.persona_ids:
            return PressOutcome(False, f"Unknown persona “{quote(press.to_persona or '', 40)}”; nothing was changed.")
        channel_id, _, ts = press.request_ref.partition(":")
        request = self.requests.find_by_message(press.team_id, channel_id, ts)
        if request is None:
            return PressOutcome(False, "I have no record of that request; nothing was changed.")
        if action in CLOSING_ACTIONS and not may_close(runtime, press.user_id):
            return PressOutcome(
                False, "Only the people configured as closers can resolve requests or mark them as not FinOps."
            )
        now = self.clock()
        routed = self.requests.routed_detail(request.id)  # the reply's "Matched:" terms and stated amount
        next_nudge = None
        if action == "reassign" and press.to_persona is not None:
            next_nudge = ack_window_end(runtime.config, request.primary_topic, press.to_persona, now)
        result = self.requests.apply_action(
            request.id,
            action,
            press.user_id,
            now,
            to_persona=press.to_persona,
            next_nudge_at=next_nudge,
            update_reply=lambda updated: updated_reply(runtime, updated, press.reply_ts, routed),
        )
        if result.delivery_id is not None:
            self.notify(result.delivery_id)
        if action == "reassign" and result.changed and result.request is not None:
            # An edited message notifies nobody: the new owner is tagged in a new thread reply.
            notice = reassign_notice(runtime.names, result.request, press.user_id)
            self.notify(self.outbox.enqueue(notice, now))
        return PressOutcome(result.ok, result.message, result.delivery_id)


def may_close(runtime: Runtime, user_id: str) -> bool:
    closers = runtime.config.routing.acknowledgement.closers
    if not closers:
        return True
    personas = set(runtime.names.personas_of(user_id))
    return any(entry in personas or runtime.names.user_id_for(entry) == user_id for entry in closers)


def reassign_notice(names: SlackNames, request: RequestView, actor: str) -> NewDelivery:
    payload = render.render_reassign_notice(actor, names.mentions.mention(request.primary_persona))
    payload.update(channel=request.channel_id, thread_ts=posted_ts(request.message_ts, request.reply_ts))
    return NewDelivery(
        kind="reassign",
        method=POST,
        payload=payload,
        request_id=request.id,
        dedup_key=f"reassign:{request.id}:{request.status_at.isoformat()}",
    )


def updated_reply(
    runtime: Runtime, request: RequestView, pressed_on: str | None, routed: RoutedDetail = NOTHING_KEPT
) -> NewDelivery | None:
    # The press names the reply it came from; the stored reply_ts may lag
    # behind by the moment between Slack answering and the relay recording it.
    reply_ts = pressed_on or request.reply_ts
    if reply_ts is None:
        return None
    payload = routed_reply_payload(
        runtime,
        f"{request.channel_id}:{request.message_ts}",
        decision_from_request(request, routed.matched_terms),
        team=request.team,
        team_scope=request.team_scope,
        amount_stated=routed.amount_stated,
        status=request.status,
        status_by=request.status_by,
        status_at=request.status_at,
        repeat_count=request.repeat_count,
    )
    if request.message_ts.startswith(ALERT_TS_PREFIX):  # a receiver's post: keep the alert on top
        ref = f"{request.channel_id}:{request.message_ts}"
        payload = with_alert(payload, stored_alert_blocks(request.excerpt, request.source_name), ref)
    payload.update(channel=request.channel_id, ts=reply_ts)
    return NewDelivery(kind="update", method=UPDATE, payload=payload, request_id=request.id)

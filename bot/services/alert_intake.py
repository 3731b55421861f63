"""An alert from a receiver: route it like a Slack message, record it, post it as a new message.

The alert, its request row and its post (an outbox delivery) are written in one
transaction before the receiver answers 2xx, keyed by the provider's delivery
id: a redelivery finds its key taken and posts nothing. A later notification of
the same alert (same fingerprint within the repeat window) adds a note in the
first post's thread instead of posting again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.alerts import Alert
from bot.domain.deliveries import POST, NewDelivery
from bot.domain.requests import NewRequest, RequestView
from bot.domain.silences import match_key
from bot.render import replies as render
from bot.render.alerts import ALERT_TS_PREFIX, alert_blocks, resolved_note, with_alert
from bot.render.blocks import archive_link
from bot.routing.alert_owners import alert_identifiers, with_owner
from bot.routing.router import Decision, PersonaTag
from bot.scheduling.business_days import ack_window_end
from bot.services.ports import AlertResolutions, Clock, IntakeRecords, Sender
from bot.services.runtime import Runtime, RuntimeHolder
from bot.services.silencing import Silencing
from bot.services.views import roles_of, routed_reply_payload, stated_amount

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500


class ChannelUnknown(Exception):
    """The receiver's channel is not a channel the bot can see."""


def synthetic_ts(alert: Alert) -> str:
    """The request's message key until Slack names the post: stable for one delivery of one alert."""
    digest = hashlib.sha256(f"{alert.receiver}\x1f{alert.delivery_id}".encode()).hexdigest()
    return ALERT_TS_PREFIX + digest[:24]


class AlertIntake:
    def __init__(
        self,
        holder: RuntimeHolder,
        records: IntakeRecords,
        resolutions: AlertResolutions,
        sender: Sender,
        clock: Clock,
        workspace: Callable[[], str],
        silencing: Silencing | None = None,
    ):
        self.silencing = silencing
        self.holder = holder
        self.records = records
        self.resolutions = resolutions
        self.sender = sender
        self.clock = clock
        self.workspace = workspace

    def accept(self, alert: Alert, channel: str) -> Mapping[str, Any]:
        runtime = self.holder.current
        now = self.clock()
        channel_id = runtime.names.channel_id(channel)
        if channel_id is None:
            raise ChannelUnknown(channel)
        event_key = f"alert:{alert.receiver}:{alert.delivery_id}"[:128]
        if alert.resolved:
            return self._resolved(alert, event_key, now)
        decision = self._decide(runtime, alert)
        muted = self._muted(alert, decision, channel_id, event_key, now)
        if muted is not None:
            return muted
        message_ts = synthetic_ts(alert)
        ref = f"{channel_id}:{message_ts}"
        request = self._request(runtime, alert, decision, channel_id, message_ts, now)
        payload = with_alert(routed_reply_payload(runtime, ref, decision), alert_blocks(alert), ref)
        payload.update(channel=channel_id, unfurl_links=False, unfurl_media=False)
        post = NewDelivery(
            kind="reply",  # the post is the request's reply: buttons update it, its ts is recorded
            method=POST,
            payload=payload,
            dedup_key=f"alert:{alert.receiver}:{alert.delivery_id}"[:255],
        )
        result = self.records.record_routed_message(
            event_key,
            request,
            post,
            now,
            repeat_window=dt.timedelta(hours=runtime.config.routing.repeats.window_hours),
            repeat_reply=self._repeat_note(alert, channel_id),
            claim=self.sender.claim_ahead(),
        )
        if result.duplicate:
            return {"action": "duplicate", "request_id": result.request_id}
        if result.claimed is not None:
            self.sender.send_claimed(result.claimed)
        elif result.delivery_id is not None:
            self.sender.notify(result.delivery_id)
        action = "repeat" if result.repeat_of else "posted"
        log.info("alert %s from %s %s as request %s", alert.kind, alert.source, action, result.request_id)
        return {"action": action, "request_id": result.request_id}

    def _resolved(self, alert: Alert, event_key: str, now: dt.datetime) -> Mapping[str, Any]:
        """A "resolved" notification: a note in its alert's thread, tagging nobody; no new request.

        Routed, its text ("back within range") would tag nobody and the fallback persona would be paged
        for a condition that has cleared.
        """

        def note(firing: RequestView) -> NewDelivery:
            payload = resolved_note(alert)
            payload.update(channel=firing.channel_id, unfurl_links=False, unfurl_media=False)
            if firing.reply_ts:
                payload["thread_ts"] = firing.reply_ts
            return NewDelivery(kind="resolved", method=POST, payload=payload, dedup_key=event_key)

        result = self.resolutions.note_alert_resolved(event_key, alert.fingerprint(), note, alert.source, now)
        if result.duplicate:
            return {"action": "duplicate", "request_id": None}
        if result.delivery_id is not None:
            self.sender.notify(result.delivery_id)
        log.info("alert %s from %s resolved, noted on request %s", alert.kind, alert.source, result.request_id)
        return {"action": "resolved", "request_id": result.request_id}

    def _muted(
        self, alert: Alert, decision: Decision, channel_id: str, event_key: str, now: dt.datetime
    ) -> Mapping[str, Any] | None:
        """Recorded under a matching silence, posted to nobody; None when no silence matches."""
        if self.silencing is None:
            return None
        silence = self.silencing.matching(alert_attributes(alert, decision, channel_id), now)
        if silence is None:
            return None
        first = self.silencing.records.record_muted(
            event_key,
            silence.id,
            alert.source,
            channel_id,
            alert.message()["text"],
            decision.amount_usd if decision.amount_usd is not None else _usd(alert),
            alert.fingerprint(),
            now,
            event_id=event_key,
        )
        log.info("alert %s from %s muted by silence %s", alert.kind, alert.source, silence.id)
        return {"action": "muted" if first else "duplicate", "silence_id": silence.id}

    @staticmethod
    def _decide(runtime: Runtime, alert: Alert) -> Decision:
        """Routed like a Slack message, owners included; the scope the receiver parsed comes first."""
        stated = alert_identifiers(alert.scope, alert.linked_accounts)
        message = alert.message()
        decision = runtime.router.route(message, stated)
        if decision.is_request:
            return decision
        # A cost alert sent to the bot on purpose is always someone's: the fallback persona's, at least.
        fallback = runtime.config.routing.fallback_persona
        unmatched = Decision(
            is_request=True,
            tags=(PersonaTag(fallback, "fallback"),),
            confidence=decision.confidence,
            amount_usd=decision.amount_usd,
            amount=decision.amount,
            matched_terms=decision.matched_terms,
            # Said as it is: tagged although the text alone would not be routed (that verdict is kept, last).
            explanation=f"{alert.source} alert sent to {fallback}, the fallback owner: an alert from a configured "
            f"receiver always goes to someone; its text alone would not have been routed "
            f"({decision.explanation.rstrip('.') or 'no terms'})",
        )
        return with_owner(unmatched, runtime.router.owners, message["text"], stated)

    def _request(
        self, runtime: Runtime, alert: Alert, decision: Decision, channel_id: str, message_ts: str, now: dt.datetime
    ) -> NewRequest:
        roles = roles_of(decision)
        primary = decision.tags[0].persona if decision.tags else runtime.config.routing.fallback_persona
        primary_topic = decision.topics[0] if decision.topics else None
        return NewRequest(
            workspace=self.workspace(),
            channel_id=channel_id,
            message_ts=message_ts,
            source="app",
            source_name=alert.source,
            excerpt=alert.message()["text"][:EXCERPT_CHARS],
            topics=list(decision.topics),
            primary_topic=primary_topic,
            personas=roles,
            primary_persona=primary,
            amount_usd=decision.amount_usd if decision.amount_usd is not None else _usd(alert),
            explanation=decision.explanation,
            confidence=decision.confidence,
            fingerprint=alert.fingerprint(),
            matched_terms=list(decision.matched_terms),
            amount_stated=stated_amount(decision),
            next_nudge_at=ack_window_end(runtime.config, primary_topic, primary, now),
            team=decision.team_id,
            team_scope=decision.team.scope if decision.team else None,
        )

    def _repeat_note(self, alert: Alert, channel_id: str) -> Callable[[RequestView], NewDelivery]:
        def build(first: RequestView) -> NewDelivery:
            payload = render.render_repeat_notice(
                archive_link(first.channel_id, first.reply_ts or ""), first.repeat_count
            )
            payload["text"] = f"{alert.title} (again)"
            payload["blocks"] = alert_blocks(alert) + list(payload.get("blocks") or [])
            payload.update(channel=first.channel_id)
            if first.reply_ts:
                payload["thread_ts"] = first.reply_ts
            return NewDelivery(
                kind="repeat",
                method=POST,
                payload=payload,
                dedup_key=f"alert-repeat:{alert.receiver}:{alert.delivery_id}"[:255],
            )

        return build


def alert_attributes(alert: Alert, decision: Decision, channel_id: str) -> dict[str, str]:
    """What a silence's matchers are compared with."""
    attributes = {
        "source": alert.source,
        "kind": alert.kind,
        "receiver": alert.receiver,
        "channel": channel_id,
        "topic": decision.topics[0] if decision.topics else "",
        "persona": decision.tags[0].persona if decision.tags else "",
        "fingerprint": alert.fingerprint(),
    }
    # A webhook's scope names are as configured ("cost-center", "CostCenter"): spelt as matcher keys are.
    attributes.update({match_key(key): str(value) for key, value in alert.scope.items()})
    return attributes


def _usd(alert: Alert) -> float | None:
    return alert.amount if alert.amount is not None and (alert.currency or "USD").upper() == "USD" else None

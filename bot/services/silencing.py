"""Silences: set, list and end them; tell the intakes whether an alert is muted.

A silence is stored in the database, so it applies on every instance, lives
through restarts and ends by itself at its time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.config.receivers import ReceiversConfig
from bot.domain.deliveries import POST, NewDelivery
from bot.domain.inputs import ActionPress, CommandRequest, IncomingMessage
from bot.domain.silences import (
    MutedCount,
    Silence,
    SilenceError,
    first_match,
    match_key,
    parse_duration,
    parse_matchers,
)
from bot.render import silences as render
from bot.routing.alert_owners import NOT_SCOPES, SCOPE_KINDS
from bot.routing.router import Decision
from bot.routing.sources import AlertFacts, read_alert
from bot.services.ports import Clock, Notify, Outbox, RequestChanges
from bot.services.runtime import Runtime, RuntimeHolder

# "Account: 1234" in a stored excerpt (whitespace folded): the scope an alert was posted with.
_SCOPE_LINE = re.compile(r"\b(Account|Linked account|Project|Billing account|Subscription|Namespace|Region): (\S+)")


class SilenceRecords(Protocol):
    def add(
        self, matchers: Mapping[str, str], expires_at: dt.datetime, reason: str, created_by: str, now: dt.datetime
    ) -> Silence: ...

    def expire(self, silence_id: int, by: str, now: dt.datetime) -> Silence | None: ...

    def active(self, now: dt.datetime) -> list[Silence]: ...

    def recent(self, now: dt.datetime, ended_within: dt.timedelta = ...) -> list[Silence]: ...

    def record_muted(
        self,
        key: str,
        silence_id: int,
        source: str,
        channel_id: str | None,
        excerpt: str,
        amount_usd: float | None,
        fingerprint: str | None,
        now: dt.datetime,
        *,
        event_id: str | None = None,
    ) -> bool: ...

    def muted_between(self, start: dt.datetime, end: dt.datetime) -> list[MutedCount]: ...


@dataclass(frozen=True)
class MuteOutcome:
    ok: bool
    message: dict


def scope_keys(receivers: ReceiversConfig | None) -> tuple[str, ...]:
    """The scope names a silence may match on beside the fixed keys: those a webhook is documented to
    map (whose an alert is, where it happened) and the configured webhooks' own (``receivers``)."""
    configured = receivers.scope_names() if receivers is not None else ()
    return (*SCOPE_KINDS, *sorted(NOT_SCOPES), *configured)


def parse_mute(argument: str, scope_keys: Iterable[str] | None = None) -> tuple[dict[str, str], dt.timedelta, str]:
    """``<what> for <duration> [reason]``; <what> is key=value,... or a bare source name.

    ``scope_keys``: the webhooks' scope names (see ``parse_matchers``)."""
    what, sep, rest = argument.partition(" for ")
    if not sep or not what.strip() or not rest.strip():
        raise SilenceError("usage: /finops mute <source or key=value,...> for <duration> [reason]")
    what = what.strip()
    matchers = parse_matchers(what if "=" in what else f"source={what}", scope_keys)
    duration_text, _, reason = rest.strip().partition(" ")
    return matchers, parse_duration(duration_text), reason.strip()


def slack_sources(message: IncomingMessage, facts: AlertFacts | None) -> tuple[str, ...]:
    """What ``source=`` matches for a watched-channel message, most specific first.

    An app's alert in a format of the alert-source table is that source (``aws-budgets`` for the "AWS
    Budgets" app or AWS Chatbot relaying a budget alert), as a receiver's alert is; the app's own name
    still matches too. A person's message is ``person``, whatever it quotes. ``facts``: the app's
    message read as an alert (``read_alert``).
    """
    if not message.bot_id:
        return ("person",)
    recognised = facts.sources if facts is not None else ()
    return tuple(dict.fromkeys((*recognised, message.app_name or message.source)))


class Silencing:
    def __init__(
        self,
        holder: RuntimeHolder,
        records: SilenceRecords,
        requests: RequestChanges,
        outbox: Outbox,
        notify: Notify,
        clock: Clock,
        refresh: dt.timedelta = dt.timedelta(0),
    ):
        """``refresh``: how long the silences in force, once read, answer for every message. Every
        message asks, and a query per message was a fifth of the intake's CPU under load; a silence set
        or ended in another process (the CLI, another instance) applies within it, one set here at once."""
        self.holder = holder
        self.records = records
        self.requests = requests
        self.outbox = outbox
        self.notify = notify
        self.clock = clock
        self.refresh = refresh
        # (read at, silences in force then): replaced whole, so threads share it without a lock.
        self._in_force: tuple[dt.datetime, list[Silence]] | None = None

    def matching(self, attributes: Mapping[str, str], now: dt.datetime | None = None) -> Silence | None:
        now = now or self.clock()
        return first_match(self._active(now), {k: v for k, v in attributes.items() if v}, now)

    def _active(self, now: dt.datetime) -> list[Silence]:
        cached = self._in_force
        if cached is not None and cached[0] <= now < cached[0] + self.refresh:
            return cached[1]  # first_match still checks each one's end against now
        silences = self.records.active(now)
        self._in_force = (now, silences)
        return silences

    def add(self, matchers: Mapping[str, str], duration: dt.timedelta, reason: str, actor: str) -> Silence:
        now = self.clock()
        silence = self.records.add(matchers, now + duration, reason, actor, now)
        self._in_force = None  # this process's next alert sees it
        return silence

    def mute_command(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        try:
            matchers, duration, reason = parse_mute(argument, scope_keys(runtime.config.routing.receivers))
        except SilenceError as error:
            return render.render_mute_refused(str(error))
        silence = self.add(matchers, duration, reason, command.user_id)
        return render.render_muted(silence, self.clock())

    def list_message(self) -> dict:
        now = self.clock()
        return render.render_silences(self.records.active(now), now)

    def mute_message(
        self, runtime: Runtime, message: IncomingMessage, decision: Decision, text: str, now: dt.datetime
    ) -> bool | None:
        """A watched-channel message under a silence: recorded, and answered quietly or not at all.

        None when no silence matches; True when recorded now; False for a redelivery.
        """
        if not self._active(now):
            return None  # the usual case: nothing is muted, and the text need not be read again
        attributes: dict[str, str] = {}
        silence = None
        # An app's alert is matched on the scope it names too, as a receiver's is; a person asking about
        # an account is not an alert about it, and is never muted by one.
        facts = read_alert(text) if message.bot_id and text else None
        scope = scope_attributes(facts) if facts is not None else {}
        for source in slack_sources(message, facts):
            attributes = {
                **scope,
                "source": source,
                "channel": message.channel_id,
                "topic": decision.topics[0] if decision.topics else "",
                "persona": decision.tags[0].persona if decision.tags else "",
            }
            silence = self.matching(attributes, now)
            if silence is not None:
                break
        if silence is None:
            return None
        key = f"slack:{message.event_id or message.ref}"
        first = self.records.record_muted(
            key,
            silence.id,
            attributes["source"],
            message.channel_id,
            text,
            decision.amount_usd,
            None,
            now,
            event_id=message.event_id,
        )
        if first and runtime.config.routing.silences.slack_messages == "quiet_reply":
            payload = render.render_quiet_reply(silence)
            payload.update(channel=message.channel_id, thread_ts=message.ts)
            delivery = NewDelivery(kind="muted", method=POST, payload=payload, dedup_key=key)
            self.notify(self.outbox.enqueue(delivery, now))
        return first

    def mute_similar(self, press: ActionPress) -> MuteOutcome:
        """The "Mute similar for…" menu on a receiver's post: same source and scope, for the chosen time."""
        ref, _, duration_text = press.request_ref.rpartition("|")  # the menu's value: "<channel>:<ts>|7d"
        channel_id, _, ts = (ref or press.request_ref).partition(":")
        request = self.requests.find_by_message(press.team_id, channel_id, ts)
        if request is None:
            return MuteOutcome(False, {"text": "I could not find that alert any more."})
        try:
            duration = parse_duration(duration_text or "7d")
        except SilenceError as error:
            return MuteOutcome(False, {"text": str(error)})
        matchers = {"source": request.source_name or "unknown"}
        for name, value in _SCOPE_LINE.findall(request.excerpt):
            matchers[match_key(name)] = value.strip()
        silence = self.add(matchers, duration, "muted from an alert's thread", press.user_id)
        payload = render.render_muted(silence, self.clock())
        thread = press.reply_ts
        payload.update(channel=channel_id, thread_ts=thread) if thread else payload.update(channel=channel_id)
        delivery = NewDelivery(kind="silence", method=POST, payload=payload, dedup_key=f"silence:{silence.id}")
        self.notify(self.outbox.enqueue(delivery, self.clock()))
        return MuteOutcome(True, payload)


def scope_attributes(facts: AlertFacts) -> dict[str, str]:
    """The scope an alert posted in Slack names (account, project, namespace...), as the receivers set it
    for theirs, so ``account=444455556666`` mutes that account's alerts wherever they arrive; the first
    of each kind."""
    attributes: dict[str, str] = {}
    for identifier in facts.identifiers:
        attributes.setdefault(identifier.kind, identifier.value)
    if "account" in attributes:
        # The account where the spend happened: what the AWS receiver calls an anomaly's linked account.
        attributes.setdefault("linked_account", attributes["account"])
    return attributes

"""The bot's use cases, one method per thing a Slack surface asks for.

Handlers convert a Slack payload, call exactly one method here and send what
it returns. This module knows nothing of bolt or slack_sdk: Slack names arrive
already resolved through the ``SlackNames`` protocol, and everything the bot
posts goes into the store's outbox, from which the relay sends it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot import render
from bot.blocks import archive_link, humanise_duration
from bot.config.loader import ConfigError, load_config
from bot.config.models import BotConfig
from bot.domain.deliveries import DeliveryClaim, DeliveryRow, NewDelivery
from bot.domain.requests import NewRequest, RequestView
from bot.routing.fingerprint import alert_fingerprint
from bot.routing.router import Decision, PersonaTag, Router
from bot.routing.slack_text import message_text
from bot.routing.who_owns import TopicLookup
from bot.scheduling.business_days import ack_deadline
from bot.slack.payloads import ActionPress, CommandRequest, IncomingMessage
from bot.storage.stores import Storage

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SlackNames(Protocol):
    """What the services need from the Slack name directory (bot.slack.directory)."""

    mentions: render.Mentions

    def channel_id(self, name_or_id: str) -> str | None: ...

    def personas_of(self, user_id: str) -> tuple[str, ...]: ...

    def user_id_for(self, person: str) -> str | None: ...


@dataclass(frozen=True)
class Runtime:
    """One consistent snapshot of config and what is derived from it.

    Replaced as a whole on reload, so a request never sees half of two configs.
    """

    config: BotConfig
    router: Router
    lookup: TopicLookup
    names: SlackNames
    watched_channel_ids: frozenset[str]
    version: str  # hash of the config files' contents, shown by /healthz

    @property
    def topic_names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.config.routing.topics}


class RuntimeHolder:
    """Holds the current Runtime; a reload that fails keeps the last good one."""

    def __init__(self, config_dir: Path, build_names: Callable[[BotConfig], SlackNames]) -> None:
        self.config_dir = Path(config_dir)
        self._build_names = build_names
        self._lock = threading.Lock()
        self._seen_version = self._files_version()
        self.current = self._build(load_config(self.config_dir).config, self._seen_version)

    def _build(self, config: BotConfig, version: str) -> Runtime:
        names = self._build_names(config)
        watched = frozenset(
            channel_id for channel in config.routing.watch.channels if (channel_id := names.channel_id(channel))
        )
        return Runtime(config, Router(config), TopicLookup(config), names, watched, version)

    def _files_version(self) -> str:
        # Contents, not mtimes: deploy tools may keep mtimes, and two saves can share one.
        digest = hashlib.sha256()
        for name in ("personas.yaml", "routing.yaml"):
            path = self.config_dir / name
            digest.update(path.read_bytes() if path.exists() else b"")
        return digest.hexdigest()[:12]

    def reload_if_changed(self) -> bool:
        """Reload when a config file changed. Returns True when a new config took effect."""
        with self._lock:
            version = self._files_version()
            if version == self._seen_version:
                return False
            self._seen_version = version
            try:
                loaded = load_config(self.config_dir)
            except ConfigError as error:
                log.error("config reload rejected, keeping the last good config (%s):\n%s", self.current.version, error)
                return False
            self.current = self._build(loaded.config, version)
            log.warning("config reloaded from %s: now at version %s", self.config_dir, version)
            return True


# --- message intake ----------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeOutcome:
    action: str  # "routed" | "repeat" | "duplicate" | "ignored" | "chatter"
    request_id: int | None = None
    delivery_id: int | None = None


EXCERPT_CHARS = 500


class ClaimedSends(Protocol):
    """The outbox relay as the intake sees it.

    It can lease a reply as it is written and send it without claiming it again,
    or be told of a committed delivery to claim and send.
    """

    def notify(self, delivery_id: int | None) -> None: ...

    def claim_ahead(self) -> DeliveryClaim | None: ...

    def send_claimed(self, row: DeliveryRow) -> None: ...


class Intake:
    def __init__(
        self,
        holder: RuntimeHolder,
        store: Storage,
        sender: ClaimedSends,
        clock: Clock,
    ):
        self.holder = holder
        self.store = store
        self.sender = sender
        self.clock = clock

    def handle(self, message: IncomingMessage) -> IntakeOutcome:
        runtime = self.holder.current
        now = self.clock()
        if message.channel_id not in runtime.watched_channel_ids:
            return IntakeOutcome("ignored")
        decision = runtime.router.route(message.message)
        if not decision.is_request:
            first = message.event_id is None or self.store.intake.mark_event_processed(message.event_id, now)
            return IntakeOutcome("chatter" if first else "duplicate")
        text = message_text(message.message)
        request = self._new_request(runtime, message, decision, text, now)
        reply = self._reply(runtime, message, decision)
        result = self.store.intake.record_routed_message(
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

    def _new_request(
        self, runtime: Runtime, message: IncomingMessage, decision: Decision, text: str, now: dt.datetime
    ) -> NewRequest:
        roles: dict[str, list[str]] = {}
        for tag in decision.tags:
            roles.setdefault(tag.role, []).append(tag.persona)
        roles.setdefault("accountable", list(decision.accountable))
        roles.setdefault("consulted", list(decision.consulted))
        roles.setdefault("informed", list(decision.informed))
        primary = decision.tags[0].persona if decision.tags else runtime.config.routing.fallback_persona
        source_id = message.bot_id or message.user_id or "unknown"
        return NewRequest(
            workspace=message.team_id,
            channel_id=message.channel_id,
            message_ts=message.ts,
            thread_ts=message.ts,
            source=message.source,
            source_name=message.app_name or message.user_id,
            excerpt=text[:EXCERPT_CHARS],
            topics=list(decision.topics),
            primary_topic=decision.topics[0] if decision.topics else None,
            personas=roles,
            primary_persona=primary,
            amount_usd=decision.amount_usd,
            explanation=decision.explanation,
            confidence=decision.confidence,
            fingerprint=alert_fingerprint(source_id, text) if message.bot_id else None,
            matched_terms=list(decision.matched_terms),
            next_nudge_at=ack_window_end(runtime.config, decision.topics[0] if decision.topics else None, primary, now),
        )

    def _reply(self, runtime: Runtime, message: IncomingMessage, decision: Decision) -> NewDelivery:
        payload = routed_reply_payload(runtime, message.ref, decision)
        payload.update(channel=message.channel_id, thread_ts=message.ts, unfurl_links=False, unfurl_media=False)
        # The event id in the key puts it in the relay's log lines should the reply finally fail.
        return NewDelivery(
            kind="reply",
            method="chat.postMessage",
            payload=payload,
            dedup_key=f"reply:{message.ref}:{message.event_id}",
        )

    @staticmethod
    def _repeat_reply(message: IncomingMessage) -> Callable[[RequestView], NewDelivery]:
        def build(first: RequestView) -> NewDelivery:
            link = archive_link(first.channel_id, first.message_ts)
            payload = render.render_repeat_notice(link, first.repeat_count)
            payload.update(channel=message.channel_id, thread_ts=message.ts)
            return NewDelivery(
                kind="repeat", method="chat.postMessage", payload=payload, dedup_key=f"repeat:{message.ref}"
            )

        return build


def ack_window_end(config: BotConfig, topic_id: str | None, persona_id: str, start: dt.datetime) -> dt.datetime:
    """When a request routed at ``start`` is overdue for acknowledgement."""
    window = config.routing.acknowledgement.window_business_days
    if topic_id:
        try:
            window = config.topic(topic_id).ack_window_business_days or window
        except KeyError:
            pass
    timezone = config.routing.timezone
    try:
        timezone = config.persona(persona_id).timezone or timezone
    except KeyError:
        pass
    return ack_deadline(start, window, timezone)


def routed_reply_payload(runtime: Runtime, request_ref: str, decision: Decision, **status) -> dict:
    mentions = runtime.names.mentions
    responsible = tuple(t.persona for t in decision.tags if t.role in ("responsible", "fallback"))
    escalated = tuple(t.persona for t in decision.tags if t.role == "escalation")
    fallback = runtime.config.routing.fallback_persona
    unresolved = [p for p in responsible + escalated if not mentions.is_resolved(p)]
    fallback_added = (
        (fallback,) if unresolved and fallback not in responsible and mentions.is_resolved(fallback) else ()
    )
    reply = render.RoutedReply(
        request_ref=request_ref,
        responsible=responsible,
        consulted=tuple(decision.consulted),
        escalated=escalated,
        fallback_added=fallback_added,
        topic_names=tuple(runtime.topic_names.get(t, t) for t in decision.topics[:2]),
        matched_terms=tuple(decision.matched_terms),
        amount_usd=decision.amount_usd,
        explanation=decision.explanation,
        **status,
    )
    return render.render_routed_reply(reply, mentions, runtime.config.personas.personas)


# --- /finops ----------------------------------------------------------------------------------


class Commands:
    def __init__(self, holder: RuntimeHolder, store: Storage):
        self.holder = holder
        self.store = store

    def respond(self, command: CommandRequest) -> dict:
        runtime = self.holder.current
        text = command.text.strip()
        public = False
        if text.endswith("--public"):
            public, text = True, text[: -len("--public")].strip()
        name, _, argument = text.partition(" ")
        name, argument = name.lower(), argument.strip()
        handler = {
            "who-owns": self._who_owns,
            "whoowns": self._who_owns,
            "owner": self._who_owns,
            "personas": self._personas,
            "persona": self._persona,
            "route": self._route,
            "open": self._open,
            "mine": self._mine,
            "help": self._help,
            "": self._help,
        }.get(name)
        if handler is None:
            response = render.render_help(f"Unknown subcommand “{render.quote(name, 40)}”.")
        else:
            response = handler(runtime, argument, command)
        response["response_type"] = "in_channel" if public else "ephemeral"
        return response

    def _help(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        return render.render_help()

    def _who_owns(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if not argument:
            return render.render_help("Tell me a topic: `/finops who-owns anomalies`.")
        answer = runtime.lookup.lookup(argument)
        return render.render_who_owns(argument, answer, runtime.config, runtime.names.mentions)

    def _personas(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        return render.render_personas(runtime.config, runtime.names.mentions)

    def _persona(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        persona_id = argument.lower().strip()
        try:
            persona = runtime.config.persona(persona_id)
        except KeyError:
            ids = runtime.config.persona_ids
            names = {p.name.lower(): p.id for p in runtime.config.personas.personas}
            if persona_id in names:
                persona = runtime.config.persona(names[persona_id])
            else:
                return render.render_unknown_persona(
                    argument, difflib.get_close_matches(persona_id, ids, n=3, cutoff=0.5)
                )
        owned = [t.name for t in runtime.config.routing.topics if persona.id in t.owners.responsible]
        return render.render_persona(persona, runtime.names.mentions, owned)

    def _route(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if not argument:
            return render.render_help("Give me a message to route: `/finops route our RI coverage dropped`.")
        decision = runtime.router.route({"text": argument})
        return render.render_route_preview(argument, decision, runtime.names.mentions, runtime.topic_names)

    def _open(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        persona = argument.lower().strip() or None
        if persona and persona not in runtime.config.persona_ids:
            suggestions = difflib.get_close_matches(persona, runtime.config.persona_ids, n=3, cutoff=0.5)
            return render.render_unknown_persona(argument, suggestions)
        rows = self.store.requests.open_requests(personas=[persona] if persona else None, limit=20)
        title = f"Open requests for {runtime.config.persona(persona).name}" if persona else "Open FinOps requests"
        return render.render_open_requests(title, open_lines(runtime, rows))

    def _mine(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        personas = runtime.names.personas_of(command.user_id)
        if not personas:
            text = (
                "You are not listed in any persona (as a person or through a user group), "
                "so nothing is yours yet. Try `/finops open`."
            )
            return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
        rows = self.store.requests.open_requests(personas=list(personas), limit=20)
        return render.render_open_requests("Your open requests", open_lines(runtime, rows))


def open_lines(runtime: Runtime, rows: Sequence[RequestView]) -> list[render.OpenRequestLine]:
    names = runtime.names.mentions
    return [
        render.OpenRequestLine(
            request_id=row.id,
            request_ref=f"{row.channel_id}:{row.message_ts}",
            link=archive_link(row.channel_id, row.message_ts),
            topic_name=runtime.topic_names.get(row.primary_topic or "", "Cloud cost request"),
            persona_name=names.name(row.primary_persona),
            status=row.status,
            opened_at=row.created_at,
            amount_usd=row.amount_usd,
            excerpt=row.excerpt,
        )
        for row in rows
    ]


# --- buttons ----------------------------------------------------------------------------------

ACTIONS = {
    render.ACTION_TAKE: "take",
    render.ACTION_REASSIGN: "reassign",
    render.ACTION_NOT_REQUEST: "not_a_request",
    render.ACTION_RESOLVE: "resolve",
}
CLOSING_ACTIONS = frozenset({"resolve", "not_a_request"})


@dataclass(frozen=True)
class PressOutcome:
    ok: bool
    message: str  # shown to the presser only
    delivery_id: int | None = None


class Lifecycle:
    def __init__(self, holder: RuntimeHolder, store: Storage, notify: Callable[[int | None], None], clock: Clock):
        self.holder = holder
        self.store = store
        self.notify = notify
        self.clock = clock

    def press(self, press: ActionPress | None) -> PressOutcome:
        if press is None or press.action_id not in ACTIONS:
            return PressOutcome(False, "That button is not one I know; nothing was changed.")
        runtime = self.holder.current
        action = ACTIONS[press.action_id]
        if action == "reassign" and press.to_persona not in runtime.config.persona_ids:
            return PressOutcome(
                False, f"Unknown persona “{render.quote(press.to_persona or '', 40)}”; nothing was changed."
            )
        channel_id, _, ts = press.request_ref.partition(":")
        request = self.store.requests.find_by_message(press.team_id, channel_id, ts)
        if request is None:
            return PressOutcome(False, "I have no record of that request; nothing was changed.")
        allowed = action not in CLOSING_ACTIONS or self._may_close(runtime, press.user_id)
        if not allowed:
            return PressOutcome(
                False, "Only the people configured as closers can resolve requests or mark them as not FinOps."
            )
        now = self.clock()
        next_nudge = None
        if action == "reassign":
            next_nudge = ack_window_end(runtime.config, request.primary_topic, press.to_persona, now)
        result = self.store.requests.apply_action(
            request.id,
            action,
            press.user_id,
            now,
            to_persona=press.to_persona,
            next_nudge_at=next_nudge,
            update_reply=lambda updated: self._updated_reply(runtime, updated, press.reply_ts),
        )
        if result.delivery_id is not None:
            self.notify(result.delivery_id)
        if action == "reassign" and result.changed:
            # An edited message notifies nobody: the new owner is tagged in a new thread reply.
            self.notify(self.store.outbox.enqueue(self._reassign_notice(runtime, result.request, press.user_id), now))
        return PressOutcome(result.ok, result.message, result.delivery_id)

    @staticmethod
    def _reassign_notice(runtime: Runtime, request: RequestView, actor: str) -> NewDelivery:
        who = runtime.names.mentions.mention(request.primary_persona)
        text = f":arrow_right_hook: <@{actor}> reassigned this to {who}. Can you take it?"
        payload = {
            "channel": request.channel_id,
            "thread_ts": request.message_ts,
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
        return NewDelivery(
            kind="reassign",
            method="chat.postMessage",
            payload=payload,
            request_id=request.id,
            dedup_key=f"reassign:{request.id}:{request.status_at.isoformat()}",
        )

    @staticmethod
    def _may_close(runtime: Runtime, user_id: str) -> bool:
        closers = runtime.config.routing.acknowledgement.closers
        if not closers:
            return True
        personas = set(runtime.names.personas_of(user_id))
        return any(entry in personas or runtime.names.user_id_for(entry) == user_id for entry in closers)

    @staticmethod
    def _updated_reply(runtime: Runtime, request: RequestView, pressed_on: str | None) -> NewDelivery | None:
        # The press names the reply it came from; the stored reply_ts may lag
        # behind by the moment between Slack answering and the relay recording it.
        reply_ts = pressed_on or request.reply_ts
        if reply_ts is None:
            return None
        decision = decision_from_request(runtime, request)
        payload = routed_reply_payload(
            runtime,
            f"{request.channel_id}:{request.message_ts}",
            decision,
            status=request.status,
            status_by=request.status_by,
            status_at=request.status_at,
            repeat_count=request.repeat_count,
        )
        payload.update(channel=request.channel_id, ts=reply_ts)
        return NewDelivery(kind="update", method="chat.update", payload=payload, request_id=request.id)


def decision_from_request(runtime: Runtime, request: RequestView) -> Decision:
    """Rebuild the parts of a Decision a reply shows, from what the store kept."""
    roles = request.personas or {}
    tags = [PersonaTag(request.primary_persona, "responsible")]
    for role in ("responsible", "fallback", "escalation"):
        for persona in roles.get(role, []):
            if persona != request.primary_persona and request.status != "rerouted":
                tags.append(PersonaTag(persona, role))
    return Decision(
        is_request=True,
        tags=tuple(tags),
        consulted=tuple(roles.get("consulted", [])),
        informed=tuple(roles.get("informed", [])),
        accountable=tuple(roles.get("accountable", [])),
        topics=tuple(request.topics or ()),
        matched_terms=(),
        confidence=request.confidence or 0.0,
        amount_usd=request.amount_usd,
        explanation=request.explanation,
    )


# --- App Home and nudges ------------------------------------------------------------------


class Home:
    def __init__(self, holder: RuntimeHolder, store: Storage):
        self.holder = holder
        self.store = store

    def view_for(self, user_id: str) -> dict:
        runtime = self.holder.current
        personas = runtime.names.personas_of(user_id)
        rows = self.store.requests.open_requests(personas=list(personas), limit=15) if personas else []
        return render.render_home(runtime.config, runtime.names.mentions, open_lines(runtime, rows))


class Nudges:
    """Tags the accountable persona in the thread of a request nobody took in time."""

    def __init__(self, holder: RuntimeHolder, store: Storage, notify: Callable[[int | None], None], clock: Clock):
        self.holder = holder
        self.store = store
        self.notify = notify
        self.clock = clock

    def sweep(self, now: dt.datetime | None = None) -> int:
        now = now or self.clock()
        runtime = self.holder.current
        sent = 0
        for request in self.store.requests.due_nudges(now, limit=100):
            accountable = (request.personas or {}).get("accountable") or [runtime.config.routing.fallback_persona]
            waited = humanise_duration((now - request.created_at).total_seconds())
            payload = render.render_nudge(accountable, runtime.names.mentions, waited)
            payload.update(channel=request.channel_id, thread_ts=request.message_ts)
            next_at = ack_window_end(runtime.config, request.primary_topic, request.primary_persona, now)
            delivery = NewDelivery(
                kind="nudge",
                method="chat.postMessage",
                payload=payload,
                request_id=request.id,
                dedup_key=f"nudge:{request.id}:{request.nudged_windows + 1}",
            )
            if self.store.requests.mark_nudged(request.id, next_at, now, delivery):
                sent += 1
        return sent

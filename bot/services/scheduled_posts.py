"""Scheduled posts: assemble a ``Ticker`` from the configuration, the storage and a poster.

The composers here turn an occurrence into messages: a duty reminder with
the persona's open requests, a calendar reminder per recipient channel, the
weekly digest. They read the configuration through a provider each time, so
a reload takes effect on the next tick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from bot.config.models import BotConfig, Persona
from bot.domain.deliveries import POST, NewDelivery
from bot.domain.digest import DigestData, RequestRef
from bot.domain.silences import MutedCount
from bot.domain.slack_errors import Refusal
from bot.render.blocks import MAX_BLOCKS
from bot.render.digest import digest_for_persona, refusals_footer, render_digest
from bot.render.reminders import render_calendar_reminder, render_duty_reminder
from bot.render.silences import muted_digest_lines
from bot.scheduling.schedules import Occurrence, Schedule, schedules_from_config
from bot.scheduling.ticker import Composer, Message, OccurrenceClaims, Poster, Ticker
from bot.scheduling.weeks import last_complete_week, week_label
from bot.services.ports import Clock, Notify
from bot.services.runtime import RuntimeHolder

OPEN_REQUESTS_IN_REMINDER = 50


class RequestSource(Protocol):
    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> Sequence[Any]:
        """Unclosed requests, oldest first (``RequestStore.open_requests`` returns ``RequestView``s)."""

    def count_open(self, personas: Sequence[str] | None = None) -> int: ...


def as_request_ref(request: Any) -> RequestRef:
    """A store ``RequestView`` (or anything alike) as the plain reference reminders render."""
    if isinstance(request, RequestRef):
        return request
    return RequestRef(
        request_id=int(getattr(request, "id", None) or getattr(request, "request_id", None) or 0),
        channel_id=request.channel_id,
        message_ts=request.message_ts,
        opened_at=getattr(request, "opened_at", None) or request.created_at,
        topic=getattr(request, "primary_topic", None) or getattr(request, "topic", None),
        amount_usd=getattr(request, "amount_usd", None),
        excerpt=request.excerpt,
        status=request.status,
        permalink=getattr(request, "permalink", None),
    )


class DigestSource(Protocol):
    def digest_data(self, week_start: dt.datetime, week_end: dt.datetime, fallback_persona: str) -> DigestData: ...


class SchedulerStore(Protocol):
    """What the ticker needs of ``bot.storage.stores.Storage``."""

    @property
    def schedule_claims(self) -> OccurrenceClaims: ...

    @property
    def requests(self) -> RequestSource: ...

    @property
    def digest(self) -> DigestSource: ...


MentionResolver = Callable[[Persona], Sequence[str]]
ConfigProvider = Callable[[], BotConfig]


def plain_mentions(persona: Persona) -> list[str]:
    """Mentions without a Slack directory: user ids become real mentions, handles stay text.

    The Slack layer should pass a resolver that turns ``@finops-finance`` into
    ``<!subteam^S…>`` and emails into ``<@U…>``.
    """
    mentions = []
    if persona.slack.usergroup:
        mentions.append(persona.slack.usergroup)
    for person in persona.slack.people:
        if person[:1] in ("U", "W") and person.isalnum() and person.isupper():
            mentions.append(f"<@{person}>")
    return mentions


class ScheduleCache:
    """Schedules for the current config, recomputed only when the config object changes."""

    def __init__(self, config_provider: ConfigProvider) -> None:
        self._config_provider = config_provider
        self._config: BotConfig | None = None
        self._schedules: tuple[Schedule, ...] = ()

    def __call__(self) -> tuple[Schedule, ...]:
        config = self._config_provider()
        if config is not self._config:
            self._schedules = schedules_from_config(config)
            self._config = config
        return self._schedules


# Posts Slack refused for good since a time (the digest's footer); read from the outbox by the composition root.
Refusals = Callable[[dt.datetime], Sequence[Refusal]]
# What silences muted in a week: (week start, week end) -> counts per silence.
Muted = Callable[[dt.datetime, dt.datetime], Sequence[MutedCount]]


def build_composers(
    config_provider: ConfigProvider,
    requests_source: RequestSource,
    digest_source: DigestSource,
    *,
    mentions: MentionResolver = plain_mentions,
    nudge_sweep: Callable[[dt.datetime], Sequence[Message]] | None = None,
    refusals: Refusals | None = None,
    muted: Muted | None = None,
    prune: Callable[[dt.datetime], object] | None = None,
) -> dict[str, Composer]:
    def duty(occurrence: Occurrence, now: dt.datetime) -> list[Message]:
        config = config_provider()
        schedule = occurrence.schedule
        persona = config.persona(schedule.subject or schedule.recipients[0])
        if not persona.slack.channel:
            return []
        requests = [
            as_request_ref(r)
            for r in requests_source.open_requests(personas=[persona.id], limit=OPEN_REQUESTS_IN_REMINDER)
        ]
        total = requests_source.count_open(personas=[persona.id])
        message = render_duty_reminder(persona.name, schedule.text, mentions(persona), requests, now, total_open=total)
        return [{"channel": persona.slack.channel, **message}]

    def calendar(occurrence: Occurrence, now: dt.datetime) -> list[Message]:
        config = config_provider()
        step = occurrence.calendar_step()
        if step is None:
            return []
        today = occurrence.local_fire_time().date()
        messages: list[Message] = []
        seen_channels: set[str] = set()
        for persona_id in occurrence.schedule.recipients:
            try:
                persona = config.persona(persona_id)
            except KeyError:
                continue
            channel = persona.slack.channel
            if not channel or channel in seen_channels:
                continue
            seen_channels.add(channel)
            messages.append({"channel": channel, **render_calendar_reminder(step, mentions(persona), today)})
        return messages

    def digest(occurrence: Occurrence, now: dt.datetime) -> list[Message]:
        config = config_provider()
        schedule = occurrence.schedule
        message = compose_digest(
            config,
            digest_source,
            occurrence.fire_time,
            schedule.timezone,
            audience=schedule.subject,
            refusals=refusals if schedule.subject is None else None,
            muted=muted,
        )
        return [{"channel": schedule.channel, **message}]

    composers: dict[str, Composer] = {"duty": duty, "calendar": calendar, "digest": digest}
    if nudge_sweep is not None:
        composers["nudge-sweep"] = lambda occurrence, now: nudge_sweep(now)
    if prune is not None:

        def retention_prune(occurrence: Occurrence, now: dt.datetime) -> list[Message]:
            prune(now)
            return []

        composers["retention-prune"] = retention_prune
    return composers


def compose_digest(
    config: BotConfig,
    source: DigestSource,
    at: dt.datetime,
    timezone: str,
    *,
    week: tuple[dt.datetime, dt.datetime] | None = None,
    audience: str | None = None,
    refusals: Refusals | None = None,
    muted: Muted | None = None,
) -> dict:
    """The digest message (``text``, ``blocks``) for the week before ``at``, or ``week`` if given.

    ``refusals(since)``: posts Slack refused for good since the week began, shown in the footer.
    """
    week_start, week_end = week or last_complete_week(at, timezone)
    fallback = config.routing.fallback_persona
    data = source.digest_data(week_start, week_end, fallback)
    if audience is not None:
        data = digest_for_persona(data, audience, fallback)
    message = render_digest(
        data,
        {p.id: p.name for p in config.personas.personas},
        {t.id: t.name for t in config.routing.topics},
        week_label(week_start, timezone),
        audience=audience,
        as_of=at,
    )
    if audience is None and muted is not None:
        lines = muted_digest_lines(muted(week_start, week_end))
        if lines:
            message["blocks"] = [*message.get("blocks", [])[: MAX_BLOCKS - len(lines)], *lines]
    footer = refusals_footer(refusals(week_start)) if refusals is not None else None
    if footer is not None:
        message["blocks"] = [*message["blocks"][: MAX_BLOCKS - 1], footer]
        message["text"] = f"{message['text']}\n{footer['elements'][0]['text']}"
    return message


def build_ticker(
    config: BotConfig | ConfigProvider,
    store: SchedulerStore,
    poster: Poster,
    clock: Callable[[], dt.datetime],
    worker_id: str | None = None,
    *,
    mentions: MentionResolver = plain_mentions,
    nudge_sweep: Callable[[dt.datetime], Sequence[Message]] | None = None,
    refusals: Refusals | None = None,
    muted: Muted | None = None,
    prune: Callable[[dt.datetime], object] | None = None,
) -> Ticker:
    """A ticker over the configuration's schedules (pass a provider to follow reloads).

    ``nudge_sweep(now) -> messages`` handles the ``nudge:sweep`` schedule, and
    ``prune(now)`` the daily ``retention:prune``; without them those schedules
    are left unclaimed for a process that has them.
    """
    config_provider: ConfigProvider = config if callable(config) else (lambda: config)
    grace = dt.timedelta(minutes=config_provider().routing.scheduler.grace_minutes)
    return Ticker(
        ScheduleCache(config_provider),
        store.schedule_claims,
        poster,
        build_composers(
            config_provider,
            store.requests,
            store.digest,
            mentions=mentions,
            nudge_sweep=nudge_sweep,
            refusals=refusals,
            muted=muted,
            prune=prune,
        ),
        clock=clock,
        worker_id=worker_id,
        grace=grace,
    )


class NudgeSweep(Protocol):
    def sweep(self, now: dt.datetime | None = None) -> int: ...


class ScheduledOutbox(Protocol):
    def enqueue(self, delivery: NewDelivery, now: dt.datetime) -> int: ...


def build_scheduler(
    holder: RuntimeHolder,
    store: SchedulerStore,
    outbox: ScheduledOutbox,
    nudges: NudgeSweep,
    notify: Notify,
    clock: Clock,
    worker_id: str,
    refusals: Refusals | None = None,
    muted: Muted | None = None,
    prune: Callable[[dt.datetime], object] | None = None,
) -> Ticker:
    """The ticker of a running bot: reminders and digests go through the outbox like every post.

    ``prune(now)``: the retention prune (``bot.storage.retention``), run daily.
    """

    def post(message: Mapping[str, Any]) -> None:
        names = holder.current.names
        channel = names.channel_id(message["channel"])
        if channel is None:
            raise LookupError(f"cannot post a reminder: channel {message['channel']} not found in Slack")
        payload = {"channel": channel, "text": message["text"], "blocks": message.get("blocks"), "unfurl_links": False}
        notify(outbox.enqueue(NewDelivery(kind="scheduled", method=POST, payload=payload), clock()))

    def sweep_nudges(now: dt.datetime) -> list[dict]:
        # Nudges enqueue their own thread replies, each window's claimed on the
        # request row, so nothing is left for the ticker to post.
        nudges.sweep(now)
        return []

    def mentions(persona: Persona) -> list[str]:
        resolved = holder.current.names.mentions.by_persona.get(persona.id)
        return resolved.split() if resolved else [f"*{persona.name}*"]

    return build_ticker(
        lambda: holder.current.config,
        store,
        post,
        clock=clock,
        worker_id=worker_id,
        mentions=mentions,
        nudge_sweep=sweep_nudges,
        refusals=refusals,
        muted=muted,
        prune=prune,
    )

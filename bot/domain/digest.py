"""The facts a weekly digest is made of.

The storage fills these (``DigestQueries.digest_data``) and ``bot.render.digest``
renders them, so the rendering is tested with plain values and the queries are
tested against real databases, each without the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestRef:
    """One routed request as a digest line shows it."""

    request_id: int
    channel_id: str
    message_ts: str
    opened_at: dt.datetime
    topic: str | None
    amount_usd: float | None
    excerpt: str
    status: str
    permalink: str | None = None
    team: str | None = None  # the owners.yaml team owning it
    reply_ts: str | None = None  # the bot's reply; for a receiver's alert, the alert's post


@dataclass(frozen=True)
class PersonaWeek:
    persona: str
    routed: int
    acknowledged: int
    resolved: int
    still_open: int  # open at the end of the week, whenever routed
    previous_routed: int  # routed in the week before, for the change
    median_ack_seconds: float | None
    top_topics: tuple[tuple[str, int], ...]  # (topic id, count), most first
    oldest_open: tuple[RequestRef, ...]  # oldest first, capped
    largest_amounts: tuple[RequestRef, ...]  # largest first, capped


@dataclass(frozen=True)
class Reassignment:
    request_id: int
    topic: str | None
    from_persona: str | None
    to_persona: str | None  # None for "not a FinOps request"
    actor: str
    at: dt.datetime


@dataclass(frozen=True)
class DigestData:
    week_start: dt.datetime  # inclusive, UTC
    week_end: dt.datetime  # exclusive, UTC
    total_routed: int
    previous_total_routed: int
    daily_routed: tuple[int, ...]  # seven counts, week_start's day first
    personas: tuple[PersonaWeek, ...]  # personas with any activity, most routed first
    fallback: tuple[RequestRef, ...] = ()  # routed to the fallback owner (matched no topic)
    reassignments: tuple[Reassignment, ...] = ()
    extra: dict = field(default_factory=dict)

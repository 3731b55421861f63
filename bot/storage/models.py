"""The tables, as SQLAlchemy 2 typed models.

Only ``bot.storage`` imports these; the rest of the bot sees the plain
dataclasses of ``bot.domain``. Every timestamp is stored in UTC and read
back as an aware datetime on both back ends (see ``UtcDateTime``).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.packing import PackedSmallJSON, PackedText

EXCERPT_MAX_CHARS = 500
ACTOR_MAX_CHARS = 255
SENT_ONLY = "status = 'sent'"
# Unclosed (open, rerouted, acknowledged) is exactly "never closed": closed_at is set when a request
# leaves for a closed state, and a closed request never changes again (bot.domain.lifecycle).
UNCLOSED_ONLY = "closed_at IS NULL"


def _partial(condition: str) -> dict[str, Any]:
    """A partial index's condition, for both back ends."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


# Explicit constraint names keep migrations identical on every back end.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    SQLite has no time zone type, so values are stored as naive UTC text there,
    which still sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


_compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
PAYLOAD_COMPRESSION_LEVEL = 1  # a reply's ~2.5 KB of Block Kit JSON packs to ~0.8 KB at this level, in ~15 µs


def pack_payload(value: Any) -> bytes:
    """A delivery's payload as stored: compact JSON, zlib-compressed."""
    return pack_payload_json(payload_json(value))


def payload_json(value: Any) -> str:
    """A payload's compact JSON text, as ``pack_payload`` stores it."""
    return _compact_json(value)


def pack_payload_json(text: str) -> bytes:
    """``pack_payload`` of a payload already encoded by ``payload_json``."""
    return zlib.compress(text.encode(), PAYLOAD_COMPRESSION_LEVEL)


def unpack_payload(value: bytes | str) -> Any:
    """A stored payload back; rows written before migration 0004 hold plain JSON text (or its bytes)."""
    if isinstance(value, str):
        return json.loads(value)
    data = bytes(value)
    return json.loads(data if data[:1] in (b"{", b"[") else zlib.decompress(data))


class PackedJSON(TypeDecorator[Any]):
    """JSON stored zlib-compressed in a binary column: the outbox's payloads are mostly Block Kit boilerplate."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else pack_payload(value)

    def process_result_value(self, value: bytes | str | None, dialect: Any) -> Any:
        return None if value is None else unpack_payload(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RoutedRequest(Base):
    __tablename__ = "routed_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    reply_ts: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # 'person' | 'app'
    source_name: Mapped[str | None] = mapped_column(String(255))
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX_CHARS))
    topics: Mapped[list[str]] = mapped_column(JSON)
    primary_topic: Mapped[str | None] = mapped_column(String(64))
    personas: Mapped[dict[str, list[str]]] = mapped_column(PackedSmallJSON)  # role -> persona ids
    primary_persona: Mapped[str] = mapped_column(String(64))
    amount_usd: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(PackedText, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(64))  # owners.yaml team owning the scope
    team_scope: Mapped[str | None] = mapped_column(String(255))  # "account 111122223333"
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    status_by: Mapped[str | None] = mapped_column(String(64))
    status_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Seconds from routing to acknowledgement (exact): the digest's median reads them from an index.
    ack_seconds: Mapped[float | None] = mapped_column(Float)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When the request left the open states (resolved or not a request): the
    # digest's "still open at the end of the week" needs it.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    nudged_windows: Mapped[int] = mapped_column(Integer, default=0)
    next_nudge_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("workspace", "channel_id", "message_ts"),
        # Each index holds only the rows its queries can match (migration 0008): most requests are
        # closed, taken and never nudged again, so an index over every row would mostly hold rows no
        # query reads. The queries name the same condition (or a comparison on the column, which
        # implies IS NOT NULL), so both back ends use them, SQLite's INDEXED BY included.
        Index(
            "ix_routed_requests_persona_status_created_at",
            "primary_persona",
            "status",
            "created_at",
            **_partial(UNCLOSED_ONLY),
        ),
        Index(
            "ix_routed_requests_status_created_at",
            "status",
            "created_at",
            "primary_persona",
            **_partial(UNCLOSED_ONLY),
        ),
        # The digest reads a week of requests through these three; the extra
        # columns make those index-only scans (no table lookups per row).
        # (id is implicit in SQLite indexes; PostgreSQL needs it listed to rank without the table.)
        Index("ix_routed_requests_created_at", "created_at", "primary_persona", "primary_topic", "amount_usd", "id"),
        # With each take's time to acknowledge, for the digest's medians too.
        Index(
            "ix_routed_requests_acknowledged_at",
            "acknowledged_at",
            "primary_persona",
            "created_at",
            "ack_seconds",
            **_partial("acknowledged_at IS NOT NULL"),
        ),
        Index(
            "ix_routed_requests_closed_at",
            "closed_at",
            "primary_persona",
            "status",
            "created_at",
            **_partial("closed_at IS NOT NULL"),
        ),
        Index("ix_routed_requests_next_nudge_at", "next_nudge_at", **_partial("next_nudge_at IS NOT NULL")),
        Index(
            "ix_routed_requests_fingerprint_created_at",
            "fingerprint",
            "created_at",
            **_partial("fingerprint IS NOT NULL"),
        ),
        # A persona's largest amounts of a week: read in amount order, stopping at the cap.
        Index(
            "ix_routed_requests_persona_amount",
            "primary_persona",
            "amount_usd",
            "created_at",
            "id",
            **_partial("amount_usd IS NOT NULL"),
        ),
    )


class RequestEvent(Base):
    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("routed_requests.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    # Who did it: a user id, or for a message routed from an app the app's name as Slack sent it (cut to
    # ACTOR_MAX_CHARS); 64 was too few for some bot names (issue 11, item 2).
    actor: Mapped[str | None] = mapped_column(String(ACTOR_MAX_CHARS))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Packed like the request's explanation (the 'routed' event's matched terms are the same words);
    # SQL NULL when there is no detail (most events).
    detail: Mapped[dict[str, Any] | None] = mapped_column(PackedSmallJSON)

    # No index on ``at``: only ``export`` reads events by time, an occasional operator command that can
    # scan the table; an index for it cost ~0.1 KB per routed event (2.7 events each), for ever.
    __table_args__ = (Index("ix_request_events_request_id", "request_id"),)


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("routed_requests.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(64))
    # Dropped once sent (NULL): the message is in Slack, and the request and its events are the audit
    # trail; until then it is what the relay posts.
    payload: Mapped[dict[str, Any] | None] = mapped_column(PackedJSON)
    status: Mapped[str] = mapped_column(String(16))  # 'pending' | 'sent' | 'failed'
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    response_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True)

    __table_args__ = (
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_request_id", "request_id"),
        # Sent rows by when they were sent: what the retention prune reads (see migration 0003).
        Index("ix_deliveries_sent_at", "sent_at", sqlite_where=text(SENT_ONLY), postgresql_where=text(SENT_ONLY)),
    )


class ProcessedEvent(Base):
    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_processed_events_received_at", "received_at"),)


class HeldMessage(Base):
    """A message from a channel the bot could not yet tell watched or not (Slack failed to list channels).

    Kept until the channel names are known, then routed (watched) or dropped (issue 11, item 1).
    """

    __tablename__ = "held_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)  # the IncomingMessage's fields
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RoutingFeedback(Base):
    __tablename__ = "routing_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("routed_requests.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # 'reassigned' | 'not_a_request'
    from_persona: Mapped[str | None] = mapped_column(String(64))
    to_persona: Mapped[str | None] = mapped_column(String(64))
    topics: Mapped[list[str]] = mapped_column(JSON)
    matched_terms: Mapped[list[str]] = mapped_column(JSON)
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX_CHARS))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    # By request: a request pruned after its period sets its corrections' request to NULL (migration 0009).
    __table_args__ = (Index("ix_routing_feedback_at", "at"), Index("ix_routing_feedback_request_id", "request_id"))


class ScheduleClaim(Base):
    __tablename__ = "schedule_claims"

    schedule_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    fire_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, primary_key=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # 'claimed' | 'posted' | 'skipped'
    note: Mapped[str | None] = mapped_column(Text)


class DigestHourly(Base):
    """Request counts per UTC hour, owning persona and primary topic (the digest's week figures).

    Kept up to date by the stores (``bot.storage.rollups``) in the transactions that change requests, so
    the digest sums a few thousand of these rows instead of reading every
    request of the week. Each count is filed under the hour its event happened:
    ``routed`` / ``with_amount`` under the creation hour, ``acknowledged`` under
    the hour taken, ``resolved`` / ``closed`` under the closing hour; always at
    the request's current primary persona (a reassignment moves them).
    """

    __tablename__ = "digest_hourly"
    # SQLite: the rows live in their primary key's order (no rowid), so week ranges read no extra index.
    __table_args__ = ({"sqlite_with_rowid": False},)

    hour: Mapped[int] = mapped_column(Integer, primary_key=True)  # whole hours since 1970-01-01 UTC
    primary_persona: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)  # '' for no topic (fallback)
    routed: Mapped[int] = mapped_column(Integer, default=0)
    with_amount: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)  # and not reassigned since
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)  # resolved or not a request


class DigestDaily(Base):
    """Requests created and closed per UTC day and owning persona.

    "Still open at the end of a week" is everything created before it minus
    everything closed before it; summing days keeps that short over any history.
    """

    __tablename__ = "digest_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[int] = mapped_column(Integer, primary_key=True)  # whole days since 1970-01-01 UTC
    primary_persona: Mapped[str] = mapped_column(String(64), primary_key=True)
    routed: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)


routed_requests = cast(Table, RoutedRequest.__table__)
request_events = cast(Table, RequestEvent.__table__)
deliveries = cast(Table, Delivery.__table__)
processed_events = cast(Table, ProcessedEvent.__table__)
routing_feedback = cast(Table, RoutingFeedback.__table__)
held_messages = cast(Table, HeldMessage.__table__)
schedule_claims = cast(Table, ScheduleClaim.__table__)
digest_hourly = cast(Table, DigestHourly.__table__)
digest_daily = cast(Table, DigestDaily.__table__)


class SilenceRow(Base):
    """A silence: alerts matching every matcher are recorded but tag nobody until ``expires_at``."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matchers: Mapped[dict[str, str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    expired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    expired_by: Mapped[str | None] = mapped_column(String(64))


class MutedAlert(Base):
    """An alert a silence muted: recorded (once per delivery), posted to nobody, counted in the digest."""

    __tablename__ = "muted_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # the delivery's event key: a redelivery is a no-op
    silence_id: Mapped[int] = mapped_column(ForeignKey("silences.id"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX_CHARS))
    amount_usd: Mapped[float | None] = mapped_column(Float)
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


silences = cast(Table, SilenceRow.__table__)
muted_alerts = cast(Table, MutedAlert.__table__)

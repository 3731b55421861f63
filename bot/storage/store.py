"""Every read and write the bot makes: the only place SQL lives.

Each public method is one short transaction. Methods that depend on time take
``now`` (an aware UTC datetime) so callers and tests control the clock. Writes
are retried after transient database errors (see ``bot.storage.retry``).

Request statuses
----------------
``open``          routed, nobody has taken it yet (nudged when the window passes)
``rerouted``      reassigned to another persona, waiting for that persona to take it
                  (behaves like ``open``: nudged, listed, can be taken)
``acknowledged``  someone took it
``resolved``      closed as done
``not_a_request`` closed as "not a FinOps request" (recorded as routing feedback)

"Open requests" (``open_requests``, ``/finops open``, the digest's "still open")
are the unclosed ones: open, rerouted and acknowledged.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.selectable import Alias

from bot.digest_data import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.storage.db import WRITE_TRANSACTION
from bot.storage.group_commit import GroupCommit
from bot.storage.models import (
    EXCERPT_MAX_CHARS,
    deliveries,
    digest_daily,
    digest_hourly,
    processed_events,
    request_events,
    routed_requests,
    routing_feedback,
    schedule_claims,
)
from bot.storage.retry import RetryPolicy, is_transient, run_with_retries

OPEN = "open"
REROUTED = "rerouted"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
NOT_A_REQUEST = "not_a_request"
AWAITING_ACK = (OPEN, REROUTED)
UNCLOSED = (OPEN, REROUTED, ACKNOWLEDGED)
CLOSED = (RESOLVED, NOT_A_REQUEST)

Action = Literal["take", "reassign", "not_a_request", "resolve"]
ACTIONS: tuple[str, ...] = ("take", "reassign", "not_a_request", "resolve")

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

OCCURRENCE_STATUSES = ("claimed", "posted", "skipped")

# Below this many amounts in a persona's week, ranking the week beats walking all its amounts.
_FEW_AMOUNTS = 200


# ---------------------------------------------------------------- values in


@dataclass(frozen=True)
class NewRequest:
    """A routed message, as the routing service hands it over."""

    workspace: str
    channel_id: str
    message_ts: str
    source: Literal["person", "app"]
    source_name: str | None
    excerpt: str
    topics: Sequence[str]
    personas: Mapping[str, Sequence[str]]  # role -> persona ids, primary first
    primary_persona: str
    primary_topic: str | None = None
    thread_ts: str | None = None
    amount_usd: float | None = None
    explanation: str = ""
    confidence: float | None = None
    fingerprint: str | None = None  # same alert again -> linked, not re-tagged
    matched_terms: Sequence[str] = ()  # kept with the 'routed' event, for routing feedback
    next_nudge_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewDelivery:
    """A message the relay must send: a Slack Web API method and its arguments."""

    kind: str  # 'reply', 'update', 'nudge', 'reminder', 'digest', 'ephemeral', ...
    method: str  # 'chat.postMessage', 'chat.update', 'chat.postEphemeral', ...
    payload: Mapping[str, Any]
    request_id: int | None = None
    dedup_key: str | None = None  # a second enqueue with the same key is a no-op
    not_before: dt.datetime | None = None


@dataclass(frozen=True)
class DeliveryClaim:
    """A lease to take on a delivery in the transaction that writes it."""

    worker_id: str
    lease: dt.timedelta


# The reply's buttons carry the request id, which exists only inside the
# transaction: a reply can be given as a function of that id.
ReplyFactory = Callable[[int], NewDelivery | None]
RepeatFactory = Callable[["RequestView"], NewDelivery | None]


# ---------------------------------------------------------------- values out


@dataclass(frozen=True)
class RequestView:
    id: int
    workspace: str
    channel_id: str
    message_ts: str
    thread_ts: str | None
    reply_ts: str | None
    source: str
    source_name: str | None
    excerpt: str
    topics: list[str]
    primary_topic: str | None
    personas: dict[str, list[str]]
    primary_persona: str
    amount_usd: float | None
    explanation: str
    confidence: float | None
    fingerprint: str | None
    repeat_count: int
    status: str
    status_by: str | None
    status_at: dt.datetime
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    nudged_windows: int
    next_nudge_at: dt.datetime | None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    request_id: int | None
    kind: str
    method: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    claimed_by: str | None
    claimed_until: dt.datetime | None
    last_error: str | None
    sent_at: dt.datetime | None
    response_ts: str | None
    created_at: dt.datetime
    dedup_key: str | None


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    request_id: int | None
    kind: str  # 'reassigned' | 'not_a_request'
    from_persona: str | None
    to_persona: str | None
    topics: list[str]
    matched_terms: list[str]
    excerpt: str
    actor: str
    at: dt.datetime


@dataclass(frozen=True)
class OccurrenceRow:
    schedule_id: str
    fire_time: dt.datetime
    claimed_at: dt.datetime
    claimed_by: str
    status: str
    note: str | None


@dataclass(frozen=True)
class RecordResult:
    request_id: int | None  # None only for a duplicate event whose request is unknown
    delivery_id: int | None
    duplicate: bool = False  # this event or message was already recorded: send nothing
    repeat_of: int | None = None  # the first request with the same fingerprint
    claimed: DeliveryRow | None = None  # the delivery, already leased to the worker that asked to claim it


ActionOutcome = Literal["done", "replay", "closed", "unknown", "not_allowed", "invalid"]


@dataclass(frozen=True)
class ActionResult:
    ok: bool  # False: nothing changed and the presser should be told why
    outcome: ActionOutcome
    message: str  # plain text for the presser
    request: RequestView | None = None
    delivery_id: int | None = None  # the in-place update enqueued with the change

    @property
    def changed(self) -> bool:
        return self.outcome == "done"


@dataclass
class _PersonaCounts:
    routed: int = 0
    previous_routed: int = 0
    acknowledged: int = 0
    resolved: int = 0
    still_open: int = 0
    median_ack_seconds: float | None = None
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    oldest_open: list[RequestRef] = field(default_factory=list)
    largest_amounts: list[RequestRef] = field(default_factory=list)


# ---------------------------------------------------------------- digest rollups

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)
_HOURLY_COUNTS = ("routed", "with_amount", "acknowledged", "resolved", "closed")
_DAILY_COUNTS = ("routed", "closed")


def _hour_number(moment: dt.datetime) -> int:
    """Whole UTC hours since 1970 (the rollups' hour key)."""
    return (moment - _EPOCH) // _HOUR


def _day_number(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // _DAY


def _hour_start(hour_number: int) -> dt.datetime:
    return _EPOCH + hour_number * _HOUR


@dataclass
class _RollupChanges:
    """What one transaction changes in ``digest_hourly`` and ``digest_daily``.

    Every change of a request that the digest counts goes through here, in the
    transaction that makes it, so the rollups cannot drift from the requests
    (the migration's backfill computes the same figures from scratch).
    """

    hourly: defaultdict[tuple[int, str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    daily: defaultdict[tuple[int, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def routed(self, persona: str, topic: str | None, created_at: dt.datetime, has_amount: bool, sign: int = 1) -> None:
        key = (_hour_number(created_at), persona, topic or "")
        self.hourly[key]["routed"] += sign
        if has_amount:
            self.hourly[key]["with_amount"] += sign
        self.daily[(_day_number(created_at), persona)]["routed"] += sign

    def acknowledged(self, persona: str, topic: str | None, at: dt.datetime, sign: int = 1) -> None:
        self.hourly[(_hour_number(at), persona, topic or "")]["acknowledged"] += sign

    def closed(self, persona: str, topic: str | None, at: dt.datetime, *, resolved: bool) -> None:
        key = (_hour_number(at), persona, topic or "")
        self.hourly[key]["closed"] += 1
        if resolved:
            self.hourly[key]["resolved"] += 1
        self.daily[(_day_number(at), persona)]["closed"] += 1

    def apply(self, connection: Connection, statements: _Statements) -> None:
        # Rows are upserted in one global key order, so concurrent writers queue
        # on these counters instead of deadlocking.
        for statement, changes, names, key_columns in (
            (statements.add_hourly, self.hourly, _HOURLY_COUNTS, _HOURLY_KEY),
            (statements.add_daily, self.daily, _DAILY_COUNTS, _DAILY_KEY),
        ):
            rows = [
                {**dict(zip(key_columns, key, strict=False)), **{name: changes[key][name] for name in names}}
                for key in sorted(changes)
                if any(changes[key].values())
            ]
            if rows:
                connection.execute(statement, rows)


_HOURLY_KEY = ("hour", "primary_persona", "topic")
_MESSAGE_KEY_COLUMNS = (routed_requests.c.workspace, routed_requests.c.channel_id, routed_requests.c.message_ts)
_DAILY_KEY = ("day", "primary_persona")


def _rollup_upsert(
    dialect_insert: Callable[[Any], Any], table: Any, key_columns: tuple[str, ...], names: tuple[str, ...]
) -> Any:
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in names},
    )


class _Statements:
    """The write paths' statements, built once per dialect.

    Each call then only binds values: no per-call statement construction, and
    SQLAlchemy's compiled cache is hit every time.
    """

    def __init__(self, is_postgres: bool) -> None:
        dialect_insert = pg_dialect.insert if is_postgres else sqlite_dialect.insert
        # ON CONFLICT DO NOTHING rather than catching IntegrityError, because on
        # PostgreSQL an error aborts the whole surrounding transaction; RETURNING
        # rather than rowcount, because drivers disagree on rowcount here.
        self.claim_event = (
            dialect_insert(processed_events).on_conflict_do_nothing().returning(processed_events.c.event_id)
        )
        self.insert_request = (
            dialect_insert(routed_requests)
            .on_conflict_do_nothing(index_elements=["workspace", "channel_id", "message_ts"])
            .returning(routed_requests.c.id)
        )
        self.insert_requests = (
            dialect_insert(routed_requests)
            .on_conflict_do_nothing(index_elements=["workspace", "channel_id", "message_ts"])
            .returning(routed_requests.c.id, *_MESSAGE_KEY_COLUMNS)
        )
        self.insert_event = insert(request_events)
        self.insert_delivery = insert(deliveries).returning(deliveries.c.id)
        self.insert_keyed_delivery = (
            dialect_insert(deliveries).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(deliveries.c.id)
        )
        self.insert_keyed_deliveries = (
            dialect_insert(deliveries)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(deliveries.c.id, deliveries.c.dedup_key)
        )
        self.delivery_with_key = select(deliveries.c.id).where(deliveries.c.dedup_key == bindparam("key"))
        self.add_hourly = _rollup_upsert(dialect_insert, digest_hourly, _HOURLY_KEY, _HOURLY_COUNTS)
        self.add_daily = _rollup_upsert(dialect_insert, digest_daily, _DAILY_KEY, _DAILY_COUNTS)
        self.mark_sent = (
            update(deliveries)
            .where(deliveries.c.id == bindparam("delivery_id"))
            .values(
                status=SENT,
                sent_at=bindparam("at"),
                response_ts=bindparam("ts"),
                attempts=deliveries.c.attempts + 1,
                claimed_until=None,
                last_error=None,
            )
        )
        self.set_reply_ts = (
            update(routed_requests)
            .where(routed_requests.c.id == bindparam("request_id"))
            .values(reply_ts=bindparam("ts"))
        )


_STATEMENTS: dict[bool, _Statements] = {}


def _statements(is_postgres: bool) -> _Statements:
    if is_postgres not in _STATEMENTS:
        _STATEMENTS[is_postgres] = _Statements(is_postgres)
    return _STATEMENTS[is_postgres]


# ---------------------------------------------------------------- SQL helpers


class _IndexedBy(Alias):
    """The requests table read through one named index (``INDEXED BY`` on SQLite).

    With ANALYZE statistics SQLite prefers skip-scanning the low-cardinality
    (persona, status, created_at) index plus a table lookup per row over an
    index-only range scan, which is many times slower for the digest's week
    slices. PostgreSQL plans these well by itself and sees a plain alias.
    """

    inherit_cache = True


@compiles(_IndexedBy, "sqlite")
def _indexed_by_sqlite(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_alias(element, **kw)
    if kw.get("asfrom"):
        text += f" INDEXED BY {element.name.removeprefix('by_')}"
    return text


def _requests_by(index: str) -> Any:
    return _IndexedBy._construct(routed_requests, name=f"by_{index}")


def _view(cls: type, row: Any) -> Any:
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls)})


def _utc(value: dt.datetime, name: str = "now") -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware UTC datetime, got naive {value!r}")
    return value.astimezone(dt.UTC)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_MAX_CHARS:
        return text
    return text[: EXCERPT_MAX_CHARS - 1] + "…"


# ---------------------------------------------------------------- intake rows


@dataclass(frozen=True)
class _PendingRecord:
    """One ``record_routed_message`` call, waiting for its batch."""

    event_id: str | None
    request: NewRequest
    reply: NewDelivery | ReplyFactory | None
    now: dt.datetime
    repeat_window: dt.timedelta | None
    repeat_reply: NewDelivery | RepeatFactory | None
    claim: DeliveryClaim | None


def _message_key(request: NewRequest) -> tuple[str, str, str]:
    return (request.workspace, request.channel_id, request.message_ts)


def _message_key_of_values(values: Mapping[str, Any]) -> tuple[str, str, str]:
    return (values["workspace"], values["channel_id"], values["message_ts"])


def _request_values(request: NewRequest, now: dt.datetime) -> dict[str, Any]:
    return {
        "workspace": request.workspace,
        "channel_id": request.channel_id,
        "message_ts": request.message_ts,
        "thread_ts": request.thread_ts,
        "source": request.source,
        "source_name": request.source_name,
        "excerpt": _excerpt(request.excerpt),
        "topics": list(request.topics),
        "primary_topic": request.primary_topic,
        "personas": {role: list(ids) for role, ids in request.personas.items()},
        "primary_persona": request.primary_persona,
        "amount_usd": request.amount_usd,
        "explanation": request.explanation,
        "confidence": request.confidence,
        "fingerprint": request.fingerprint,
        "repeat_count": 0,
        "status": OPEN,
        "status_at": now,
        "created_at": now,
        "nudged_windows": 0,
        "next_nudge_at": _utc(request.next_nudge_at, "next_nudge_at") if request.next_nudge_at else None,
    }


def _routed_event(pending: _PendingRecord, request_id: int) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "action": "routed",
        "from_status": None,
        "to_status": OPEN,
        "actor": pending.request.source_name,
        "at": pending.now,
        "detail": {"event_id": pending.event_id, "matched_terms": list(pending.request.matched_terms)},
    }


def _delivery_values(
    delivery: NewDelivery, now: dt.datetime, request_id: int | None, claim: DeliveryClaim | None
) -> dict[str, Any]:
    values = {
        "request_id": request_id if request_id is not None else delivery.request_id,
        "kind": delivery.kind,
        "method": delivery.method,
        "payload": dict(delivery.payload),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": _utc(delivery.not_before, "not_before") if delivery.not_before else now,
        "created_at": now,
        "dedup_key": delivery.dedup_key,
        "claimed_by": None,
        "claimed_until": None,
    }
    if claim is not None and values["next_attempt_at"] <= now:
        values["claimed_by"] = claim.worker_id
        values["claimed_until"] = now + claim.lease
    return values


def _leased_row(delivery_id: int, values: Mapping[str, Any]) -> DeliveryRow | None:
    """The row of a delivery just written, when it was written leased to a sender."""
    if values["claimed_by"] is None:
        return None
    return DeliveryRow(id=delivery_id, last_error=None, sent_at=None, response_ts=None, **values)


# ---------------------------------------------------------------- SQLite writers


class _SqliteWriterQueue:
    """Makes a database file's writers queue instead of polling for its lock.

    SQLite lets one writer in at a time and makes the others poll with growing
    sleeps (up to 100 ms each) in its busy handler, so under load the lock sits
    free while waiters sleep. Writers here wait on a lock in this process and
    then on an ``flock`` of a file next to the database, shared with the other
    processes (server workers, the clock process): both wake a waiter as soon
    as the lock is released. Writers that bypass this queue still work, through
    the busy handler.
    """

    def __init__(self, database_path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database_path}.writers" if database_path else None
        self._file: int | None = None
        self._pid = os.getpid()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            descriptor = self._descriptor()
            if descriptor is None:
                yield
                return
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _descriptor(self) -> int | None:
        if self._path is None or os.name != "posix":
            return None
        if self._file is None or self._pid != os.getpid():  # a forked child needs its own open file
            try:
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                self._path = None  # e.g. a read-only directory: fall back to SQLite's own waiting
                return None
            self._pid = os.getpid()
        return self._file


_WRITER_QUEUES: dict[str, _SqliteWriterQueue] = {}
_WRITER_QUEUES_LOCK = threading.Lock()


def _writer_queue(engine: Engine) -> _SqliteWriterQueue | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    path = (
        os.path.abspath(database) if database and database != ":memory:" and not database.startswith("file:") else None
    )
    key = path or f"engine:{id(engine)}"
    with _WRITER_QUEUES_LOCK:
        queue = _WRITER_QUEUES.get(key)
        if queue is None:
            queue = _WRITER_QUEUES[key] = _SqliteWriterQueue(path)
        return queue


# ---------------------------------------------------------------- the store


class Store:
    """The bot's persistence. Thread-safe: share one per process."""

    def __init__(
        self,
        engine: Engine,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._is_postgres = engine.dialect.name == "postgresql"
        self._writers = _writer_queue(engine)
        self._sql = _statements(self._is_postgres)
        self._intake_batches: GroupCommit[_PendingRecord, RecordResult] = GroupCommit(self._record_batch)

    # -- transactions

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._writers is None:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_TRANSACTION: True})
                with connection.begin():
                    yield connection
            return
        # Take a pooled connection before queueing, so the lock is never held while waiting for the pool.
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with self._writers.held(), connection.begin():
                yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def _retrying(self, operation: Callable[[], Any], what: str) -> Any:
        return run_with_retries(operation, self._retry, self._sleep, what)

    def _claim_event(self, connection: Connection, event_id: str, now: dt.datetime) -> bool:
        return connection.execute(self._sql.claim_event, {"event_id": event_id, "received_at": now}).first() is not None

    def _insert_ignoring_conflict(self, connection: Connection, table: Any, values: dict) -> bool:
        """Insert a row unless it collides with a unique key; True when inserted.

        ON CONFLICT DO NOTHING rather than catching IntegrityError, because on
        PostgreSQL an error aborts the whole surrounding transaction.
        """
        dialect_insert = pg_dialect.insert if self._is_postgres else sqlite_dialect.insert
        statement = dialect_insert(table).values(**values).on_conflict_do_nothing()
        # RETURNING rather than rowcount: drivers disagree on rowcount here.
        return connection.execute(statement.returning(*table.primary_key.columns)).first() is not None

    # -- events and routed messages

    def mark_event_processed(self, event_id: str, now: dt.datetime) -> bool:
        """Claim an event id; False when it was already seen (a Slack retry or another instance)."""
        now = _utc(now)

        def attempt() -> bool:
            with self._write() as connection:
                return self._claim_event(connection, event_id, now)

        return self._retrying(attempt, "mark event processed")

    def prune_processed_events(self, older_than: dt.datetime) -> int:
        """Forget event ids received before ``older_than`` (Slack retries stop within the hour)."""
        older_than = _utc(older_than, "older_than")

        def attempt() -> int:
            with self._write() as connection:
                result = connection.execute(
                    processed_events.delete().where(processed_events.c.received_at < older_than)
                )
                return result.rowcount

        return self._retrying(attempt, "prune processed events")

    def record_routed_message(
        self,
        event_id: str | None,
        request: NewRequest,
        reply: NewDelivery | ReplyFactory | None,
        now: dt.datetime,
        *,
        repeat_window: dt.timedelta | None = None,
        repeat_reply: NewDelivery | RepeatFactory | None = None,
        claim: DeliveryClaim | None = None,
    ) -> RecordResult:
        """Record a routed message and the reply to post, in one transaction.

        - ``event_id`` already seen, or the message (workspace, channel, ts) already
          recorded: ``duplicate=True`` and nothing is written.
        - ``request.fingerprint`` matching an unclosed request created within
          ``repeat_window``: no new request; the first one's ``repeat_count`` goes up,
          a 'repeat' event is recorded, ``repeat_reply`` (e.g. a link to the first
          thread) is enqueued instead of ``reply``, and ``repeat_of`` is set.
        - Otherwise the request, its 'routed' event and ``reply`` are written.
        ``reply`` may be a function of the new request id (for button values).
        With ``claim``, the reply is written already leased to that worker and
        returned as ``claimed``, so its sender needs no claiming transaction.

        Concurrent calls share a transaction (``group_commit``); each returns
        only once its own message is committed.
        """
        pending = _PendingRecord(event_id, request, reply, _utc(now), repeat_window, repeat_reply, claim)
        return self._intake_batches.submit(pending)

    def _record_batch(self, batch: Sequence[_PendingRecord]) -> list[RecordResult | Exception]:
        def attempt() -> list[RecordResult | Exception]:
            with self._write() as connection:
                return list(self._record_many(connection, batch))

        try:
            return self._retrying(attempt, "record routed messages")
        except IntegrityError:
            pass  # a constraint refused one of the messages: found out one by one below
        except Exception as error:
            # An outage that outlasted the retries fails the whole batch at once:
            # retrying it message by message would only multiply the wait.
            if len(batch) == 1 or is_transient(error):
                return [error] * len(batch)
        # Each on its own, so one message that cannot be written fails only its own event.
        return [self._record_alone(pending) for pending in batch]

    def _record_alone(self, pending: _PendingRecord) -> RecordResult | Exception:
        def attempt() -> RecordResult:
            try:
                with self._write() as connection:
                    return self._record(connection, pending)
            except IntegrityError:
                request = pending.request
                existing = self.find_by_message(request.workspace, request.channel_id, request.message_ts)
                if existing is None:
                    raise
                return RecordResult(request_id=existing.id, delivery_id=None, duplicate=True)

        try:
            return self._retrying(attempt, "record routed message")
        except Exception as error:
            return error

    def _record_many(self, connection: Connection, batch: Sequence[_PendingRecord]) -> list[RecordResult]:
        """Record a batch in the caller's transaction, with one statement per table where possible.

        Messages that may repeat an earlier alert (a fingerprint and a repeat
        window) are checked one by one; the rest are inserted together.
        """
        results: list[RecordResult | None] = [None] * len(batch)
        first_of: dict[tuple, int] = {}  # event id or message → the batch's first item carrying it
        same_as_earlier: dict[int, int] = {}
        together: list[int] = []
        rollups = _RollupChanges()
        for index, pending in enumerate(batch):
            keys = [("message", *_message_key(pending.request))]
            if pending.event_id is not None:
                keys.append(("event", pending.event_id))
            earlier = next((first_of[key] for key in keys if key in first_of), None)
            if earlier is not None:  # a retry, or the same message under another event id, within this batch
                same_as_earlier[index] = earlier
                continue
            first_of.update(dict.fromkeys(keys, index))
            if pending.request.fingerprint and pending.repeat_window is not None:
                results[index] = self._record(connection, pending, rollups)
            else:
                together.append(index)

        # Every event id is remembered, a duplicate message's too, as one by one.
        claimed_events = self._claim_events(
            connection, [batch[i] for i in [*together, *same_as_earlier] if batch[i].event_id is not None]
        )
        fresh = [i for i in together if batch[i].event_id is None or batch[i].event_id in claimed_events]
        request_ids = self._insert_requests(connection, [batch[i] for i in fresh])
        inserted = [i for i in fresh if _message_key(batch[i].request) in request_ids]
        if inserted:
            ids = {i: request_ids[_message_key(batch[i].request)] for i in inserted}
            connection.execute(self._sql.insert_event, [_routed_event(batch[i], ids[i]) for i in inserted])
            replies = {i: self._reply_for(batch[i], ids[i]) for i in inserted}
            enqueued = self._enqueue_many(
                connection, [(i, replies[i], batch[i].now, ids[i], batch[i].claim) for i in inserted if replies[i]]
            )
            for i in inserted:
                delivery_id, claimed = enqueued.get(i, (None, None))
                results[i] = RecordResult(request_id=ids[i], delivery_id=delivery_id, claimed=claimed)
                request = batch[i].request
                rollups.routed(
                    request.primary_persona, request.primary_topic, batch[i].now, request.amount_usd is not None
                )
        # Last, so the counter rows (shared by every request of a persona and hour)
        # stay locked for as short a time as possible before the commit.
        rollups.apply(connection, self._sql)

        for index in together:
            if results[index] is None:  # seen before this batch, under this event id or another
                existing = self._find_by_message(connection, *_message_key(batch[index].request))
                results[index] = RecordResult(
                    request_id=existing.id if existing else None, delivery_id=None, duplicate=True
                )
        for index, earlier in same_as_earlier.items():
            results[index] = RecordResult(request_id=results[earlier].request_id, delivery_id=None, duplicate=True)
        return results  # type: ignore[return-value]

    def _claim_events(self, connection: Connection, batch: Sequence[_PendingRecord]) -> set[str]:
        if not batch:
            return set()
        # In one key order everywhere, so two instances claiming the same events queue instead of deadlocking.
        first_seen = {p.event_id: p.now for p in reversed(batch)}
        params = [{"event_id": event_id, "received_at": first_seen[event_id]} for event_id in sorted(first_seen)]
        return set(connection.execute(self._sql.claim_event, params).scalars())

    def _insert_requests(
        self, connection: Connection, batch: Sequence[_PendingRecord]
    ) -> dict[tuple[str, str, str], int]:
        """Insert the requests; their ids by message, leaving out messages recorded already."""
        if not batch:
            return {}
        params = sorted((_request_values(p.request, p.now) for p in batch), key=_message_key_of_values)
        rows = connection.execute(self._sql.insert_requests, params)
        return {(row.workspace, row.channel_id, row.message_ts): row.id for row in rows}

    @staticmethod
    def _reply_for(pending: _PendingRecord, request_id: int) -> NewDelivery | None:
        return pending.reply(request_id) if callable(pending.reply) else pending.reply

    def _enqueue_many(
        self, connection: Connection, replies: Sequence[tuple[int, NewDelivery, dt.datetime, int, DeliveryClaim | None]]
    ) -> dict[int, tuple[int, DeliveryRow | None]]:
        """``_enqueue`` for several deliveries: (id, leased row) by the number each came with."""
        enqueued: dict[int, tuple[int, DeliveryRow | None]] = {}
        keyed: list[tuple[int, dict[str, Any]]] = []
        for number, delivery, now, request_id, claim in replies:
            if delivery.dedup_key is None:
                enqueued[number] = self._enqueue(connection, delivery, now, request_id, claim)
            else:
                keyed.append((number, _delivery_values(delivery, now, request_id, claim)))
        if not keyed:
            return enqueued
        params = sorted((values for _, values in keyed), key=lambda values: values["dedup_key"])
        ids = {row.dedup_key: row.id for row in connection.execute(self._sql.insert_keyed_deliveries, params)}
        for number, values in keyed:
            key = values["dedup_key"]
            delivery_id = ids.pop(key, None)
            if delivery_id is None:  # the key was taken already, before or earlier in this batch
                enqueued[number] = (connection.execute(self._sql.delivery_with_key, {"key": key}).scalar_one(), None)
            else:
                enqueued[number] = (delivery_id, _leased_row(delivery_id, values))
        return enqueued

    def _record(
        self,
        connection: Connection,
        pending: _PendingRecord,
        rollups: _RollupChanges | None = None,
    ) -> RecordResult:
        """One message, checked for a repeat; its rollup changes go to ``rollups``, or are applied here."""
        event_id, request, now, claim = pending.event_id, pending.request, pending.now, pending.claim
        if event_id is not None and not self._claim_event(connection, event_id, now):
            existing = self._find_by_message(connection, *_message_key(request))
            return RecordResult(request_id=existing.id if existing else None, delivery_id=None, duplicate=True)

        if request.fingerprint and pending.repeat_window is not None:
            # The message itself must not count as its own earlier alert.
            existing = self._find_by_message(connection, *_message_key(request))
            if existing is not None:
                return RecordResult(request_id=existing.id, delivery_id=None, duplicate=True)
            first = self._first_with_fingerprint(connection, request.fingerprint, now - pending.repeat_window)
            if first is not None:
                return self._record_repeat(connection, first, request, pending.repeat_reply, now, claim)

        request_id = connection.execute(self._sql.insert_request, _request_values(request, now)).scalar()
        if request_id is None:  # the message is recorded already (a duplicate delivery under another event id)
            existing = self._find_by_message(connection, *_message_key(request))
            return RecordResult(request_id=existing.id if existing else None, delivery_id=None, duplicate=True)
        connection.execute(self._sql.insert_event, _routed_event(pending, request_id))
        delivery = self._reply_for(pending, request_id)
        delivery_id, claimed = self._enqueue(connection, delivery, now, request_id, claim) if delivery else (None, None)
        apply_here = rollups is None
        rollups = rollups or _RollupChanges()
        rollups.routed(request.primary_persona, request.primary_topic, now, request.amount_usd is not None)
        if apply_here:
            # Last, so the counter rows stay locked for as short a time as possible before the commit.
            rollups.apply(connection, self._sql)
        return RecordResult(request_id=request_id, delivery_id=delivery_id, claimed=claimed)

    def _first_with_fingerprint(
        self, connection: Connection, fingerprint: str, since: dt.datetime
    ) -> RequestView | None:
        row = connection.execute(
            select(routed_requests)
            .where(
                routed_requests.c.fingerprint == fingerprint,
                routed_requests.c.created_at >= since,
                routed_requests.c.status.in_(UNCLOSED),
            )
            .order_by(routed_requests.c.created_at, routed_requests.c.id)
            .limit(1)
            .with_for_update()
        ).first()
        return _view(RequestView, row) if row else None

    def _record_repeat(
        self,
        connection: Connection,
        first: RequestView,
        request: NewRequest,
        repeat_reply: NewDelivery | RepeatFactory | None,
        now: dt.datetime,
        claim: DeliveryClaim | None,
    ) -> RecordResult:
        connection.execute(
            update(routed_requests)
            .where(routed_requests.c.id == first.id)
            .values(repeat_count=routed_requests.c.repeat_count + 1)
        )
        self._add_event(
            connection,
            first.id,
            "repeat",
            first.status,
            first.status,
            request.source_name,
            now,
            {"channel_id": request.channel_id, "message_ts": request.message_ts},
        )
        first = self._get(connection, first.id)  # with the new count, for the link text
        assert first is not None
        delivery = repeat_reply(first) if callable(repeat_reply) else repeat_reply
        delivery_id, claimed = self._enqueue(connection, delivery, now, first.id, claim) if delivery else (None, None)
        return RecordResult(request_id=first.id, delivery_id=delivery_id, repeat_of=first.id, claimed=claimed)

    def _add_event(
        self,
        connection: Connection,
        request_id: int,
        action: str,
        from_status: str | None,
        to_status: str | None,
        actor: str | None,
        at: dt.datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        connection.execute(
            self._sql.insert_event,
            {
                "request_id": request_id,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "at": at,
                "detail": detail,
            },
        )

    # -- the outbox

    def enqueue(self, delivery: NewDelivery, now: dt.datetime) -> int:
        """Add a message to send; with a ``dedup_key`` already used, the existing id."""
        now = _utc(now)

        def attempt() -> int:
            with self._write() as connection:
                return self._enqueue(connection, delivery, now, delivery.request_id)[0]

        return self._retrying(attempt, "enqueue delivery")

    def _enqueue(
        self,
        connection: Connection,
        delivery: NewDelivery,
        now: dt.datetime,
        request_id: int | None,
        claim: DeliveryClaim | None = None,
    ) -> tuple[int, DeliveryRow | None]:
        """Insert a delivery; with ``claim``, leased to that worker already and returned as its row.

        A delivery whose ``dedup_key`` is taken is not inserted: the existing id, and no row.
        """
        values = _delivery_values(delivery, now, request_id, claim)
        if delivery.dedup_key is None:
            delivery_id = connection.execute(self._sql.insert_delivery, values).scalar_one()
        else:
            delivery_id = connection.execute(self._sql.insert_keyed_delivery, values).scalar()
            if delivery_id is None:
                existing = connection.execute(self._sql.delivery_with_key, {"key": delivery.dedup_key}).scalar_one()
                return existing, None
        return delivery_id, _leased_row(delivery_id, values)

    def _claimable(self, now: dt.datetime) -> ColumnElement[bool]:
        return and_(
            deliveries.c.status == PENDING,
            deliveries.c.next_attempt_at <= now,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
        )

    def claim_due_deliveries(
        self,
        worker_id: str,
        now: dt.datetime,
        limit: int = 20,
        lease: dt.timedelta = dt.timedelta(seconds=60),
    ) -> list[DeliveryRow]:
        """Lease up to ``limit`` due deliveries to ``worker_id``, oldest first.

        No two workers (threads or processes) get the same delivery while its
        lease runs: PostgreSQL skips rows another claimer has locked, SQLite
        write transactions are serialised by ``BEGIN IMMEDIATE``. A delivery whose
        lease expired (its sender died) is due again.
        """
        now = _utc(now)

        def attempt() -> list[DeliveryRow]:
            with self._write() as connection:
                ids = (
                    connection.execute(
                        select(deliveries.c.id)
                        .where(self._claimable(now))
                        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    return []
                rows = connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(ids), self._claimable(now))
                    .values(claimed_by=worker_id, claimed_until=now + lease)
                    .returning(*deliveries.c)
                ).all()
            return sorted((_view(DeliveryRow, row) for row in rows), key=lambda d: (d.next_attempt_at, d.id))

        return self._retrying(attempt, "claim deliveries")

    def claim_delivery(
        self,
        delivery_id: int,
        worker_id: str,
        now: dt.datetime,
        lease: dt.timedelta = dt.timedelta(seconds=60),
    ) -> DeliveryRow | None:
        """Lease one delivery (the fast path right after its commit); None if not claimable."""
        now = _utc(now)

        def attempt() -> DeliveryRow | None:
            with self._write() as connection:
                row = connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, self._claimable(now))
                    .values(claimed_by=worker_id, claimed_until=now + lease)
                    .returning(*deliveries.c)
                ).first()
            return _view(DeliveryRow, row) if row else None

        return self._retrying(attempt, "claim delivery")

    def mark_sent(
        self, delivery_id: int, response_ts: str | None, now: dt.datetime, *, row: DeliveryRow | None = None
    ) -> None:
        """The delivery went out; a 'reply' also records its ts on the request (for updates).

        ``row`` (the delivery as claimed) saves reading back its kind and request.
        """
        now = _utc(now)
        sql = self._sql

        def attempt() -> None:
            with self._write() as connection:
                self._relaxed_commit(connection)
                sent = {"delivery_id": delivery_id, "at": now, "ts": response_ts}
                if row is not None:
                    connection.execute(sql.mark_sent, sent)
                    kind, request_id = row.kind, row.request_id
                else:
                    found = connection.execute(
                        sql.mark_sent.returning(deliveries.c.kind, deliveries.c.request_id), sent
                    ).first()
                    kind, request_id = (found.kind, found.request_id) if found else (None, None)
                if kind == "reply" and request_id is not None and response_ts:
                    connection.execute(sql.set_reply_ts, {"request_id": request_id, "ts": response_ts})

        self._retrying(attempt, "mark delivery sent")

    def mark_sent_many(self, sent: Sequence[tuple[DeliveryRow, str | None]], now: dt.datetime) -> None:
        """Record several sent deliveries (as claimed, with Slack's ts) in one transaction.

        Under load the relay's senders finish faster than one transaction each
        can be committed; one commit for a batch keeps the single SQLite writer
        (and PostgreSQL's round trips) off the critical path.
        """
        if not sent:
            return
        now = _utc(now)
        sql = self._sql
        marks = [{"delivery_id": row.id, "at": now, "ts": ts} for row, ts in sent]
        reply_ts = [
            {"request_id": row.request_id, "ts": ts}
            for row, ts in sent
            if row.kind == "reply" and row.request_id is not None and ts
        ]

        def attempt() -> None:
            with self._write() as connection:
                self._relaxed_commit(connection)
                connection.execute(sql.mark_sent, marks)
                if reply_ts:
                    connection.execute(sql.set_reply_ts, reply_ts)

        self._retrying(attempt, "mark deliveries sent")

    def _relaxed_commit(self, connection: Connection) -> None:
        """Outbox bookkeeping may commit without waiting for the disk on PostgreSQL.

        Losing such a commit in a server crash is recovered: a sent delivery that
        still looks pending is looked up in Slack before it is posted again, and
        a lost claim or retry mark only makes a delivery due sooner. Decisions and
        replies to send are never written this way.
        """
        if self._is_postgres:
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: dt.datetime, now: dt.datetime) -> None:
        """Sending failed transiently (429, 5xx): due again at ``next_attempt_at``."""
        now = _utc(now)
        next_attempt_at = _utc(next_attempt_at, "next_attempt_at")

        def attempt() -> None:
            with self._write() as connection:
                self._relaxed_commit(connection)
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, deliveries.c.status == PENDING)
                    .values(
                        attempts=deliveries.c.attempts + 1,
                        last_error=error[:2000],
                        next_attempt_at=next_attempt_at,
                        claimed_by=None,
                        claimed_until=None,
                    )
                )

        self._retrying(attempt, "mark delivery for retry")

    def renew_claims(self, worker_id: str, until: dt.datetime, now: dt.datetime) -> int:
        """Extend every live claim ``worker_id`` holds on a pending delivery to ``until``."""
        now, until = _utc(now), _utc(until, "until")

        def attempt() -> int:
            with self._write() as connection:
                return connection.execute(
                    update(deliveries)
                    .where(
                        deliveries.c.claimed_by == worker_id,
                        deliveries.c.status == PENDING,
                        deliveries.c.claimed_until >= now,
                    )
                    .values(claimed_until=until)
                ).rowcount

        return self._retrying(attempt, "renew delivery claims")

    def release_claims(self, worker_id: str, now: dt.datetime, keep: Collection[int] = ()) -> int:
        """Drop ``worker_id``'s claims on pending deliveries (but those in ``keep``): due again at once."""
        now = _utc(now)

        def attempt() -> int:
            conditions = [deliveries.c.claimed_by == worker_id, deliveries.c.status == PENDING]
            if keep:
                conditions.append(deliveries.c.id.not_in(list(keep)))
            with self._write() as connection:
                return connection.execute(
                    update(deliveries).where(*conditions).values(claimed_by=None, claimed_until=None)
                ).rowcount

        return self._retrying(attempt, "release delivery claims")

    def mark_failed(self, delivery_id: int, error: str, now: dt.datetime) -> None:
        """Sending failed for good (e.g. channel_not_found); kept for inspection."""
        now = _utc(now)

        def attempt() -> None:
            with self._write() as connection:
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id)
                    .values(
                        status=FAILED,
                        attempts=deliveries.c.attempts + 1,
                        last_error=error[:2000],
                        claimed_until=None,
                    )
                )

        self._retrying(attempt, "mark delivery failed")

    def get_delivery(self, delivery_id: int) -> DeliveryRow | None:
        with self._read() as connection:
            row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        return _view(DeliveryRow, row) if row else None

    def deliveries_for_request(self, request_id: int) -> list[DeliveryRow]:
        with self._read() as connection:
            rows = connection.execute(
                select(deliveries).where(deliveries.c.request_id == request_id).order_by(deliveries.c.id)
            ).all()
        return [_view(DeliveryRow, row) for row in rows]

    def count_deliveries(self, status: str = PENDING) -> int:
        with self._read() as connection:
            return connection.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.status == status)
            ).scalar_one()

    # -- the lifecycle

    def apply_action(
        self,
        request_id: int,
        action: Action,
        actor: str,
        now: dt.datetime,
        *,
        to_persona: str | None = None,
        allowed: bool = True,
        next_nudge_at: dt.datetime | None = None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None = None,
    ) -> ActionResult:
        """Apply a button press, exactly once even when pressed twice or concurrently.

        - take: open/rerouted -> acknowledged.
        - reassign: any unclosed -> rerouted, with ``to_persona`` as the primary
          persona and ``next_nudge_at`` as its new acknowledgement deadline;
          recorded as routing feedback.
        - not_a_request: any unclosed -> not_a_request; recorded as routing feedback.
        - resolve: any unclosed -> resolved.
        ``allowed=False`` (the caller's permission check failed) changes nothing.
        Replaying the action that put the request in its state is ``ok`` with
        outcome 'replay'; other actions on closed requests are refused.
        ``update_reply`` builds the in-place update of the bot's reply from the
        changed request; it is enqueued in the same transaction.
        """
        now = _utc(now)
        if action not in ACTIONS:
            return ActionResult(False, "invalid", f"Unknown action '{action}'.")
        if action == "reassign" and not to_persona:
            return ActionResult(False, "invalid", "Choose a persona to reassign the request to.")

        def attempt() -> ActionResult:
            with self._write() as connection:
                return self._apply(
                    connection, request_id, action, actor, now, to_persona, allowed, next_nudge_at, update_reply
                )

        return self._retrying(attempt, f"apply {action}")

    def _apply(
        self,
        connection: Connection,
        request_id: int,
        action: str,
        actor: str,
        now: dt.datetime,
        to_persona: str | None,
        allowed: bool,
        next_nudge_at: dt.datetime | None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None,
    ) -> ActionResult:
        # FOR UPDATE serialises concurrent presses on PostgreSQL; on SQLite the
        # write transaction already holds the database's write lock.
        row = connection.execute(
            select(routed_requests).where(routed_requests.c.id == request_id).with_for_update()
        ).first()
        if row is None:
            return ActionResult(False, "unknown", f"This request (#{request_id}) is not known to the bot any more.")
        current: RequestView = _view(RequestView, row)

        replay = _replay_message(current, action, to_persona)
        if replay is not None:
            return ActionResult(True, "replay", replay, current)
        if current.is_closed:
            return ActionResult(
                False, "closed", f"This request is already {_status_words(current)}; nothing changed.", current
            )
        if not allowed:
            return ActionResult(False, "not_allowed", "You are not allowed to do that for this request.", current)
        values: dict[str, Any] = {"status_by": actor, "status_at": now}
        detail: dict[str, Any] | None = None
        rollups = _RollupChanges()
        persona, topic = current.primary_persona, current.primary_topic
        if action == "take":
            values.update(
                status=ACKNOWLEDGED,
                acknowledged_at=now,
                ack_seconds=(now - current.created_at).total_seconds(),
                next_nudge_at=None,
            )
            rollups.acknowledged(persona, topic, now)
        elif action == "resolve":
            values.update(status=RESOLVED, resolved_at=now, closed_at=now, next_nudge_at=None)
            rollups.closed(persona, topic, now, resolved=True)
        elif action == "not_a_request":
            values.update(status=NOT_A_REQUEST, closed_at=now, next_nudge_at=None)
            rollups.closed(persona, topic, now, resolved=False)
            self._add_feedback(connection, current, "not_a_request", None, actor, now)
        else:  # reassign
            assert to_persona is not None
            # The digest counts a request for its current owner, and a take only until reassigned.
            has_amount = current.amount_usd is not None
            rollups.routed(persona, topic, current.created_at, has_amount, sign=-1)
            rollups.routed(to_persona, topic, current.created_at, has_amount)
            if current.acknowledged_at is not None:
                rollups.acknowledged(persona, topic, current.acknowledged_at, sign=-1)
            values.update(
                status=REROUTED,
                primary_persona=to_persona,
                personas=_reassigned_personas(current.personas, current.primary_persona, to_persona),
                acknowledged_at=None,
                ack_seconds=None,
                nudged_windows=0,
                next_nudge_at=_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None,
            )
            detail = {"from_persona": current.primary_persona, "to_persona": to_persona}
            self._add_feedback(connection, current, "reassigned", to_persona, actor, now)

        connection.execute(update(routed_requests).where(routed_requests.c.id == request_id).values(**values))
        rollups.apply(connection, self._sql)
        self._add_event(connection, request_id, action, current.status, values["status"], actor, now, detail)
        changed = self._get(connection, request_id)
        assert changed is not None
        delivery = update_reply(changed) if update_reply else None
        delivery_id = self._enqueue(connection, delivery, now, request_id)[0] if delivery else None
        return ActionResult(True, "done", _done_message(changed), changed, delivery_id)

    def _add_feedback(
        self,
        connection: Connection,
        request: RequestView,
        kind: str,
        to_persona: str | None,
        actor: str,
        now: dt.datetime,
    ) -> None:
        detail_row = connection.execute(
            select(request_events.c.detail)
            .where(request_events.c.request_id == request.id, request_events.c.action == "routed")
            .limit(1)
        ).scalar()
        matched_terms = list((detail_row or {}).get("matched_terms", []))
        connection.execute(
            routing_feedback.insert().values(
                request_id=request.id,
                kind=kind,
                from_persona=request.primary_persona,
                to_persona=to_persona,
                topics=list(request.topics),
                matched_terms=matched_terms,
                excerpt=request.excerpt,
                actor=actor,
                at=now,
            )
        )

    # -- nudges

    def due_nudges(self, now: dt.datetime, limit: int = 100) -> list[RequestView]:
        """Requests nobody took whose acknowledgement window has passed, most overdue first."""
        now = _utc(now)
        with self._read() as connection:
            rows = connection.execute(
                select(routed_requests)
                .where(routed_requests.c.next_nudge_at <= now, routed_requests.c.status.in_(AWAITING_ACK))
                .order_by(routed_requests.c.next_nudge_at, routed_requests.c.id)
                .limit(limit)
            ).all()
        return [_view(RequestView, row) for row in rows]

    def mark_nudged(
        self,
        request_id: int,
        next_nudge_at: dt.datetime | None,
        now: dt.datetime,
        delivery: NewDelivery | None = None,
    ) -> bool:
        """Claim this window's nudge and enqueue it; False when it is not due any more.

        The conditional update makes each window's nudge happen once even when
        two schedulers see it due at the same time, and never after a take.
        """
        now = _utc(now)

        def attempt() -> bool:
            with self._write() as connection:
                result = connection.execute(
                    update(routed_requests)
                    .where(
                        routed_requests.c.id == request_id,
                        routed_requests.c.next_nudge_at <= now,
                        routed_requests.c.status.in_(AWAITING_ACK),
                    )
                    .values(
                        nudged_windows=routed_requests.c.nudged_windows + 1,
                        next_nudge_at=_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None,
                    )
                )
                if result.rowcount != 1:
                    return False
                self._add_event(connection, request_id, "nudge", None, None, None, now)
                if delivery is not None:
                    self._enqueue(connection, delivery, now, request_id)
                return True

        return self._retrying(attempt, "mark nudged")

    def set_next_nudge(self, request_id: int, next_nudge_at: dt.datetime | None) -> None:
        def attempt() -> None:
            with self._write() as connection:
                connection.execute(
                    update(routed_requests)
                    .where(routed_requests.c.id == request_id)
                    .values(next_nudge_at=_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None)
                )

        self._retrying(attempt, "set next nudge")

    # -- queries

    def _get(self, connection: Connection, request_id: int) -> RequestView | None:
        row = connection.execute(select(routed_requests).where(routed_requests.c.id == request_id)).first()
        return _view(RequestView, row) if row else None

    def get_request(self, request_id: int) -> RequestView | None:
        with self._read() as connection:
            return self._get(connection, request_id)

    def _find_by_message(
        self, connection: Connection, workspace: str, channel_id: str, message_ts: str
    ) -> RequestView | None:
        row = connection.execute(
            select(routed_requests).where(
                routed_requests.c.workspace == workspace,
                routed_requests.c.channel_id == channel_id,
                routed_requests.c.message_ts == message_ts,
            )
        ).first()
        return _view(RequestView, row) if row else None

    def find_by_message(self, workspace: str, channel_id: str, message_ts: str) -> RequestView | None:
        with self._read() as connection:
            return self._find_by_message(connection, workspace, channel_id, message_ts)

    def request_history(self, request_id: int) -> list[dict[str, Any]]:
        """The request's events, oldest first: action, from/to status, actor, at, detail."""
        with self._read() as connection:
            rows = connection.execute(
                select(request_events)
                .where(request_events.c.request_id == request_id)
                .order_by(request_events.c.at, request_events.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]

    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> list[RequestView]:
        """Unclosed requests (open, rerouted, acknowledged), oldest first.

        ``personas`` filters on the primary persona (the one that owns the request).
        """
        # One index range per (persona, status), each already in created_at order,
        # merged here: the database never sorts every open request to return a page.
        statuses = UNCLOSED
        with self._read() as connection:
            found: list[RequestView] = []
            keys = (
                [(p, s) for p in personas for s in statuses] if personas is not None else [(None, s) for s in statuses]
            )
            for persona, status in keys:
                query = select(routed_requests).where(routed_requests.c.status == status)
                if persona is not None:
                    query = query.where(routed_requests.c.primary_persona == persona)
                rows = connection.execute(
                    query.order_by(routed_requests.c.created_at, routed_requests.c.id).limit(limit)
                ).all()
                found.extend(_view(RequestView, row) for row in rows)
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[:limit]

    def count_open(self, personas: Sequence[str] | None = None) -> int:
        query = select(func.count()).select_from(routed_requests).where(routed_requests.c.status.in_(UNCLOSED))
        if personas is not None:
            query = query.where(routed_requests.c.primary_persona.in_(list(personas)))
        with self._read() as connection:
            return connection.execute(query).scalar_one()

    # -- schedule occurrences

    def claim_occurrence(self, schedule_id: str, fire_time: dt.datetime, claimed_by: str, now: dt.datetime) -> bool:
        """Claim one occurrence of a schedule; True for exactly one claimer across processes."""
        now = _utc(now)
        fire_time = _utc(fire_time, "fire_time")

        def attempt() -> bool:
            with self._write() as connection:
                return self._insert_ignoring_conflict(
                    connection,
                    schedule_claims,
                    {
                        "schedule_id": schedule_id,
                        "fire_time": fire_time,
                        "claimed_at": now,
                        "claimed_by": claimed_by,
                        "status": "claimed",
                    },
                )

        return self._retrying(attempt, "claim occurrence")

    def mark_occurrence(self, schedule_id: str, fire_time: dt.datetime, status: str, note: str | None = None) -> None:
        """Record what became of a claimed occurrence: 'posted' or 'skipped' (with why)."""
        if status not in OCCURRENCE_STATUSES:
            raise ValueError(f"occurrence status must be one of {OCCURRENCE_STATUSES}, got {status!r}")
        fire_time = _utc(fire_time, "fire_time")

        def attempt() -> None:
            with self._write() as connection:
                connection.execute(
                    update(schedule_claims)
                    .where(schedule_claims.c.schedule_id == schedule_id, schedule_claims.c.fire_time == fire_time)
                    .values(status=status, note=note)
                )

        self._retrying(attempt, "mark occurrence")

    def occurrence(self, schedule_id: str, fire_time: dt.datetime) -> OccurrenceRow | None:
        fire_time = _utc(fire_time, "fire_time")
        with self._read() as connection:
            row = connection.execute(
                select(schedule_claims).where(
                    schedule_claims.c.schedule_id == schedule_id, schedule_claims.c.fire_time == fire_time
                )
            ).first()
        return _view(OccurrenceRow, row) if row else None

    def last_occurrence(self, schedule_id: str) -> OccurrenceRow | None:
        """The latest claimed occurrence of a schedule (to find what was missed while down)."""
        with self._read() as connection:
            row = connection.execute(
                select(schedule_claims)
                .where(schedule_claims.c.schedule_id == schedule_id)
                .order_by(schedule_claims.c.fire_time.desc())
                .limit(1)
            ).first()
        return _view(OccurrenceRow, row) if row else None

    # -- feedback and audit

    def feedback_since(self, since: dt.datetime) -> list[FeedbackRow]:
        since = _utc(since, "since")
        with self._read() as connection:
            rows = connection.execute(
                select(routing_feedback)
                .where(routing_feedback.c.at >= since)
                .order_by(routing_feedback.c.at, routing_feedback.c.id)
            ).all()
        return [_view(FeedbackRow, row) for row in rows]

    def export(self, since: dt.datetime, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        """The audit trail since ``since``: one dict per request event, with its request.

        Streams in batches, so exporting a large history holds little memory.
        """
        since = _utc(since, "since")
        columns = [
            request_events.c.at,
            request_events.c.request_id,
            request_events.c.action,
            request_events.c.from_status,
            request_events.c.to_status,
            request_events.c.actor,
            request_events.c.detail,
            routed_requests.c.workspace,
            routed_requests.c.channel_id,
            routed_requests.c.message_ts,
            routed_requests.c.source,
            routed_requests.c.source_name,
            routed_requests.c.primary_persona,
            routed_requests.c.primary_topic,
            routed_requests.c.topics,
            routed_requests.c.amount_usd,
            routed_requests.c.status.label("current_status"),
            routed_requests.c.created_at.label("request_created_at"),
            routed_requests.c.excerpt,
        ]
        query = (
            select(*columns)
            .join(routed_requests, routed_requests.c.id == request_events.c.request_id)
            .where(request_events.c.at >= since)
            .order_by(request_events.c.at, request_events.c.id)
        )
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=batch_size).execute(query)
            for row in result:
                yield dict(row._mapping)

    # -- the weekly digest

    def digest_data(
        self,
        week_start: dt.datetime,
        week_end: dt.datetime,
        fallback_persona: str,
        *,
        top_topics: int = 3,
        oldest_open: int = 5,
        largest_amounts: int = 5,
        fallback_items: int = 10,
        reassignments: int = 20,
    ) -> DigestData:
        """The week's figures per (primary) persona, mostly summed from the digest rollups.

        routed: created in the week; acknowledged / resolved: taken / resolved in
        the week; still_open: created before the week's end and not closed by
        then; median time to acknowledge over the requests taken in the week.
        extra: ``fallback_count``, ``reassignment_count`` (the lists are capped).
        """
        week_start = _utc(week_start, "week_start")
        week_end = _utc(week_end, "week_end")
        if week_end - week_start != dt.timedelta(days=7):
            raise ValueError(f"a digest week is 7 days, got {week_start} to {week_end}")
        previous_start = week_start - dt.timedelta(days=7)
        counts: dict[str, _PersonaCounts] = defaultdict(_PersonaCounts)
        with_amount: Counter[str] = Counter()
        daily = [0] * 7
        fallback_count = 0

        with self._read() as connection:
            if self._is_postgres:
                # JIT compilation costs more than these short aggregates gain from it.
                connection.exec_driver_sql("SET LOCAL jit = off")
            topic_counts: dict[str, Counter[str]] = defaultdict(Counter)
            day_starts = [previous_start + i * _DAY for i in range(15)]  # both weeks' days, and the end
            for row in self._two_weeks_counts(connection, day_starts):
                persona, topic, day_index, routed, amounts, acknowledged, resolved = row
                if day_index < 7:
                    counts[persona].previous_routed += routed
                    continue
                c = counts[persona]
                c.routed += routed
                c.acknowledged += acknowledged
                c.resolved += resolved
                with_amount[persona] += amounts
                daily[day_index - 7] += routed
                if topic:
                    topic_counts[persona][topic] += routed
                elif persona == fallback_persona:
                    fallback_count += routed
            for persona, topics in topic_counts.items():
                ranked = sorted((item for item in topics.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
                counts[persona].top_topics = ranked[:top_topics]

            for persona, n in self._open_at(connection, week_end).items():
                counts[persona].still_open = n

            self._median_ack_seconds(connection, week_start, week_end, counts)

            still_open = [persona for persona, c in counts.items() if c.still_open]
            for persona, refs in self._oldest_unclosed(connection, still_open, week_end, oldest_open).items():
                counts[persona].oldest_open = refs
            by_closed = _requests_by("ix_routed_requests_closed_at")
            rr = by_closed.c
            # Closed since the week's end, so open at it: such a request only makes a
            # persona's list if it is older than the list's last entry so far. For a
            # week long past, that bound spares ranking every request closed since.
            created_by = week_end
            if oldest_open and still_open and all(len(counts[p].oldest_open) == oldest_open for p in still_open):
                created_by = min(week_end, max(counts[p].oldest_open[-1].opened_at for p in still_open))
            closed_after_end = and_(rr.closed_at >= week_end, rr.created_at < week_end, rr.created_at <= created_by)
            for ref, persona in self._ranked_refs(
                connection, by_closed, closed_after_end, [rr.created_at, rr.id], oldest_open
            ):
                merged = sorted([*counts[persona].oldest_open, ref], key=lambda r: (r.opened_at, r.request_id))
                counts[persona].oldest_open = merged[:oldest_open]

            largest = self._largest_amounts(connection, with_amount, week_start, week_end, largest_amounts)
            for persona, refs in largest.items():
                counts[persona].largest_amounts = refs

            fallback_rows = []
            if fallback_count:
                rr = _requests_by("ix_routed_requests_created_at").c
                fallback_ids = (
                    select(rr.id)
                    .where(
                        rr.created_at >= week_start,
                        rr.created_at < week_end,
                        rr.primary_topic.is_(None),
                        rr.primary_persona == fallback_persona,
                    )
                    .order_by(rr.created_at, rr.id)
                    .limit(fallback_items)
                )
                fallback_rows = connection.execute(
                    select(*_REF_COLUMNS)
                    .where(routed_requests.c.id.in_(fallback_ids.scalar_subquery()))
                    .order_by(routed_requests.c.created_at, routed_requests.c.id)
                ).all()

            fb = routing_feedback.c
            feedback_in_week = and_(fb.at >= week_start, fb.at < week_end)
            feedback_rows = connection.execute(
                select(fb.request_id, fb.topics, fb.from_persona, fb.to_persona, fb.actor, fb.at)
                .where(feedback_in_week)
                .order_by(fb.at, fb.id)
                .limit(reassignments)
            ).all()
            feedback_count = connection.execute(
                select(func.count()).select_from(routing_feedback).where(feedback_in_week)
            ).scalar_one()

        personas = tuple(
            PersonaWeek(
                persona=persona,
                routed=c.routed,
                acknowledged=c.acknowledged,
                resolved=c.resolved,
                still_open=c.still_open,
                previous_routed=c.previous_routed,
                median_ack_seconds=c.median_ack_seconds,
                top_topics=tuple(c.top_topics),
                oldest_open=tuple(c.oldest_open),
                largest_amounts=tuple(c.largest_amounts),
            )
            for persona, c in sorted(counts.items(), key=lambda item: (-item[1].routed, item[0]))
            if c.routed or c.acknowledged or c.resolved or c.still_open
        )
        return DigestData(
            week_start=week_start,
            week_end=week_end,
            total_routed=sum(c.routed for c in counts.values()),
            previous_total_routed=sum(c.previous_routed for c in counts.values()),
            daily_routed=tuple(daily),
            personas=personas,
            fallback=tuple(_ref(row) for row in fallback_rows),
            reassignments=tuple(
                Reassignment(
                    request_id=row.request_id,
                    topic=(row.topics or [None])[0],
                    from_persona=row.from_persona,
                    to_persona=row.to_persona,
                    actor=row.actor,
                    at=row.at,
                )
                for row in feedback_rows
            ),
            extra={"fallback_count": fallback_count, "reassignment_count": feedback_count},
        )

    def _two_weeks_counts(
        self, connection: Connection, day_starts: list[dt.datetime]
    ) -> list[tuple[str, str | None, int, int, int, int, int]]:
        """(persona, topic, day index 0-13, routed, with amount, acknowledged, resolved) over two weeks.

        Whole hours come from ``digest_hourly``. A week that does not start on a
        whole UTC hour (a half-hour time zone) cuts the hours its days start in:
        those few are counted from the requests themselves.
        """
        start, end = day_starts[0], day_starts[-1]
        aligned = start == _hour_start(_hour_number(start))
        cut_hours = [] if aligned else [_hour_number(moment) for moment in day_starts]
        first_whole = _hour_number(start) + (0 if aligned else 1)
        h = digest_hourly.c
        # Each day holds 24 hours that are not cut, the first starting at first_whole.
        day = ((h.hour - first_whole) // 24).label("day")
        query = (
            select(
                h.primary_persona,
                h.topic,
                day,
                func.sum(h.routed),
                func.sum(h.with_amount),
                func.sum(h.acknowledged),
                func.sum(h.resolved),
            )
            .where(h.hour >= first_whole, h.hour < _hour_number(end))
            .group_by(h.primary_persona, h.topic, day)
        )
        if cut_hours:
            query = query.where(h.hour.not_in(cut_hours))
        rows: list[tuple[str, str | None, int, int, int, int, int]] = [
            (persona, topic or None, int(day_index), int(routed), int(amounts), int(acknowledged), int(resolved))
            for persona, topic, day_index, routed, amounts, acknowledged, resolved in connection.execute(query)
        ]
        if cut_hours:
            rows.extend(self._cut_hours_counts(connection, day_starts, cut_hours))
        return rows

    def _cut_hours_counts(
        self, connection: Connection, day_starts: list[dt.datetime], cut_hours: list[int]
    ) -> list[tuple[str, str | None, int, int, int, int, int]]:
        """``_two_weeks_counts`` for the hours a day start cuts, read from the requests.

        One short index range per piece of a cut hour, all of a kind in one
        UNION ALL: an OR of ranges would let planners scan the whole index, and
        a statement per range costs a round trip each (a week in a half-hour
        zone cuts 15 hours).
        """
        start, end = day_starts[0], day_starts[-1]
        week_start = day_starts[7]
        by_created = _requests_by("ix_routed_requests_created_at").c
        by_acknowledged = _requests_by("ix_routed_requests_acknowledged_at").c
        by_closed = _requests_by("ix_routed_requests_closed_at").c
        created, acknowledged, resolved = [], [], []
        for hour in cut_hours:
            low, high = max(_hour_start(hour), start), min(_hour_start(hour + 1), end)
            if low >= high:
                continue
            # The day start inside the hour gives its two pieces to two days.
            cuts = sorted({low, high, *(moment for moment in day_starts if low < moment < high)})
            for piece_low, piece_high in itertools.pairwise(cuts):
                day_index = min(13, bisect.bisect_right(day_starts, piece_low) - 1)
                rr = by_created
                created.append(
                    select(
                        rr.primary_persona,
                        rr.primary_topic,
                        literal_column(str(day_index)).label("day"),
                        func.count().label("routed"),
                        func.count(rr.amount_usd).label("amounts"),
                    )
                    .where(rr.created_at >= piece_low, rr.created_at < piece_high)
                    .group_by(rr.primary_persona, rr.primary_topic)
                )
            low = max(low, week_start)
            if low >= high:
                continue
            rr = by_acknowledged
            acknowledged.append(
                select(rr.primary_persona, func.count().label("n"))
                .where(rr.acknowledged_at >= low, rr.acknowledged_at < high)
                .group_by(rr.primary_persona)
            )
            rr = by_closed
            resolved.append(
                select(rr.primary_persona, func.count().label("n"))
                .where(rr.closed_at >= low, rr.closed_at < high, rr.status == RESOLVED)
                .group_by(rr.primary_persona)
            )

        def all_rows(parts: list[Any]) -> list[Any]:
            # Unordered and unlimited, the parts need no subquery each (unlike _in_one_round_trip's).
            return connection.execute(union_all(*parts)).all() if parts else []

        rows: list[tuple[str, str | None, int, int, int, int, int]] = [
            (persona, topic, int(day_index), int(routed), int(amounts), 0, 0)
            for persona, topic, day_index, routed, amounts in all_rows(created)
        ]
        rows += [(persona, None, 7, 0, 0, int(n), 0) for persona, n in all_rows(acknowledged)]
        rows += [(persona, None, 7, 0, 0, 0, int(n)) for persona, n in all_rows(resolved)]
        return rows

    def _open_at(self, connection: Connection, moment: dt.datetime) -> Counter[str]:
        """Per persona: requests created before ``moment`` and not closed before it.

        That is everything created before it minus everything closed before it
        (a request closes after it opens): whole days from ``digest_daily``, the
        hours of ``moment``'s day from ``digest_hourly``, the rest of its hour
        from the requests.
        """
        open_at: Counter[str] = Counter()
        day, hour = _day_number(moment), _hour_number(moment)
        d = digest_daily.c
        for persona, n in connection.execute(
            select(d.primary_persona, func.sum(d.routed - d.closed)).where(d.day < day).group_by(d.primary_persona)
        ):
            open_at[persona] += int(n)
        h = digest_hourly.c
        for persona, n in connection.execute(
            select(h.primary_persona, func.sum(h.routed - h.closed))
            .where(h.hour >= day * 24, h.hour < hour)
            .group_by(h.primary_persona)
        ):
            open_at[persona] += int(n)
        hour_start = _hour_start(hour)
        if moment > hour_start:
            rr = _requests_by("ix_routed_requests_created_at").c
            for persona, n in connection.execute(
                select(rr.primary_persona, func.count())
                .where(rr.created_at >= hour_start, rr.created_at < moment)
                .group_by(rr.primary_persona)
            ):
                open_at[persona] += n
            rr = _requests_by("ix_routed_requests_closed_at").c
            for persona, n in connection.execute(
                select(rr.primary_persona, func.count())
                .where(rr.closed_at >= hour_start, rr.closed_at < moment)
                .group_by(rr.primary_persona)
            ):
                open_at[persona] -= n
        return open_at

    def _largest_amounts(
        self,
        connection: Connection,
        with_amount: Mapping[str, int],
        week_start: dt.datetime,
        week_end: dt.datetime,
        cap: int,
    ) -> dict[str, list[RequestRef]]:
        """Each persona's ``cap`` largest amounts routed in the week, largest first."""
        parts = []
        for persona, n in with_amount.items():
            if n <= 0:
                continue
            # Many amounts this week: walk the persona's amounts from the top until
            # ``cap`` fall in the week. Few: read the persona's week and rank it.
            index = (
                "ix_routed_requests_persona_amount"
                if n >= _FEW_AMOUNTS
                else "ix_routed_requests_persona_status_created_at"
            )
            rr = _requests_by(index).c
            query = select(rr.id).where(
                rr.primary_persona == persona,
                rr.amount_usd.is_not(None),
                rr.created_at >= week_start,
                rr.created_at < week_end,
            )
            if n < _FEW_AMOUNTS:
                query = query.where(rr.status.in_((*UNCLOSED, *CLOSED)))  # lets the index serve the persona's week
            parts.append(query.order_by(rr.amount_usd.desc(), rr.id).limit(cap))
        winners = [row.id for row in _in_one_round_trip(connection, parts)]
        if not winners:
            return {}
        rr = routed_requests.c
        rows = connection.execute(select(*_REF_COLUMNS, rr.primary_persona).where(rr.id.in_(winners))).all()
        rows.sort(key=lambda row: (row.primary_persona, -row.amount_usd, row.id))
        largest: dict[str, list[RequestRef]] = defaultdict(list)
        for row in rows:
            largest[row.primary_persona].append(_ref(row))
        return largest

    def _median_ack_seconds(
        self, connection: Connection, week_start: dt.datetime, week_end: dt.datetime, counts: dict[str, _PersonaCounts]
    ) -> None:
        """Per persona: the median time to acknowledge over the requests taken in the week.

        The rollup gives each persona's count, so the one or two middle values
        are read with an offset from the persona's slice of an index, never
        ranking every take of the week.
        """
        rr = _requests_by("ix_routed_requests_persona_ack_seconds").c
        parts = [
            select(rr.primary_persona, rr.ack_seconds)
            .where(rr.primary_persona == persona, rr.acknowledged_at >= week_start, rr.acknowledged_at < week_end)
            .order_by(rr.ack_seconds)
            .offset((c.acknowledged - 1) // 2)
            .limit(2 - c.acknowledged % 2)
            for persona, c in counts.items()
            if c.acknowledged > 0
        ]
        middle: dict[str, list[float]] = defaultdict(list)
        for row in _in_one_round_trip(connection, parts):
            middle[row.primary_persona].append(row.ack_seconds)
        for persona, values in middle.items():
            counts[persona].median_ack_seconds = sum(values) / len(values)

    def _oldest_unclosed(
        self, connection: Connection, personas: Sequence[str], before: dt.datetime, cap: int
    ) -> dict[str, list[RequestRef]]:
        """Each persona's ``cap`` oldest requests created before ``before`` and unclosed now."""
        # One short index range per persona and status, each already in created_at order.
        rr = routed_requests.c
        parts = [
            select(*_REF_COLUMNS, rr.primary_persona)
            .where(rr.primary_persona == persona, rr.status == status, rr.created_at < before)
            .order_by(rr.created_at, rr.id)
            .limit(cap)
            for persona in personas
            for status in UNCLOSED
        ]
        found: dict[str, list[RequestRef]] = defaultdict(list)
        for row in _in_one_round_trip(connection, parts):
            found[row.primary_persona].append(_ref(row))
        return {
            persona: sorted(refs, key=lambda r: (r.opened_at, r.request_id))[:cap] for persona, refs in found.items()
        }

    def _ranked_refs(
        self,
        connection: Connection,
        source: Any,
        condition: ColumnElement[bool],
        order_by: list[Any],
        cap: int,
    ) -> list[tuple[RequestRef, str]]:
        """The first ``cap`` requests of each persona under ``order_by``.

        Ranks ids only (from the index ``source`` reads), then reads the few winning rows.
        """
        ranked = (
            select(
                source.c.id.label("ranked_id"),
                func.row_number().over(partition_by=source.c.primary_persona, order_by=order_by).label("rank"),
            )
            .where(condition)
            .subquery()
        )
        winners = connection.execute(select(ranked.c.ranked_id, ranked.c.rank).where(ranked.c.rank <= cap)).all()
        if not winners:
            return []
        # A second, primary-key lookup: joining the ranking back lets planners scan the whole table.
        rank_of = {row.ranked_id: row.rank for row in winners}
        rr = routed_requests.c
        rows = connection.execute(select(*_REF_COLUMNS, rr.primary_persona).where(rr.id.in_(list(rank_of)))).all()
        rows.sort(key=lambda row: (row.primary_persona, rank_of[row.id]))
        return [(_ref(row), row.primary_persona) for row in rows]


def _in_one_round_trip(connection: Connection, parts: Sequence[Any]) -> list[Any]:
    """The rows of several small ordered, limited selects, fetched with one statement.

    The digest asks the same short question of every persona; one UNION ALL
    saves a round trip (and a statement's overhead) per persona. Rows come
    back in no particular order: callers sort them.
    """
    if not parts:
        return []
    subqueries = [part.subquery() for part in parts]
    return connection.execute(union_all(*(select(*subquery.c) for subquery in subqueries))).all()


_REF_COLUMNS = (
    routed_requests.c.id,
    routed_requests.c.channel_id,
    routed_requests.c.message_ts,
    routed_requests.c.created_at,
    routed_requests.c.primary_topic,
    routed_requests.c.amount_usd,
    routed_requests.c.excerpt,
    routed_requests.c.status,
)


def _ref(row: Any) -> RequestRef:
    return RequestRef(
        request_id=row.id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        opened_at=row.created_at,
        topic=row.primary_topic,
        amount_usd=row.amount_usd,
        excerpt=row.excerpt,
        status=row.status,
    )


def _status_words(request: RequestView) -> str:
    words = {
        RESOLVED: "resolved",
        NOT_A_REQUEST: "marked not a FinOps request",
        ACKNOWLEDGED: "taken",
        REROUTED: f"reassigned to {request.primary_persona}",
        OPEN: "open",
    }[request.status]
    return f"{words} by {request.status_by}" if request.status_by and request.status != OPEN else words


def _replay_message(request: RequestView, action: str, to_persona: str | None) -> str | None:
    """The message for pressing again the button that produced the current state."""
    same = {
        "take": request.status == ACKNOWLEDGED,
        "resolve": request.status == RESOLVED,
        "not_a_request": request.status == NOT_A_REQUEST,
        "reassign": request.status == REROUTED and request.primary_persona == to_persona,
    }[action]
    if not same:
        return None
    return f"Already {_status_words(request)}."


def _done_message(request: RequestView) -> str:
    return f"Request #{request.id} {_status_words(request)}."


def _reassigned_personas(
    personas: Mapping[str, Sequence[str]], from_persona: str, to_persona: str
) -> dict[str, list[str]]:
    """The new owner becomes the first responsible persona; the others keep their roles."""
    result = {role: [p for p in ids if p != to_persona] for role, ids in personas.items()}
    result["responsible"] = [to_persona, *[p for p in result.get("responsible", []) if p != from_persona]]
    return result

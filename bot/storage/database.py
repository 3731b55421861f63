"""The ``Database`` the stores share: engine, transactions, retries, SQLite's writer queue.

Each store method is one short transaction, opened here: ``write()`` (queued
behind other writers on SQLite, which lets one in at a time) or ``read()``.
Writes are retried after transient database errors (see ``bot.storage.retry``).
The write paths' statements are built once per dialect (``Statements``).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.domain.deliveries import SENT
from bot.storage.db import WRITE_TRANSACTION
from bot.storage.models import deliveries, processed_events, request_events, routed_requests
from bot.storage.retry import RetryPolicy, run_with_retries
from bot.storage.rollups import rollup_upserts

_MESSAGE_KEY_COLUMNS = (routed_requests.c.workspace, routed_requests.c.channel_id, routed_requests.c.message_ts)


class Statements:
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
        self.add_hourly, self.add_daily = rollup_upserts(dialect_insert)
        self.mark_sent = (
            update(deliveries)
            .where(deliveries.c.id == bindparam("delivery_id"))
            .values(
                status=SENT,
                payload=None,  # the message is in Slack now; see models.Delivery.payload
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


_STATEMENTS: dict[bool, Statements] = {}


def _statements(is_postgres: bool) -> Statements:
    if is_postgres not in _STATEMENTS:
        _STATEMENTS[is_postgres] = Statements(is_postgres)
    return _STATEMENTS[is_postgres]


def claim_event(connection: Connection, sql: Statements, event_id: str, now: dt.datetime) -> bool:
    """Claim an event id in ``processed_events``; False when it is taken (a retry, another instance)."""
    return connection.execute(sql.claim_event, {"event_id": event_id, "received_at": now}).first() is not None


def view(cls: type, row: Any) -> Any:
    """A row as the dataclass ``cls`` (its fields named as the row's columns)."""
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls)})


class _SqliteWriterQueue:
    """Makes a database file's writers queue instead of polling for its lock.

    SQLite lets one writer in at a time and makes the others poll with growing
    sleeps (up to 100 ms each) in its busy handler, so under load the lock sits
    free while waiters sleep. Writers here wait on a lock in this process and
    then on an ``flock`` of a file next to the database, shared with the other
    processes (server workers, the clock process): both wake a waiter as soon
    as the lock is released. Writers that bypass this queue still work, through
    the busy handler. A thread holding the queue may enter it again (the
    intake's group commit holds it while its batch's transaction opens).
    """

    def __init__(self, database_path: str | None) -> None:
        self._threads = threading.Lock()
        self._owner: int | None = None  # the thread holding the queue
        self._path = f"{database_path}.writers" if database_path else None
        self._file: int | None = None
        self._pid = os.getpid()

    @contextmanager
    def held(self) -> Iterator[None]:
        me = threading.get_ident()
        if self._owner == me:  # only this thread sets or clears its own ident here
            yield
            return
        with self._threads:
            self._owner = me
            try:
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
            finally:
                self._owner = None

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


class Database:
    """The engine and how the stores use it. Thread-safe: share one per process."""

    def __init__(
        self,
        engine: Engine,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.is_postgres = engine.dialect.name == "postgresql"
        self.writers = _writer_queue(engine)
        self._reserved = threading.local()  # a write_lock's connection, in the thread holding it
        self.sql = _statements(self.is_postgres)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self.writers is None:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_TRANSACTION: True})
                with connection.begin():
                    yield connection
            return
        reserved: Connection | None = getattr(self._reserved, "connection", None)
        if reserved is not None and not reserved.in_transaction():
            # This thread holds the queue already (``write_lock``), with the connection it took before it.
            with self.writers.held(), reserved.begin():
                yield reserved
            return
        # Take a pooled connection before queueing, so the lock is never held while waiting for the pool.
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with self.writers.held(), connection.begin():
                yield connection

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """SQLite: a pooled connection, then the writer queue, held until the block ends; ``write`` within
        the block uses both, so the queue is never held while waiting for the pool. Nothing on PostgreSQL."""
        if self.writers is None:
            yield
            return
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with self.writers.held():
                self._reserved.connection = connection
                try:
                    yield
                finally:
                    self._reserved.connection = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        reserved: Connection | None = getattr(self._reserved, "connection", None)
        if reserved is not None and not reserved.in_transaction():
            # The thread holds the write lock with this connection: a second one from the pool could
            # wait for threads that hold theirs while queueing for that very lock.
            try:
                yield reserved
            finally:
                if reserved.in_transaction():
                    reserved.rollback()  # what closing a pooled connection does, so write() can begin
            return
        with self.engine.connect() as connection:
            yield connection

    def retrying(self, operation: Callable[[], Any], what: str) -> Any:
        return run_with_retries(operation, self.retry, self.sleep, what)

    def insert_ignoring_conflict(self, connection: Connection, table: Any, values: dict) -> bool:
        """Insert a row unless it collides with a unique key; True when inserted.

        ON CONFLICT DO NOTHING rather than catching IntegrityError, because on
        PostgreSQL an error aborts the whole surrounding transaction.
        """
        dialect_insert = pg_dialect.insert if self.is_postgres else sqlite_dialect.insert
        statement = dialect_insert(table).values(**values).on_conflict_do_nothing()
        # RETURNING rather than rowcount: drivers disagree on rowcount here.
        return connection.execute(statement.returning(*table.primary_key.columns)).first() is not None

    def relaxed_commit(self, connection: Connection) -> None:
        """Outbox bookkeeping may commit without waiting for the disk on PostgreSQL.

        Losing such a commit in a server crash is recovered: a sent delivery that
        still looks pending is looked up in Slack before it is posted again, and
        a lost claim or retry mark only makes a delivery due sooner. Decisions and
        replies to send are never written this way.
        """
        if self.is_postgres:
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")

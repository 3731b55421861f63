"""The intake's hot path as driver SQL: one multi-row statement per table per batch.

A group-commit batch of routed messages is written with a handful of
statements, each a single multi-row ``INSERT … VALUES (…), (…)`` (with
``ON CONFLICT`` and ``RETURNING`` where the store needs them), so PostgreSQL
gets one round trip per table, not one per row. The SQL text is built once
per dialect and row count and cached; values go to the driver as tuples,
converted here exactly as the SQLAlchemy types would (``UtcDateTime`` as naive
UTC text on SQLite, JSON as text), so rows read back the same through the
models. Statements run on the driver's cursor of the transaction's
connection (``driver_execute``): SQLAlchemy still opens and commits the
transaction, and a driver error is handed to the connection's own error
handling, so callers see the same exceptions (``IntegrityError``, the
transient errors the retries look for, a dropped connection invalidated) and
the engine's ``handle_error`` hooks run (SQLite's read-only file handler).
What is skipped is SQLAlchemy's execution machinery per statement (execution
context, result wrapping), which cost about as much as the statements
themselves on SQLite. When something listens for statements (an engine with
``echo`` or a ``before_cursor_execute`` / ``after_cursor_execute`` listener:
tracing, tests that inject faults) they go through ``exec_driver_sql`` as
before, so the listener sees them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, String, Table, TypeDecorator
from sqlalchemy.dialects import postgresql

from bot.domain.deliveries import SENT
from bot.domain.requests import OPEN
from bot.storage.models import deliveries, request_events, routed_requests

UTC = dt.UTC

Statement = tuple[str, tuple]  # driver SQL and its parameters

REQUEST_COLUMNS = (
    "workspace",
    "channel_id",
    "message_ts",
    "source",
    "source_name",
    "excerpt",
    "topics",
    "primary_topic",
    "personas",
    "primary_persona",
    "amount_usd",
    "explanation",
    "confidence",
    "fingerprint",
    "team",
    "team_scope",
    "repeat_count",
    "status",
    "status_at",
    "created_at",
    "nudged_windows",
    "next_nudge_at",
)
EVENT_COLUMNS = ("request_id", "action", "from_status", "to_status", "actor", "at", "detail")
DELIVERY_COLUMNS = (
    "request_id",
    "kind",
    "method",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "dedup_key",
    "claimed_by",
    "claimed_until",
)

# What ``record_routed`` writes besides the request: its 'routed' event's packed detail, and the
# counters' hour and day numbers and whether it states an amount (0 or 1).
ROUTED_COLUMNS = ("detail", "hour", "day", "with_amount")
REPLY_COLUMNS = DELIVERY_COLUMNS[1:]  # the reply's row but its request id


def _sqlite_text(value: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, as SQLAlchemy's SQLite DATETIME stores it.

    ``isoformat`` of the naive UTC time gives the same text as ``strftime`` with that
    format, in a fifth of the time (a batch stamps about seven values per event).
    """
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class BatchSql:
    """Multi-row statements and value conversion for one dialect."""

    def __init__(self, is_postgres: bool) -> None:
        self.is_postgres = is_postgres
        self._mark = "%s" if is_postgres else "?"

    # -- values, as the models' types would bind them

    def stamp(self, value: dt.datetime | None) -> Any:
        """An aware datetime for ``UtcDateTime``: as is on PostgreSQL, SQLAlchemy's naive UTC text on SQLite."""
        if value is None or self.is_postgres:
            return value
        return _sqlite_text(value)

    @staticmethod
    def json(value: Any) -> str | None:
        """JSON as text, without the spaces json.dumps puts after separators (the reply is ~2.5 KB of it)."""
        return None if value is None else _compact(value)

    # -- statements

    def claim_events(self, connection: Connection, rows: Sequence[tuple]) -> set[str]:
        """Insert event ids; the ones that were new."""
        sql = self._sql("INSERT INTO processed_events (event_id, received_at) VALUES", 2, len(rows))
        return {row[0] for row in self._run(connection, sql + " ON CONFLICT DO NOTHING RETURNING event_id", rows)}

    def insert_requests(self, connection: Connection, rows: Sequence[tuple]) -> dict[tuple[str, str, str], int]:
        """Insert requests (``REQUEST_COLUMNS``); their ids by message key, leaving out messages recorded already."""
        sql = self._sql(
            f"INSERT INTO routed_requests ({', '.join(REQUEST_COLUMNS)}) VALUES", len(REQUEST_COLUMNS), len(rows)
        )
        sql += (
            " ON CONFLICT (workspace, channel_id, message_ts) DO NOTHING"
            " RETURNING id, workspace, channel_id, message_ts"
        )
        return {(w, c, ts): request_id for request_id, w, c, ts in self._run(connection, sql, rows)}

    def claim_and_insert_requests(
        self, connection: Connection, claims: Sequence[tuple], rows: Sequence[tuple]
    ) -> dict[tuple[str, str, str], int]:
        """PostgreSQL: ``claim_events`` and ``insert_requests`` in one round trip.

        ``claims``: (event id, received at) rows; ``rows``: (event id or None, then ``REQUEST_COLUMNS``).
        A request goes in only when its event id is None or was claimed by this statement (the claim
        is a data-modifying WITH clause whose RETURNING the insert reads), so an event another
        instance or an earlier batch recorded adds no request, as with the two statements one after
        the other. Its ids by message key, leaving out messages not inserted.
        """
        assert self.is_postgres
        claim_sql = self._sql("INSERT INTO processed_events (event_id, received_at) VALUES", 2, len(claims))
        sql = (
            f"WITH claimed AS ({claim_sql} ON CONFLICT DO NOTHING RETURNING event_id) "
            f"{_claimed_requests_sql(len(rows))}"
        )
        numbered = [(ordinal, *row) for ordinal, row in enumerate(rows)]
        parameters = _flat(claims) + _flat(numbered)
        return {(w, c, ts): request_id for request_id, w, c, ts in driver_execute(connection, sql, parameters)}

    def record_routed(
        self, connection: Connection, claims: Sequence[tuple], rows: Sequence[tuple]
    ) -> list[tuple[str, str, str, int, int | None]]:
        """PostgreSQL: a batch of routed messages, every table, in one statement (``_routed_sql``).

        ``claims``: (event id, received at) rows; ``rows``: (event id or None, then ``REQUEST_COLUMNS``,
        ``ROUTED_COLUMNS`` and ``REPLY_COLUMNS``, the reply's all None for none), sorted by message.
        A request goes in as in ``claim_and_insert_requests``; its 'routed' event, its reply (unless the
        reply's key is taken) and its counters with it. (workspace, channel, ts, request id, delivery id
        or None) for each request inserted.
        """
        assert self.is_postgres
        numbered = [[ordinal, *map(_json_value, row)] for ordinal, row in enumerate(rows)]
        document = (_compact([[event_id, _json_value(at)] for event_id, at in claims]), _compact(numbered))
        dbapi_connection: Any = connection.connection.dbapi_connection
        # Nothing else written in this transaction yet (psycopg has not sent its BEGIN): the statement
        # commits itself, all or nothing, with no BEGIN and COMMIT round trips around it. The
        # transaction's commit then has nothing to send; a failure leaves nothing to roll back.
        from psycopg.pq import TransactionStatus  # only with PostgreSQL

        alone = dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        if alone:
            dbapi_connection.autocommit = True
        try:
            return [tuple(row) for row in driver_execute(connection, _routed_sql(), document)]
        finally:
            if alone and not dbapi_connection.closed:
                dbapi_connection.autocommit = False

    def mark_sent(self, connection: Connection, at: Any, sent: Sequence[tuple], replies: Sequence[tuple] = ()) -> None:
        """Deliveries sent: ``sent`` (id, Slack's ts) rows, each id once, as ``Statements.mark_sent`` one by one;
        ``replies`` (request id, ts), each request once, as ``Statements.set_reply_ts``.

        One ``UPDATE … FROM (VALUES …)`` per table rather than one execution per row (on PostgreSQL both in
        one round trip): the relay's recorder commits its marks in batches of dozens under load.
        """
        if not sent:
            return
        marks = (
            f"UPDATE deliveries SET status = '{SENT}', payload = NULL, sent_at = {self._mark},"
            " response_ts = v.ts, attempts = deliveries.attempts + 1, claimed_until = NULL, last_error = NULL"
            f" FROM {self._pairs(len(sent))} WHERE deliveries.id = v.id"
        )
        statements = [(marks, (self.stamp(at), *_flat(sent)))]
        if replies:
            reply_ts = f"UPDATE routed_requests SET reply_ts = v.ts FROM {self._pairs(len(replies))}"
            statements.append((reply_ts + " WHERE routed_requests.id = v.id", _flat(replies)))
        self.run(connection, statements)

    def _pairs(self, count: int) -> str:
        """A VALUES list of (id, ts) pairs named ``v (id, ts)``: typed on PostgreSQL (a VALUES list in FROM has no
        column to take its parameters' types from), renamed from SQLite's column1, column2."""
        if self.is_postgres:
            return f"({_values_sql('VALUES', '%s::integer, %s', 1, count)}) AS v (id, ts)"
        return f"(SELECT column1 AS id, column2 AS ts FROM ({_values_sql('VALUES', '?', 2, count)})) AS v"

    def insert_events(self, rows: Sequence[tuple]) -> Statement:
        """Insert events (``EVENT_COLUMNS``): the statement, for ``run`` or to ride along another."""
        sql = self._sql(
            f"INSERT INTO request_events ({', '.join(EVENT_COLUMNS)}) VALUES", len(EVENT_COLUMNS), len(rows)
        )
        return sql, _flat(rows)

    def run(self, connection: Connection, statements: Sequence[Statement]) -> None:
        """Statements whose results nobody reads: one round trip on PostgreSQL (``_along``), one each on SQLite."""
        if not statements:
            return
        if self.is_postgres:
            *along, (sql, parameters) = statements
            sql, parameters = _along(along, sql, parameters)
            driver_execute(connection, sql, parameters, fetch=False)
            return
        for sql, parameters in statements:
            driver_execute(connection, sql, parameters, fetch=False)

    def insert_keyed_deliveries(
        self, connection: Connection, rows: Sequence[tuple], along: Sequence[Statement] = ()
    ) -> dict[str, int]:
        """Insert deliveries with dedup keys (``DELIVERY_COLUMNS``); ids by key, leaving out keys taken already.

        ``along``: statements whose results nobody reads, run first (on PostgreSQL in the same round trip).
        """
        sql = self._sql(
            f"INSERT INTO deliveries ({', '.join(DELIVERY_COLUMNS)}) VALUES", len(DELIVERY_COLUMNS), len(rows)
        )
        sql += " ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key"
        parameters = _flat(rows)
        if self.is_postgres:
            sql, parameters = _along(along, sql, parameters)
        else:
            self.run(connection, along)
        return {key: delivery_id for delivery_id, key in driver_execute(connection, sql, parameters)}

    def add_counts(self, table: str, key: Sequence[str], counts: Sequence[str], rows: Sequence[tuple]) -> Statement:
        """Add to counter rows (a rollup): ``rows`` of key values then counts, each key once, inserted if new."""
        columns = (*key, *counts)
        sql = self._sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", len(columns), len(rows))
        sql += f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(
            f"{name} = {table}.{name} + excluded.{name}" for name in counts
        )
        return sql, _flat(rows)

    def _run(self, connection: Connection, sql: str, rows: Sequence[tuple]) -> list[Any]:
        return driver_execute(connection, sql, _flat(rows))

    def _sql(self, head: str, width: int, count: int) -> str:
        return _values_sql(head, self._mark, width, count)


def _along(along: Sequence[Statement], sql: str, parameters: tuple) -> Statement:
    """PostgreSQL: ``along`` as data-modifying WITH clauses of ``sql``, so all of them take one round trip.

    Each runs exactly once, whether or not anything reads its output; they see the same snapshot
    (none sees another's rows), which these independent inserts and counter upserts do not need.
    """
    if not along:
        return sql, parameters
    clauses = ", ".join(f"along_{index} AS ({text})" for index, (text, _) in enumerate(along))
    return f"WITH {clauses} {sql}", tuple(value for _, values in along for value in values) + parameters


def _listened(connection: Connection) -> bool:
    """Whether statements on ``connection`` are logged or listened for (then they go through SQLAlchemy)."""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute or connection.engine.echo)


def driver_execute(connection: Connection, sql: str, parameters: tuple, *, fetch: bool = True) -> list[Any]:
    """Run ``sql`` on the driver's cursor in ``connection``'s transaction; its rows when ``fetch``.

    A driver error goes through the connection's error handling, as from
    ``exec_driver_sql``: wrapped in SQLAlchemy's exception, the engine's
    ``handle_error`` hooks run, and a lost connection invalidated.
    """
    if _listened(connection):
        result = connection.exec_driver_sql(sql, parameters)
        return list(result) if fetch else []
    dbapi_connection: Any = connection.connection.dbapi_connection
    text = sql
    if connection.dialect.name == "postgresql" and "%%" not in sql:
        # psycopg parses a statement's %s marks with a regex in Python, and caches the result only
        # for statements of up to 50 parameters: every batch statement here has more, so each paid
        # ~26 µs per row on every execution. Its raw cursor takes PostgreSQL's own $n marks as they are.
        cursor = _raw_cursor()(dbapi_connection)
        text = _numbered(sql)
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(text, parameters)
        rows = list(cursor.fetchall()) if fetch else []
    except Exception as error:
        # Closes the cursor (or invalidates the connection) and raises the translated error.
        connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
    cursor.close()
    return rows


@lru_cache(maxsize=1)
def _raw_cursor() -> Any:
    from psycopg import RawCursor  # only with PostgreSQL

    return RawCursor


@lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    """``sql`` with PostgreSQL's ``$1, $2, …`` for its ``%s`` marks (it has no literal ``%``)."""
    parts = sql.split("%s")
    return "".join(f"{part}${number}" for number, part in enumerate(parts[:-1], 1)) + parts[-1]


def _cast(column: Column[Any]) -> str:
    """The PostgreSQL type to cast a parameter to for ``column`` (read from the table, so it follows the models).

    Text types unbounded (``varchar``, not ``varchar(32)``): a cast to a bounded type would cut an
    over-long value silently, where the insert's own assignment raises, as the plain INSERT does.
    """
    kind: Any = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.load_dialect_impl(_POSTGRES)
    if isinstance(kind, String):
        return "varchar"
    return str(kind.compile(dialect=_POSTGRES)).lower()


_POSTGRES = postgresql.dialect()


def _casts(table: Table, names: Sequence[str]) -> list[str]:
    return [_cast(table.c[name]) for name in names]


@lru_cache(maxsize=128)
def _claimed_requests_sql(count: int) -> str:
    casts = ["integer", "varchar", *_casts(routed_requests, REQUEST_COLUMNS)]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    columns = ", ".join(REQUEST_COLUMNS)
    # In the rows' order (sorted by message by the caller): one lock order for every writer.
    return (
        f"INSERT INTO routed_requests ({columns}) SELECT {columns} FROM (VALUES {', '.join([row] * count)})"
        f" AS v (ordinal, event_id, {columns})"
        " WHERE v.event_id IS NULL OR v.event_id IN (SELECT event_id FROM claimed) ORDER BY v.ordinal"
        " ON CONFLICT (workspace, channel_id, message_ts) DO NOTHING RETURNING id, workspace, channel_id, message_ts"
    )


def _json_value(value: Any) -> Any:
    """A parameter as JSON for ``_routed_sql``'s document, in the text its column's type reads back."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    return value


@lru_cache(maxsize=1)
def _routed_sql() -> str:
    """``record_routed``'s statement: data-modifying WITH clauses reading the batch from two JSON documents.

    The rows come as a JSON array of arrays (the claims, then the rows), so the statement's text is the
    same for every batch size: psycopg prepares it on each connection and PostgreSQL soon plans it once.
    A VALUES list per row count was a new statement for most batches, and parsing and planning it cost
    the server more than the round trip it saves (~0.3 ms a batch). Each value is read back as its
    column's type from its JSON text (bytes as hex, times in ISO 8601).
    The requests' insert reads the claim's RETURNING (as ``_claimed_requests_sql``); the events,
    the replies and the counters read the requests' (joined back to their rows by message), so
    only requests actually inserted get them. Each table is written in one key order (messages,
    reply keys, counter keys, in code point order as the other writers sort them), so
    concurrent writers queue instead of deadlocking. It is all or nothing, as one statement is.
    """
    reply = [f"d_{name}" for name in REPLY_COLUMNS]
    casts = [
        "integer",
        "varchar",
        *_casts(routed_requests, REQUEST_COLUMNS),
        _cast(request_events.c.detail),
        "integer",
        "integer",
        "integer",
        *_casts(deliveries, REPLY_COLUMNS),
    ]
    names = ["ordinal", "event_id", *REQUEST_COLUMNS, *ROUTED_COLUMNS, *reply]
    read = ", ".join(
        f"(e->>{index})::{cast} AS {name}" for index, (cast, name) in enumerate(zip(casts, names, strict=True))
    )
    columns = ", ".join(REQUEST_COLUMNS)
    claimed = (
        "INSERT INTO processed_events (event_id, received_at)"
        " SELECT e->>0, (e->>1)::timestamptz FROM jsonb_array_elements(%s::jsonb) AS e"
        " ON CONFLICT DO NOTHING RETURNING event_id"
    )
    key = "(v.workspace, v.channel_id, v.message_ts) = (r.workspace, r.channel_id, r.message_ts)"
    topic = "coalesce(primary_topic, '')"
    return (
        f"WITH claimed AS ({claimed}),"
        f" v AS (SELECT {read} FROM jsonb_array_elements(%s::jsonb) AS e),"
        f" r AS (INSERT INTO routed_requests ({columns}) SELECT {columns} FROM v"
        " WHERE v.event_id IS NULL OR v.event_id IN (SELECT event_id FROM claimed) ORDER BY v.ordinal"
        " ON CONFLICT (workspace, channel_id, message_ts) DO NOTHING"
        " RETURNING id, workspace, channel_id, message_ts),"
        f" ins AS (SELECT r.id, v.* FROM r JOIN v ON {key}),"
        f" events AS (INSERT INTO request_events ({', '.join(EVENT_COLUMNS)})"
        f" SELECT id, 'routed', NULL, '{OPEN}', source_name, created_at, detail FROM ins ORDER BY ordinal),"
        f" sent AS (INSERT INTO deliveries ({', '.join(DELIVERY_COLUMNS)}) SELECT id, {', '.join(reply)} FROM ins"
        ' WHERE d_dedup_key IS NOT NULL ORDER BY d_dedup_key COLLATE "C"'
        " ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key),"
        " hourly AS (INSERT INTO digest_hourly (hour, primary_persona, topic, routed, with_amount, acknowledged,"
        f" resolved, closed) SELECT hour, primary_persona, {topic}, count(*), sum(with_amount), 0, 0, 0 FROM ins"
        f' GROUP BY hour, primary_persona, {topic} ORDER BY hour, primary_persona COLLATE "C", {topic} COLLATE "C"'
        " ON CONFLICT (hour, primary_persona, topic) DO UPDATE SET"
        " routed = digest_hourly.routed + excluded.routed, with_amount = digest_hourly.with_amount + excluded.with_amount),"
        " daily AS (INSERT INTO digest_daily (day, primary_persona, routed, closed)"
        " SELECT day, primary_persona, count(*), 0 FROM ins"
        ' GROUP BY day, primary_persona ORDER BY day, primary_persona COLLATE "C"'
        " ON CONFLICT (day, primary_persona) DO UPDATE SET routed = digest_daily.routed + excluded.routed)"
        " SELECT ins.workspace, ins.channel_id, ins.message_ts, ins.id, sent.id"
        " FROM ins LEFT JOIN sent ON sent.dedup_key = ins.d_dedup_key"
    )


@lru_cache(maxsize=512)
def _values_sql(head: str, mark: str, width: int, count: int) -> str:
    row = "(" + ", ".join([mark] * width) + ")"
    return f"{head} {', '.join([row] * count)}"


def _flat(rows: Sequence[tuple]) -> tuple:
    return tuple(value for row in rows for value in row)


_BATCH_SQL: dict[bool, BatchSql] = {}


def batch_sql(is_postgres: bool) -> BatchSql:
    found = _BATCH_SQL.get(is_postgres)
    if found is None:
        found = _BATCH_SQL[is_postgres] = BatchSql(is_postgres)
    return found

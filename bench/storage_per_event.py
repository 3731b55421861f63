"""Storage per routed event at scale, all tables and indexes, after retention.

What one routed event leaves in the database is taken from the bot itself: a
few dozen real messages (the shipped sample alerts and chat) go through the
real intake (``Intake`` → ``Store``), their replies are marked sent as the
relay does, and some are then taken or resolved through ``Store.apply_action``
with the real updated reply. Those rows, as stored, are the templates.

The benchmark then writes ``events`` routed events over 12 weeks, day by
day, with the raw driver (explicit ids, the same columns and values as the
templates, keys and times made unique), and after each day runs the
retention prune exactly as the daily schedule would
(``--no-retention``: not at all, i.e. before retention existed; on PostgreSQL
each prune is followed by a plain VACUUM, standing in for a day of autovacuum). Per event: its request (status by age,
as in the query benchmark), its Slack event id, its request events (routed,
then taken / resolved / not a request), its reply and one updated reply per
status change, all sent. Rollups are filled at the end with the migration's
backfill. Sizes are measured without VACUUM FULL: space freed by the prune is
reused by later weeks, so what is reported is the steady state of a bot that
prunes daily (PostgreSQL: after a plain VACUUM, as autovacuum leaves it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bot.storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
WEEKS = 12
CHANNEL = "C0COSTALRT"
TEAM = "T0BENCH01"
PER_EVENT_TABLES = ("routed_requests", "request_events", "deliveries", "processed_events")
ROLLUPS = ("digest_hourly", "digest_daily")
# A template request's columns taken as the intake stored them (the rest are drawn per event).
MESSAGE_COLUMNS = (
    "source", "source_name", "excerpt", "topics", "personas", "explanation", "confidence", "team", "team_scope",
)  # fmt: skip
CHAT = [
    "found ~340 unattached EBS volumes from old CI runners, ok to delete? roughly $2.1k/mo",
    "RI utilization dropped to 71% after the migration, who looks at coverage?",
    "Our AWS EDP expires in Feb. Who is leading the renewal negotiation? $4.2M/yr commit today.",
    "why did the data team's Snowflake bill double last month? ~$38k over forecast",
    "can someone tag the untagged RDS instances in prod? they cost $12k a month",
]


# ------------------------------------------------------------------ templates


def capture_templates(engine: Engine) -> list[dict[str, Any]]:
    """Real rows for routed events: {"request": row, "events": {action: row}, "deliveries": {kind: row}, ...}."""
    from bot.config.loader import load_config
    from bot.domain.inputs import IncomingMessage
    from bot.render.replies import Mentions
    from bot.services.intake import Intake
    from bot.services.lifecycle import updated_reply
    from bot.slack.directory import Directory
    from bot.storage.stores import Storage

    config = load_config(ROOT / "config").config
    personas = config.personas.personas
    directory = Directory(
        channel_ids={"cost-alerts": CHANNEL},
        mentions=Mentions(
            by_persona={p.id: f"<#C0{n:08d}> <!subteam^S0{n:08d}>" for n, p in enumerate(personas)},
            names={p.id: p.name for p in personas},
        ),
    )
    from bot.services.runtime import RuntimeHolder

    holder = RuntimeHolder(ROOT / "config", lambda loaded, previous: directory, config)
    storage = Storage.open(engine)
    # Before the period replicated: the templates' rows, deleted afterwards, must not sit at the end of the
    # indexes, or every replicated row would be inserted before them (half-full page splits on PostgreSQL,
    # which a bot writing in time order never sees).
    clock = [NOW - dt.timedelta(days=WEEKS * 7 + 2)]

    class Sender:
        def notify(self, delivery_id: int | None) -> None: ...

        def claim_ahead(self) -> None:
            return None

        def send_claimed(self, row: Any) -> None: ...

    intake = Intake(holder, storage.intake, Sender(), lambda: clock[0])
    samples = [json.loads(line) for line in (ROOT / "bot/samples/cost_alerts.jsonl").read_text().splitlines() if line]
    messages = [(m, f"B0{n:08d}") for n, m in enumerate(samples)] + [({"text": t}, None) for t in CHAT]
    routed: list[tuple[int, str]] = []
    for n, (message, bot_id) in enumerate(messages * 2):
        clock[0] += dt.timedelta(minutes=7)
        ts = f"{int(clock[0].timestamp())}.{n:06d}"
        incoming = IncomingMessage(
            event_id=f"Ev0{n:08d}AB",
            retry_num=0,
            team_id=TEAM,
            channel_id=CHANNEL,
            ts=ts,
            user_id=None if bot_id else f"U0{n:08d}",
            bot_id=bot_id,
            app_name="AWS Chatbot" if bot_id else None,
            message=message,
        )
        outcome = intake.handle(incoming)
        if outcome.action == "routed":
            routed.append((outcome.request_id, incoming.event_id))
    runtime = holder.current

    def send_all() -> None:
        for row in [storage.outbox.get_delivery(i) for i in _pending_ids(engine)]:
            storage.outbox.mark_sent(row.id, f"{int(clock[0].timestamp())}.{row.id:06d}", clock[0], row=row)

    send_all()
    for index, (request_id, _) in enumerate(routed):
        for action in (("take",), ("take", "resolve"), ("not_a_request",))[index % 3]:
            clock[0] += dt.timedelta(minutes=3)
            storage.requests.apply_action(
                request_id,
                action,
                "U0CLOSER01",
                clock[0],
                update_reply=lambda updated: updated_reply(runtime, updated, None),
            )
        send_all()
    templates = []
    with engine.connect() as connection:
        for request_id, event_id in routed:
            events = _rows(connection, "SELECT * FROM request_events WHERE request_id = :id ORDER BY id", id=request_id)
            sent = _rows(connection, "SELECT * FROM deliveries WHERE request_id = :id ORDER BY id", id=request_id)
            claim = _rows(connection, "SELECT * FROM processed_events WHERE event_id = :e", e=event_id)
            request = _rows(connection, "SELECT * FROM routed_requests WHERE id = :id", id=request_id)
            templates.append(
                {
                    "request": request[0],
                    "events": {row["action"]: row for row in events},
                    "reply": next(row for row in sent if row["kind"] == "reply"),
                    "update": next((row for row in sent if row["kind"] == "update"), None),
                    "claim": claim[0],
                    "event_id": event_id,
                }
            )
    for table in ("request_events", "deliveries", "processed_events", "routing_feedback", "routed_requests", *ROLLUPS):
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))
    return templates


def _pending_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT id FROM deliveries WHERE status = 'pending'"))]


def _rows(connection: Any, sql: str, **params: Any) -> list[dict[str, Any]]:
    # Raw values as the driver returns them (no type processing), to be written back as they are.
    return [
        dict(row._mapping)
        for row in connection.exec_driver_sql(_paramstyle(connection, sql, params), _args(connection, params))
    ]


def _paramstyle(connection: Any, sql: str, params: dict) -> str:
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    for name in params:
        sql = sql.replace(f":{name}", mark)
    return sql


def _args(connection: Any, params: dict) -> tuple:
    return tuple(params.values())


# ------------------------------------------------------------------ replication


def _stamp(value: dt.datetime, sqlite: bool) -> Any:
    # The format SQLAlchemy's SQLite DateTime writes (naive UTC text); PostgreSQL takes the datetime.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def _compact(value: Any) -> str:
    # As the bot writes JSON (bot.storage.batch_sql): no spaces after separators.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    return _compact(value) if isinstance(value, (dict, list)) else value


def _with_event_id(detail: Any, old: str, new: str) -> Any:
    if detail is None:
        return None
    if isinstance(detail, (bytes, memoryview)):  # packed (bot.storage.packing): repacked with the new id
        from bot.storage.packing import pack_text, unpack_text

        return pack_text(unpack_text(detail).replace(old, new))
    if isinstance(detail, str):
        return detail.replace(old, new)
    return json.loads(_compact(detail).replace(old, new))


class Writer:
    """Inserts rows with their explicit ids through the raw driver: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.sqlite:
                cursor.execute("BEGIN")
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(_plain(row[c]) for c in columns) for row in rows],
                )
                cursor.execute("COMMIT")
            else:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([_plain(row[c]) for c in columns])
                raw.commit()
        finally:
            raw.close()


def seed_day(
    writer: Writer,
    templates: list[dict[str, Any]],
    start: dt.datetime,
    count: int,
    ids: dict[str, int],
    rng: random.Random,
) -> None:
    from bench.bench_storage import PERSONAS, TOPICS, status_for

    sqlite = writer.sqlite
    by_actions = {
        key: [t for t in templates if all(action in t["events"] for action in key)]
        for key in (("take",), ("take", "resolve"), ("not_a_request",))
    }
    personas, weights = list(PERSONAS), list(PERSONAS.values())
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in PER_EVENT_TABLES}
    times = sorted(start + dt.timedelta(seconds=rng.random() * 86400) for _ in range(count))
    for created in times:
        rid = ids["request"] = ids["request"] + 1
        age_days = (NOW - created).total_seconds() / 86400
        status = status_for(age_days, rng)
        ack = close = None
        if status in ("acknowledged", "resolved"):
            ack = created + dt.timedelta(hours=rng.expovariate(1 / 6))
        if status in ("resolved", "not_a_request"):
            close = (ack or created) + dt.timedelta(hours=rng.expovariate(1 / 30))
        if (close or ack or created) > NOW:
            status, ack, close = "open", None, None
        actions = {"acknowledged": ("take",), "resolved": ("take", "resolve"), "not_a_request": ("not_a_request",)}
        pool = by_actions.get(actions.get(status, ()), templates) or templates
        template = pool[rid % len(pool)]
        persona = rng.choices(personas, weights)[0]
        topic = None if rng.random() < 0.08 else rng.choice(TOPICS)
        amount = round(rng.lognormvariate(7, 1.5), 2) if rng.random() < 0.7 else None
        ts = f"{int(created.timestamp())}.{rid % 1_000_000:06d}"
        reply_ts = f"{int(created.timestamp()) + 1}.{rid % 1_000_000:06d}"
        event_id = f"Ev{rid:010X}"
        # What the intake wrote for the template's message (its text, who it went to and why, its alert
        # fingerprint, made unique here), under the owner, topic, amount and status drawn for the digest.
        stored = template["request"]
        tables["routed_requests"].append(
            {
                **{column: stored[column] for column in MESSAGE_COLUMNS if column in stored},
                "id": rid,
                "workspace": TEAM,
                "channel_id": CHANNEL,
                "message_ts": ts,
                **({"thread_ts": ts} if "thread_ts" in stored else {}),
                "reply_ts": reply_ts,
                "primary_topic": topic,
                "primary_persona": persona,
                "amount_usd": amount,
                "fingerprint": hashlib.sha1(event_id.encode()).hexdigest()[: len(stored["fingerprint"])]
                if stored["fingerprint"]
                else None,
                "repeat_count": 0,
                "status": status,
                "status_by": None if status == "open" else "U0CLOSER01",
                "status_at": _stamp(close or ack or created, sqlite),
                "created_at": _stamp(created, sqlite),
                "acknowledged_at": _stamp(ack, sqlite) if ack else None,
                "ack_seconds": (ack - created).total_seconds() if ack else None,
                "resolved_at": _stamp(close, sqlite) if close and status == "resolved" else None,
                "closed_at": _stamp(close, sqlite) if close else None,
                "nudged_windows": 0,
                "next_nudge_at": _stamp(created + dt.timedelta(days=1), sqlite) if status == "open" else None,
            }
        )
        tables["processed_events"].append(
            {**template["claim"], "event_id": event_id, "received_at": _stamp(created, sqlite)}
        )
        changes = [("routed", created)]
        if ack:
            changes.append(("take", ack))
        if close:
            changes.append(("resolve" if status == "resolved" else "not_a_request", close))
        for action, moment in changes:
            row = template["events"][action]
            tables["request_events"].append(
                {
                    **row,
                    "id": (ids.__setitem__("event", ids["event"] + 1), ids["event"])[1],
                    "request_id": rid,
                    "at": _stamp(moment, sqlite),
                    "detail": _with_event_id(row["detail"], template["event_id"], event_id),
                }
            )
            kind = "reply" if action == "routed" else "update"
            delivery = template[kind] or template["reply"]
            sent_at = moment + dt.timedelta(seconds=1)
            tables["deliveries"].append(
                {
                    **delivery,
                    "id": (ids.__setitem__("delivery", ids["delivery"] + 1), ids["delivery"])[1],
                    "request_id": rid,
                    "next_attempt_at": _stamp(moment, sqlite),
                    "created_at": _stamp(moment, sqlite),
                    "sent_at": _stamp(sent_at, sqlite),
                    "response_ts": reply_ts,
                    "dedup_key": f"reply:{CHANNEL}:{ts}:{event_id}" if kind == "reply" else None,
                }
            )
    for name in PER_EVENT_TABLES:
        writer.insert(name, tables[name])


def measure(engine: Engine, events: int, retention: bool) -> dict[str, Any]:
    from bench.bench_storage import fill_rollups

    prune = None
    if retention:
        from bot.storage.database import Database
        from bot.storage.retention import prune as prune_database

        database = Database(engine)

        def prune(engine: Engine, now: dt.datetime) -> None:
            prune_database(database, now)

    templates = capture_templates(engine)
    writer = Writer(engine)
    rng = random.Random(11)
    next_id = {"request": 0, "event": 0, "delivery": 0}
    started = time.perf_counter()
    pruned_seconds = 0.0
    days = WEEKS * 7
    for day in range(days):
        start = NOW - dt.timedelta(days=days - day)
        seed_day(writer, templates, start, events // days + (1 if day < events % days else 0), next_id, rng)
        if prune is not None:  # the daily schedule, at the end of the day
            begin = time.perf_counter()
            prune(engine, start + dt.timedelta(days=1))
            if engine.dialect.name == "postgresql":  # what autovacuum does in a day, so freed space is reused
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    for table in PER_EVENT_TABLES:
                        connection.exec_driver_sql(f"VACUUM {table}")
            pruned_seconds += time.perf_counter() - begin
    fill_rollups(engine)
    seconds = time.perf_counter() - started
    return {
        "events": events,
        "retention": retention,
        "templates": len(templates),
        "seed_seconds": round(seconds, 1),
        "prune_seconds": round(pruned_seconds, 1),
        **sizes(engine, events),
    }


def sizes(engine: Engine, events: int) -> dict[str, Any]:
    tables = (*PER_EVENT_TABLES, *ROLLUPS, "schedule_claims", "routing_feedback")
    counts: dict[str, int] = {}
    per_table: dict[str, int | None] = {}
    by_object: dict[str, int] = {}  # every table, TOAST and index on its own
    with engine.connect() as connection:
        for table in tables:
            counts[table] = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        path = Path(engine.url.database)
        total = path.stat().st_size
        with engine.connect() as connection:
            try:
                rows = connection.exec_driver_sql(
                    "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                    "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
                ).all()
                per_table = {name: int(size) for name, size in rows if name in tables}
                by_object = {
                    name: int(size)
                    for name, size in connection.exec_driver_sql(
                        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
                    ).all()
                }
                freelist = connection.exec_driver_sql("PRAGMA freelist_count").scalar_one()
                page = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
                per_table["(free pages, reused by later writes)"] = int(freelist) * int(page)
            except Exception:
                per_table = {}
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
            for table in tables:
                per_table[table] = connection.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one()
            # Heap (with its free-space and visibility maps), TOAST (with its index) and each index apart.
            for table in tables:
                by_object[table] = connection.execute(
                    text(
                        f"SELECT pg_table_size('{table}') - coalesce(pg_total_relation_size(reltoastrelid), 0) "
                        f"FROM pg_class WHERE oid = '{table}'::regclass"
                    )
                ).scalar_one()
                toast = connection.execute(
                    text(
                        f"SELECT pg_total_relation_size(reltoastrelid) FROM pg_class "
                        f"WHERE oid = '{table}'::regclass AND reltoastrelid <> 0"
                    )
                ).scalar()
                if toast:
                    by_object[f"{table} (TOAST)"] = toast
                for name, size in connection.execute(
                    text(
                        f"SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
                        f"WHERE indrelid = '{table}'::regclass"
                    )
                ).all():
                    by_object[name] = size
        total = sum(size for size in per_table.values() if size)
    return {
        "rows": counts,
        "bytes_total": total,
        "bytes_per_event": round(total / events, 1),
        "bytes_by_table": per_table,
        "bytes_by_object": dict(sorted(by_object.items(), key=lambda item: -item[1])),
    }


def run(backend: str, events: int, retention: bool, admin_url: str) -> dict[str, Any]:
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="finops-bench-events-"))
        engine = make_engine(f"sqlite:///{directory / 'events.db'}")
        try:
            upgrade(engine)
            return measure(engine, events, retention)
        finally:
            engine.dispose()
            for leftover in directory.iterdir():
                leftover.unlink()
            directory.rmdir()
    from bench.bench_storage import postgres_scratch

    with postgres_scratch(admin_url) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            return measure(engine, events, retention)
        finally:
            engine.dispose()


def markdown(results: dict[str, dict[str, Any]]) -> str:
    first = next(iter(results.values()))
    lines = [
        f"### Storage per routed event: {first['events']:,} events over {WEEKS} weeks"
        + (", after retention" if first["retention"] else ", no retention"),
        "",
        f"Templates: {first['templates']} events routed, replied to and taken/resolved through the real intake and "
        "store; replicated day by day with the raw driver, "
        + (
            "the prune run after each day (defaults: event ids 48 h, sent deliveries 7 days, schedule claims "
            "35 days; PostgreSQL: a plain VACUUM after each, as autovacuum). "
            if first["retention"]
            else "nothing pruned. "
        )
        + "Sizes without VACUUM FULL (steady state: freed space is reused). "
        "Command: `.venv/bin/python -m bench.bench_storage --rows 0 --events N"
        + ("" if first["retention"] else " --no-retention")
        + "`.",
        "",
        "| table (with its indexes) | " + " | ".join(results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    names: list[str] = []
    for result in results.values():
        names += [n for n in result["bytes_by_table"] if n not in names]
    for name in names:
        cells = []
        for result in results.values():
            size = result["bytes_by_table"].get(name)
            rows = result["rows"].get(name)
            cells.append(
                "–"
                if size is None
                else f"{size / 1e6:,.1f} MB ({size / result['events']:,.0f} B/event"
                + (f"; {rows:,} rows" if rows is not None else "")
                + ")"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total per routed event** | "
        + " | ".join(f"**{r['bytes_per_event']:,.0f} B** ({r['bytes_total'] / 1e6:,.0f} MB)" for r in results.values())
        + " |"
    )
    lines.append(
        "| seeding (and pruning) time | "
        + " | ".join(f"{r['seed_seconds']} s ({r['prune_seconds']} s)" for r in results.values())
        + " |"
    )
    lines += [
        "",
        "Target (performance issue): ≤ 1,500 B per routed event after retention at 1M events, "
        "and no table that grows for ever.",
    ]
    return "\n".join(lines)

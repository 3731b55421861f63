"""Storage benchmark: the bot's hot queries over 1,000,000 stored requests.

Seeds a throwaway database per back end (SQLite file; PostgreSQL database
created and dropped here) with requests spread over 12 weeks, personas,
topics and statuses, fills the digest rollups with the migration's backfill
SQL (what upgrading an existing database does; the store keeps them current on
every write), then times ``RequestStore.open_requests`` (all, one persona),
``RequestStore.count_open`` and ``DigestQueries.digest_data`` for a week, and reports the
bytes stored per request, rollups included.

    .venv/bin/python bench/bench_storage.py [--rows 1000000] [--backends sqlite,postgresql]

PostgreSQL: ``FINOPS_BENCH_POSTGRES_URL`` (default the test server,
``postgresql://postgres@127.0.0.1:5432/test``) is only used to create and drop
the benchmark's own database. Prints a markdown section; writes
``bench/out/storage.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.machine import machine_facts
from bot.storage.db import database_url, make_engine, upgrade
from bot.storage.packing import pack_json, pack_text
from bot.storage.stores import Storage

ROLLUP_TABLES = ("digest_hourly", "digest_daily")


def fill_rollups(engine: Any) -> None:
    """Fill the digest rollups from the bulk-loaded requests with the migration's own backfill SQL.

    The store keeps them current on every write; bulk loading bypasses the
    store, so the bench rebuilds them exactly as upgrading an existing database does.
    """
    path = Path(__file__).resolve().parents[1] / "bot/storage/migrations/versions/0002_digest_rollups.py"
    spec = importlib.util.spec_from_file_location("digest_rollups_migration", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with engine.begin() as connection:
        for statement in migration.backfill_statements(engine.dialect.name):
            connection.exec_driver_sql(statement)


UTC = dt.UTC
NOW = dt.datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # a Monday; the digest covers the week before
WEEKS = 12
BATCH = 50_000
REPEATS = 7
OUT = Path(__file__).resolve().parent / "out" / "storage.json"

# Roughly how FinOps traffic splits: most alerts land on engineering and the practitioner.
PERSONAS = {
    "engineering": 30,
    "finops-practitioner": 25,
    "finance": 15,
    "product": 8,
    "procurement": 7,
    "leadership": 3,
    "security": 4,
    "itam": 2,
    "sustainability": 2,
    "itsm": 2,
    "itfm": 2,
}
TOPICS = [
    "cost-anomalies", "budgets", "overspend", "forecasting", "commitments", "commitment-expiry",
    "tagging", "rightsizing", "idle-resources", "invoices", "contract-renewals", "kpis-reporting",
]  # fmt: skip
EXCERPTS = [
    "AWS Cost Anomaly Detection: total impact ${amount} on Amazon EC2 in account 1234-5678-9012 (us-east-1)",
    "Budget 'team-data-platform' exceeded 80% of its monthly amount: actual ${amount}",
    "Can someone check why our Azure bill went up by ${amount} this month? The data team says nothing changed.",
    "Savings Plan utilization dropped to 71% last week; ${amount} of commitment went unused.",
    "GCP billing alert: project analytics-prod forecast is ${amount} above plan for March",
    "Who owns the untagged RDS instances in prod? They cost ${amount} a month.",
]


def status_for(age_days: float, rng: random.Random) -> str:
    """Old requests are mostly closed; this week's are mostly open."""
    roll = rng.random()
    if age_days > 14:
        cuts = [(0.86, "resolved"), (0.93, "not_a_request"), (0.97, "acknowledged"), (0.985, "rerouted")]
    elif age_days > 7:
        cuts = [(0.60, "resolved"), (0.67, "not_a_request"), (0.85, "acknowledged"), (0.90, "rerouted")]
    else:
        cuts = [(0.25, "resolved"), (0.30, "not_a_request"), (0.60, "acknowledged"), (0.66, "rerouted")]
    for cut, status in cuts:
        if roll < cut:
            return status
    return "open"


def generate(rows: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    personas = list(PERSONAS)
    weights = list(PERSONAS.values())
    span = WEEKS * 7 * 86400
    for n in range(rows):
        created = NOW - dt.timedelta(seconds=rng.random() * span)
        age_days = (NOW - created).total_seconds() / 86400
        status = status_for(age_days, rng)
        persona = rng.choices(personas, weights)[0]
        topic = None if rng.random() < 0.08 else rng.choice(TOPICS)
        amount = round(rng.lognormvariate(7, 1.5), 2) if rng.random() < 0.7 else None
        ack = close = None
        if status in ("acknowledged", "resolved"):
            ack = created + dt.timedelta(hours=rng.expovariate(1 / 6))
        if status in ("resolved", "not_a_request"):
            close = (ack or created) + dt.timedelta(hours=rng.expovariate(1 / 30))
        status_at = close or ack or created
        if status_at > NOW:  # closed "in the future" would be nonsense: keep it open
            status, ack, close, status_at = "open", None, None, created
        yield {
            "workspace": "T0BENCH",
            "channel_id": f"C{n % 40:08d}",
            "message_ts": f"{int(created.timestamp())}.{n:06d}",
            "reply_ts": f"{int(created.timestamp()) + 1}.{n:06d}",
            "source": "app" if rng.random() < 0.6 else "person",
            "source_name": "aws-cost-anomaly" if rng.random() < 0.6 else f"U{rng.randrange(10**8):08d}",
            "excerpt": rng.choice(EXCERPTS).replace("{amount}", f"{amount or 1234:,.2f}"),
            "topics": [topic] if topic else [],
            "primary_topic": topic,
            "personas": pack_json({"responsible": [persona], "accountable": ["finops-practitioner"]}),
            "primary_persona": persona,
            "amount_usd": amount,
            "explanation": pack_text(f"matched topic {topic}" if topic else "fallback: cost words, no topic"),
            "confidence": round(rng.uniform(0.5, 1), 3),
            "fingerprint": None,
            "repeat_count": 0,
            "status": status,
            "status_by": None if status == "open" else f"U{rng.randrange(10**8):08d}",
            "status_at": status_at,
            "created_at": created,
            "acknowledged_at": ack,
            "ack_seconds": (ack - created).total_seconds() if ack else None,
            "resolved_at": close if status == "resolved" else None,
            "closed_at": close,
            "nudged_windows": 0,
            "next_nudge_at": created + dt.timedelta(days=1) if status in ("open", "rerouted") else None,
        }


COLUMNS = list(next(generate(1)).keys())


def _sqlite_value(value: Any) -> Any:
    # The format SQLAlchemy's SQLite DateTime writes (naive UTC), and JSON as text.
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def seed_sqlite(engine: Any, rows: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        placeholders = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO routed_requests ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        cursor.execute("BEGIN")
        batch: list[tuple] = []
        for row in generate(rows):
            batch.append(tuple(_sqlite_value(row[c]) for c in COLUMNS))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        cursor.execute("COMMIT")
    finally:
        raw.close()
    fill_rollups(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def seed_postgres(engine: Any, rows: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY routed_requests ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in generate(rows):
                copy.write_row([json.dumps(row[c]) if isinstance(row[c], (list, dict)) else row[c] for c in COLUMNS])
        raw.commit()
    finally:
        raw.close()
    fill_rollups(engine)
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("routed_requests", *ROLLUP_TABLES):
            connection.execute(text(f"VACUUM ANALYZE {table}"))


def timed(operation: Callable[[], Any], repeats: int = REPEATS) -> dict[str, float]:
    operation()  # warm caches, as a running bot has them
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def measure(store: Storage, rows: int) -> dict[str, Any]:
    week_end = dt.datetime(2026, 3, 30, tzinfo=UTC)
    week_start = week_end - dt.timedelta(days=7)
    old_start = week_start - dt.timedelta(weeks=6)
    half_hour_start = week_start - dt.timedelta(hours=5, minutes=30)  # a week in a UTC+05:30 zone
    digest = store.digest.digest_data(week_start, week_end, "finops-practitioner")
    return {
        "rows": rows,
        "open_now": store.requests.count_open(),
        "digest_week_routed": digest.total_routed,
        "queries": {
            "open_requests(all, 50)": timed(lambda: store.requests.open_requests(limit=50)),
            "open_requests(engineering, 50)": timed(lambda: store.requests.open_requests(["engineering"], limit=50)),
            "open_requests(3 personas, 20)": timed(
                lambda: store.requests.open_requests(["finance", "procurement", "itfm"], limit=20)
            ),
            "count_open(all)": timed(lambda: store.requests.count_open()),
            "due_nudges(100)": timed(lambda: store.requests.due_nudges(NOW, limit=100)),
            "digest_data(last week)": timed(
                lambda: store.digest.digest_data(week_start, week_end, "finops-practitioner")
            ),
            "digest_data(last week, UTC+05:30)": timed(
                lambda: store.digest.digest_data(
                    half_hour_start, half_hour_start + dt.timedelta(days=7), "finops-practitioner"
                )
            ),
            "digest_data(6 weeks ago)": timed(
                lambda: store.digest.digest_data(old_start, old_start + dt.timedelta(days=7), "finops-practitioner")
            ),
        },
    }


def sqlite_rollup_bytes(connection: Any) -> int | None:
    """Pages of the rollup tables (WITHOUT ROWID: table and key are one b-tree); None without dbstat."""
    names = ", ".join(f"'{name}'" for name in ROLLUP_TABLES)
    try:
        return int(connection.execute(text(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({names})")).scalar_one())
    except Exception:
        return None


def run_sqlite(rows: int) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="finops-bench-"))
    path = directory / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        start = time.perf_counter()
        seed_sqlite(engine, rows)
        seconds = time.perf_counter() - start
        result = measure(Storage.open(engine), rows)
        with engine.connect() as connection:
            rollup_bytes = sqlite_rollup_bytes(connection)
        engine.dispose()
        size = path.stat().st_size
        result.update(
            seed_seconds=round(seconds, 1),
            bytes_total=size,
            bytes_per_request=round(size / rows, 1),
            rollup_bytes=rollup_bytes,
        )
        return result
    finally:
        engine.dispose()
        for leftover in directory.iterdir():
            leftover.unlink()
        directory.rmdir()


@contextmanager
def postgres_scratch(admin_url: str) -> Iterator[str]:
    """A PostgreSQL database of its own for a benchmark (its URL), dropped afterwards."""
    admin = create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"finops_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_postgres(rows: int, admin_url: str) -> dict[str, Any]:
    with postgres_scratch(admin_url) as url:
        return _run_postgres(rows, url)


def _run_postgres(rows: int, url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        start = time.perf_counter()
        seed_postgres(engine, rows)
        seconds = time.perf_counter() - start
        result = measure(Storage.open(engine), rows)
        with engine.connect() as connection:
            table_bytes = connection.execute(text("SELECT pg_total_relation_size('routed_requests')")).scalar_one()
            heap_bytes = connection.execute(text("SELECT pg_relation_size('routed_requests')")).scalar_one()
            version = connection.execute(text("SHOW server_version")).scalar_one()
            rollup_bytes = sum(
                connection.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one()
                for table in ROLLUP_TABLES
            )
        result.update(
            seed_seconds=round(seconds, 1),
            bytes_total=table_bytes + rollup_bytes,
            bytes_heap=heap_bytes,
            bytes_per_request=round((table_bytes + rollup_bytes) / rows, 1),
            rollup_bytes=rollup_bytes,
            server_version=version,
        )
        return result
    finally:
        engine.dispose()


def machine() -> dict[str, Any]:
    import sqlite3

    import sqlalchemy

    return {**machine_facts(), "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy.__version__}


def markdown(report: dict[str, Any]) -> str:
    info = report["machine"]
    lines = [
        f"## Storage: queries over {report['rows']:,} stored requests",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB RAM; {info['os']}; "
        f"Python {info['python']}, SQLite {info['sqlite']}, SQLAlchemy {info['sqlalchemy']}"
        + (
            f", PostgreSQL {report['results']['postgresql']['server_version']}"
            if "postgresql" in report["results"]
            else ""
        )
        + ".",
        f"Seeded {report['rows']:,} requests over {WEEKS} weeks; median of {REPEATS} warm runs (max in brackets).",
        "",
    ]
    backends = list(report["results"])
    lines.append("| query | " + " | ".join(backends) + " |")
    lines.append("|---|" + "---|" * len(backends))
    for query in next(iter(report["results"].values()))["queries"]:
        cells = [
            f"{r['queries'][query]['median_ms']:.1f} ms ({r['queries'][query]['max_ms']:.1f})"
            for r in report["results"].values()
        ]
        lines.append(f"| `{query}` | " + " | ".join(cells) + " |")
    lines.append(
        "| bytes per request (table + indexes + rollups) | "
        + " | ".join(f"{r['bytes_per_request']:,.0f}" for r in report["results"].values())
        + " |"
    )
    lines.append(
        "| of which digest rollups | "
        + " | ".join(
            f"{r['rollup_bytes'] / 1e6:,.1f} MB ({r['rollup_bytes'] / report['rows']:,.1f} B/request)"
            if r.get("rollup_bytes") is not None
            else "n/a"
            for r in report["results"].values()
        )
        + " |"
    )
    lines.append("| seeding time | " + " | ".join(f"{r['seed_seconds']} s" for r in report["results"].values()) + " |")
    lines.append("")
    for backend, r in report["results"].items():
        lines.append(
            f"{backend}: {r['open_now']:,} requests open now; {r['digest_week_routed']:,} routed in the digest's week."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=int(os.environ.get("BENCH_STORAGE_ROWS", 1_000_000)), help="0: skip the queries"
    )
    parser.add_argument(
        "--events",
        type=int,
        default=int(os.environ.get("BENCH_STORAGE_EVENTS", 1_000_000)),
        help="routed events for storage per event (0: skip)",
    )
    parser.add_argument("--no-retention", action="store_true", help="storage per event without the prune")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("FINOPS_BENCH_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    report: dict[str, Any] = {"rows": args.rows, "machine": machine(), "results": {}, "per_event": {}}
    for backend in args.backends.split(",") if args.events else ():
        from bench import storage_per_event

        print(f"# {backend}: {args.events:,} routed events…", file=sys.stderr)
        report["per_event"][backend] = storage_per_event.run(backend, args.events, not args.no_retention, admin_url)
    for backend in args.backends.split(",") if args.rows else ():
        print(f"# {backend}: seeding {args.rows:,} requests…", file=sys.stderr)
        if backend == "sqlite":
            report["results"]["sqlite"] = run_sqlite(args.rows)
        elif backend == "postgresql":
            report["results"]["postgresql"] = run_postgres(args.rows, admin_url)
        else:
            parser.error(f"unknown back end {backend!r}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    if args.rows:
        print(markdown(report))
    if args.events:
        from bench import storage_per_event

        print(("\n" if args.rows else "") + storage_per_event.markdown(report["per_event"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

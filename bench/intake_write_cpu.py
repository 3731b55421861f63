"""CPU per event of the intake's write: routed messages recorded through ``Storage``, in group-commit batches.

    PYTHONPATH=<source tree> .venv/bin/python bench/intake_write_cpu.py [--events 4000] [--batch 16] [--url URL]

Records ``events`` routed messages (the request, its 'routed' event, its reply) with
``IntakeStore.record_batch`` in batches of ``batch``, as the group commit hands them
over under load, then marks the replies sent as the relay does; prints the process's
CPU time per event (µs) for each part as JSON. Run it against two source trees
(``PYTHONPATH``) in interleaved rounds to compare them; the database is created
fresh each run (SQLite in a temporary directory, or the PostgreSQL ``--url``, emptied
first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bot.domain.deliveries import NewDelivery
from bot.domain.requests import NewRequest
from bot.storage.db import make_engine, upgrade
from bot.storage.intake_rows import PendingRecord
from bot.storage.stores import Storage

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EXPLANATION = (
    "Budgets and budget alerts (matched 'aws budget', 'exceeded your alert threshold', 'monthly budget', "
    "'budget') → finance responsible; $18,250 stated"
)
PERSONAS = {
    "responsible": ["finance"],
    "accountable": ["finops-practitioner"],
    "consulted": [],
    "informed": ["engineering", "leadership"],
}
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": f"line {n}: budget alert"}} for n in range(12)]


def pending(n: int) -> PendingRecord:
    request = NewRequest(
        workspace="T0BENCH01",
        channel_id="C0COSTALRT",
        message_ts=f"{1774000000 + n}.{n % 1_000_000:06d}",
        source="app",
        source_name="AWS Chatbot",
        excerpt=f"AWS Budgets: budget team-data-platform exceeded 80% of its monthly amount ({n})",
        topics=["budgets", "forecasting"],
        primary_topic="budgets",
        personas=PERSONAS,
        primary_persona="finance",
        amount_usd=18250.0,
        explanation=EXPLANATION,
        confidence=0.9,
        fingerprint=f"{n:040x}",
        matched_terms=["aws budget", "monthly budget"],
        next_nudge_at=NOW + dt.timedelta(days=1),
    )
    reply = NewDelivery(
        kind="reply",
        method="chat.postMessage",
        payload={"channel": "C0COSTALRT", "thread_ts": request.message_ts, "blocks": BLOCKS},
        dedup_key=f"reply:C0COSTALRT:{request.message_ts}:Ev{n:010d}",
    )
    when = NOW + dt.timedelta(milliseconds=n)
    return PendingRecord(f"Ev{n:010d}", request, reply, when, None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--url", default=None, help="PostgreSQL URL (emptied first); SQLite when not given")
    args = parser.parse_args()
    directory = None
    if args.url:
        engine = make_engine(args.url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        directory = tempfile.mkdtemp(prefix="finops-intake-cpu-")
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
    upgrade(engine)
    storage = Storage.open(engine)
    items = [pending(n) for n in range(args.events)]
    storage.intake.record_batch(items[:1])  # warm-up: statements compiled, connections open
    items = items[1:]
    started = time.process_time()
    results = []
    for first in range(0, len(items), args.batch):
        results += storage.intake.record_batch(items[first : first + args.batch])
    recorded = time.process_time() - started
    ids = [result.delivery_id for result in results]
    rows = [storage.outbox.get_delivery(i) for i in ids]
    started = time.process_time()
    for first in range(0, len(rows), args.batch):
        storage.outbox.mark_sent_many([(row, f"1.{row.id}") for row in rows[first : first + args.batch]], NOW)
    sent = time.process_time() - started
    engine.dispose()
    print(
        json.dumps(
            {"record_us_per_event": recorded / len(items) * 1e6, "mark_sent_us_per_event": sent / len(items) * 1e6}
        )
    )


if __name__ == "__main__":
    main()

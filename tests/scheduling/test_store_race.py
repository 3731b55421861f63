"""Two tickers in separate threads, each with its own engine, racing on the real claim table.

Runs on SQLite and PostgreSQL through the storage fixtures; each ticker has
its own ``Storage`` and connection pool, as two scheduler processes would.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config.models import Duty
from tests.scheduling.scheduling_fakes import RecordingPoster, make_config, tick_at_once, utc

pytest.importorskip("bot.storage.stores", reason="the storage layer is not available")

from bot.services.scheduled_posts import build_ticker
from bot.storage.db import make_engine
from bot.storage.stores import Storage

DUTIES = 20


def test_two_schedulers_on_one_database_post_each_occurrence_once(database_url, migrated_engine):
    config = make_config(duties=[Duty(id=f"d{i}", text=f"duty {i}", schedule="0 9 * * *") for i in range(DUTIES)])
    now = utc(2026, 5, 5, 9, 0, 5)
    poster = RecordingPoster()
    engines = [make_engine(database_url) for _ in range(2)]
    tickers = [
        build_ticker(config, Storage.open(engine, sleep=lambda _s: None), poster, lambda: now, f"worker-{i}")
        for i, engine in enumerate(engines)
    ]
    try:
        tick_at_once(tickers, start_timeout=30, join_timeout=120)
    finally:
        for engine in engines:
            engine.dispose()
    texts = [m["text"] for m in poster.messages]
    assert len(texts) == DUTIES and len(set(texts)) == DUTIES

    storage = Storage.open(migrated_engine)
    fire = utc(2026, 5, 5, 9)
    rows = [storage.schedule_claims.occurrence(f"duty:finance:d{i}", fire) for i in range(DUTIES)]
    assert all(row is not None and row.status == "posted" for row in rows)
    missed = storage.schedule_claims.occurrence("duty:finance:d0", fire - dt.timedelta(days=1))
    assert missed is not None and missed.status == "skipped"


def test_a_renamed_duty_does_not_post_again_on_the_real_store(storage):
    now = utc(2026, 5, 5, 9, 0, 5)
    poster = RecordingPoster()
    before = make_config(duties=[Duty(id="anomalies", text="Review anomalies", schedule="0 9 * * *")])
    after = make_config(duties=[Duty(id="anomaly-review", text="Review anomalies", schedule="0 9 * * *")])
    build_ticker(before, storage, poster, lambda: now, "w1").tick()
    report = build_ticker(after, storage, poster, lambda: now + dt.timedelta(minutes=2), "w2").tick()
    assert len(poster.messages) == 1
    assert report.posted == [] and report.duplicates
    assert storage.schedule_claims.occurrence("duty:finance:anomaly-review", utc(2026, 5, 5, 9)).status == "skipped"

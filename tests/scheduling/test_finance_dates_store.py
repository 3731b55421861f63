"""Two schedulers on one real database post a finance-date duty and a recurring calendar reminder once.

Runs on SQLite and PostgreSQL through the storage fixtures, each ticker with
its own engine, as two scheduler processes would.
"""

from __future__ import annotations

import pytest

from bot.config.models import CalendarEntry, Duty
from tests.scheduling.scheduling_fakes import RecordingPoster, make_config, tick_at_once, utc

pytest.importorskip("bot.storage.stores", reason="the storage layer is not available")

from bot.services.scheduled_posts import build_ticker
from bot.storage.db import make_engine
from bot.storage.stores import Storage


def test_two_schedulers_post_finance_dates_once_on_the_real_claim_table(database_url, migrated_engine):
    config = make_config(
        duties=[Duty(id="invoices", text="Reconcile invoices", on="business-day 3", at="09:00")],
        calendar=[
            CalendarEntry(
                id="close", name="Month-end close", on="last-business-day", topic="commitments", lead_days=(27,)
            )
        ],
    )
    # Wednesday 3 June 2026 09:00 is BD+3, and 27 days before the month's last business day (Tuesday 30th).
    now = utc(2026, 6, 3, 9, 0, 5)
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
    assert sorted(m["channel"] for m in poster.messages) == ["#finops-finance", "#finops-finance", "#finops-leadership"]
    assert sum("Reconcile invoices" in str(m["blocks"]) for m in poster.messages) == 1
    assert sum("due Tue 30 Jun 2026" in m["text"] for m in poster.messages) == 2
    storage = Storage.open(migrated_engine)
    fire = utc(2026, 6, 3, 9)
    for schedule_id in ("duty:finance:invoices", "calendar:close:27d"):
        row = storage.schedule_claims.occurrence(schedule_id, fire)
        assert row is not None and row.status == "posted", schedule_id

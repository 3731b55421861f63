"""A bot started on a read-only SQLite file recovers by itself once it is writable (issue 11, item 4)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

COST_ALERT = "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"


def immutable(path, on: bool) -> None:
    # The tests may run as root, whom file modes do not stop; the immutable attribute does.
    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)


def test_a_read_only_database_at_start_is_written_once_it_becomes_writable(tmp_path):
    database = tmp_path / "bot.db"

    def make_read_only(sim) -> None:
        from bot.storage.db import make_engine, upgrade

        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        engine.dispose()
        try:
            immutable(database, True)
        except (OSError, subprocess.CalledProcessError):
            pytest.skip("chattr +i is not available here")

    harness = None
    try:
        harness = start_harness(tmp_path, f"sqlite:///{database}", copy_config(tmp_path), before_start=make_read_only)
        refused = harness.sim.send_event(harness.bot.url, message_event(harness))
        assert refused.status >= 500  # cannot record it: Slack is asked to retry
        immutable(database, False)

        def answered() -> str | None:
            event = message_event(harness)
            return event["ts"] if harness.sim.send_event(harness.bot.url, event).status == 200 else None

        ts = wait_until(answered, timeout=60, what="an event to be recorded once the file is writable")
        assert "41,236" in json.dumps(harness.reply_to(ts))
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=False)
        if harness is not None:
            stop_harness(harness)


def message_event(harness) -> dict:
    return harness.sim.record_message("cost-alerts", harness.person, COST_ALERT)

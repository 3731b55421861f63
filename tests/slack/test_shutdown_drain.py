"""SIGTERM drains (issue 11, item 6): the stopping process sends or releases every delivery it holds.

Nothing is left leased to a process that is gone, so its successor sends the rest at once, and every
message still gets exactly one reply. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import text

from bot.devtools.local import LocalBot
from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

EVENTS = 40
COST_ALERT = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: ${n},236.55"


def held_deliveries(harness) -> list[tuple]:
    with harness.store.engine.connect() as connection:
        return connection.execute(
            text("SELECT id, claimed_by FROM deliveries WHERE status = 'pending' AND claimed_by IS NOT NULL")
        ).all()


def test_sigterm_leaves_no_delivery_leased_and_a_restart_sends_each_reply_once(tmp_path, database_url):
    harness = start_harness(
        tmp_path, database_url, copy_config(tmp_path), extra_env={"FINOPS_SHUTDOWN_GRACE_SECONDS": "1"}
    )
    restarted = None
    try:
        # Slack answers each post after a second: replies queue up in the relay.
        harness.sim.fail_next("chat.postMessage", delay=1.0, times=10_000)
        threads = [harness.post(COST_ALERT.format(n=n + 10)) for n in range(EVENTS)]
        harness.bot.stop()  # SIGTERM, and wait for the process to exit
        assert harness.bot.process is not None and harness.bot.process.returncode == 0
        assert held_deliveries(harness) == []  # sent, or released for the next process

        harness.sim.clear_failures()
        restarted = LocalBot(harness.bot.env).start()
        wait_until(
            lambda: all(harness.bot_posts_in_thread(ts) for ts in threads), timeout=90, what="a reply in every thread"
        )
        wait_until(
            lambda: harness.store.outbox.count_deliveries("pending") == 0, timeout=30, what="every delivery sent"
        )
        assert [len(harness.bot_posts_in_thread(ts)) for ts in threads] == [1] * EVENTS
    finally:
        if restarted is not None:
            restarted.stop()
        stop_harness(harness)

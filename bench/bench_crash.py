"""Crash tests: SIGKILL and SIGTERM during a 200-event burst, on SQLite and PostgreSQL.

`finops-bot serve` (2 workers × 8 threads) runs against the simulator, which
answers each `chat.postMessage` after 0.2 s (a realistic Slack latency, so
replies queue up). 20 clients send 200 Slack-signed message events; once half
are acknowledged the server is sent SIGKILL (the whole process tree, as an OOM
kill would) or SIGTERM (a deploy). The clients keep sending until the burst
ends (events refused while the server is down are not acknowledged and not
counted: Slack would retry them). A new server is then started on the same
database, and the script measures:

- events acknowledged (HTTP 200 before the signal took effect);
- replies posted before the restart, and in the end;
- duplicates: threads with more than one reply from the bot (must be 0);
- lost: acknowledged events with no reply in the end (must be 0);
- seconds from the restarted server being ready until every acknowledged
  event has its reply.

Loopback only, bounded loops. Run: .venv/bin/python -m bench.bench_crash
(prints a markdown section). The pass/fail part is asserted by
tests/slack/test_crash.py; this script only measures.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_CRASH_EVENTS", "200"))
CLIENTS = 20
SLACK_LATENCY = 0.2
DELIVERY_DEADLINE = 180.0  # seconds after the restart before giving up on the count
MESSAGE = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: ${n},236.55"


@dataclass
class CrashResult:
    database: str
    how: str
    acknowledged: int
    replied_before_restart: int
    replied: int
    duplicates: int
    lost: int
    seconds_to_delivered: float | None  # None: not all delivered within DELIVERY_DEADLINE


def run_crash(
    database_url: str,
    how: str,
    *,
    events: int = EVENTS,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> CrashResult:
    """One burst with a ``how`` ("SIGKILL" or "SIGTERM") half-way through, then a restart and the count."""
    config_dir = ROOT / "config"
    sim = SlackSimulator().start()
    bot: LocalBot | None = None
    restarted: LocalBot | None = None
    try:
        seed_workspace(sim, load_config(config_dir).config)
        person = sim.add_user("dana", email="dana@example.com")
        channel = sim.channel_id("cost-alerts")
        sim.fail_next("chat.postMessage", delay=SLACK_LATENCY, times=1_000_000)
        env = bot_env(sim, database=database_url, config_dir=config_dir, extra=extra_env)
        bot = LocalBot(env, workers=workers).start()
        acknowledged: list[str] = []
        lock = threading.Lock()
        signalled = threading.Event()

        def send(n: int) -> None:
            try:
                ts = sim.post_message(bot.url, channel, user=person, text=MESSAGE.format(n=n + 10))
            except Exception:  # refused or cut off while the server is down: not acknowledged
                return
            with lock:
                acknowledged.append(ts)
                if len(acknowledged) >= events // 2 and not signalled.is_set():
                    signalled.set()
                    if how == "SIGKILL":
                        bot.kill()
                    else:
                        assert bot.process is not None
                        bot.process.send_signal(signal.SIGTERM)

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(send, range(events)))
        assert bot.process is not None
        bot.process.wait(timeout=60)
        replied_before = sum(1 for ts in acknowledged if bot_replies(sim, ts))
        log(f"{how}: {len(acknowledged)} acknowledged, {replied_before} replied before the restart")

        restarted = LocalBot(env, workers=workers).start()
        ready = time.monotonic()
        seconds: float | None = None
        pause = threading.Event()
        while time.monotonic() - ready < DELIVERY_DEADLINE:
            if all(bot_replies(sim, ts) for ts in acknowledged):
                seconds = time.monotonic() - ready
                break
            pause.wait(0.1)
        # Anything still on its way (a duplicate would be a second post) has time to land.
        quiet_until = time.monotonic() + 3 * SLACK_LATENCY + 2
        while time.monotonic() < quiet_until:
            pause.wait(0.1)
        counts = [len(bot_replies(sim, ts)) for ts in acknowledged]
        return CrashResult(
            database=database_url.split(":", 1)[0].split("+")[0],
            how=how,
            acknowledged=len(acknowledged),
            replied_before_restart=replied_before,
            replied=sum(1 for count in counts if count),
            duplicates=sum(1 for count in counts if count > 1),
            lost=sum(1 for count in counts if count == 0),
            seconds_to_delivered=seconds,
        )
    finally:
        for server in (restarted, bot):
            if server is not None:
                server.kill()
        sim.stop()


def bot_replies(sim: SlackSimulator, ts: str) -> list:
    return [call for call in sim.calls("chat.postMessage") if call.ok and call.params.get("thread_ts") == ts]


def main() -> int:
    from bench.bench_slack import postgres_database

    results: list[CrashResult] = []
    # The default grace lets the stopping server send everything it holds; a 1-second grace makes it
    # release most of it to the next server instead.
    variants = (("SIGKILL", {}), ("SIGTERM", {}), ("SIGTERM", {"FINOPS_SHUTDOWN_GRACE_SECONDS": "1"}))
    only = os.environ.get("BENCH_CRASH_ONLY")  # e.g. "SIGTERM, 1 s grace"
    with tempfile.TemporaryDirectory() as tmp:
        for index, (how, env) in enumerate(variants):
            label = how + (", 1 s grace" if env else "")
            if only and only != label:
                continue
            sqlite_url = f"sqlite:///{Path(tmp) / f'run{index}.db'}"
            results.append(run_crash(sqlite_url, how, extra_env=env, log=lambda line: print(line, file=sys.stderr)))
            results[-1].how = label
            database = postgres_database()
            if database is not None:
                url, _, drop = database  # (url, database name, drop)
                try:
                    results.append(run_crash(url, how, extra_env=env, log=lambda line: print(line, file=sys.stderr)))
                    results[-1].how = label
                finally:
                    drop()
    print("## Crash tests: SIGKILL and SIGTERM during a burst\n")
    print(
        f"{EVENTS} message events from {CLIENTS} clients to `finops-bot serve` (2 workers × 8 threads), the "
        f"simulator answering each post after {SLACK_LATENCY:.1f} s; the signal is sent once half are "
        "acknowledged, then a new server starts on the same database. Seconds are from the new server being "
        "ready until every acknowledged event has its reply (0.0: all were sent before the old one exited). Leases are "
        "15 s; the stopping server's grace is 8 s unless shown.\n"
    )
    print(
        "| database | signal | events acknowledged | replied before restart | replied | duplicates | lost | s to all delivered |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        seconds = "not within 180" if r.seconds_to_delivered is None else f"{r.seconds_to_delivered:.1f}"
        print(
            f"| {r.database} | {r.how} | {r.acknowledged} | {r.replied_before_restart} | {r.replied} "
            f"| {r.duplicates} | {r.lost} | {seconds} |"
        )
    return 0 if all(r.duplicates == 0 and r.lost == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

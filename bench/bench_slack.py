"""Load test of `finops-bot serve` against a bare bolt app on the same server.

A load generator sends Slack-signed events and slash commands from 20
concurrent clients, with the simulator as Slack, and measures:
- events/s and p50/p99 from request sent to thread reply posted;
- slash-command acknowledgement latency (p50/p99);
- CPU per event: the server's processes, this process (the simulator and the
  load generator), and PostgreSQL's, read from /proc.
The floor is a bare bolt app on the same gunicorn settings that only
acknowledges and posts a fixed reply. finops-bot runs with storage on SQLite
and, when reachable, on PostgreSQL. The servers take turns, round after round
(BENCH_ROUNDS, default 3), and medians are reported: on a shared 2-core
machine one run of each can be 15% off.

Run: .venv/bin/python -m bench.bench_slack   (prints a markdown section)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20
EVENTS = int(os.environ.get("BENCH_EVENTS", "3000"))
COMMANDS = int(os.environ.get("BENCH_COMMANDS", "2000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
POSTGRES_URL = os.environ.get("FINOPS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

MESSAGES = [
    "AWS Cost Anomaly Detection Alert | Account: 123456789012 | Amazon EC2 | Total impact: $4,812.33",
    "found ~340 unattached EBS volumes from old CI runners, ok to delete? roughly $2.1k/mo",
    "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55",
    "RI utilization dropped to 71% after the migration, who looks at coverage?",
    "Our AWS EDP expires in Feb. Who is leading the renewal negotiation? $4.2M/yr commit today.",
]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [descendant for child in children for descendant in process_tree(int(child))]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes so far (0 where /proc cannot tell)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def postgres_pids() -> list[int]:
    return [
        int(pid) for pid in subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    ]


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class BareBolt(LocalBot):
    """The floor: bolt that only acks and posts a fixed reply, under the same gunicorn."""

    def start(self) -> BareBolt:
        import subprocess

        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_bolt", str(self.port), str(self.workers), str(self.threads)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        return self._wait_ready()


def run_load(sim: SlackSimulator, bot: LocalBot, channel: str, user: str) -> dict:
    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
    sent_at: dict[str, float] = {}
    lock = threading.Lock()

    def send(event: dict) -> None:
        with lock:
            sent_at[event["ts"]] = time.monotonic()
        response = sim.send_event(bot.url, event)
        if response.status != 200:
            raise RuntimeError(f"event answered {response.status}")

    sim.reset_calls()
    # Workers are forked once the server is up; read the tree now, not at start.
    server_pids = process_tree(bot.process.pid)
    cpu_before = (cpu_seconds(server_pids), own_cpu_seconds(), cpu_seconds(postgres_pids()))
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, events))
    posted = sim.wait_for(
        lambda c: c.method == "chat.postMessage" and c.ok and c.params.get("thread_ts") in sent_at,
        count=EVENTS,
        timeout=300,
    )
    first_post: dict[str, float] = {}
    for call in posted:
        first_post.setdefault(call.params["thread_ts"], call.at)
    finished = max(first_post.values())
    cpu_after = (cpu_seconds(server_pids), own_cpu_seconds(), cpu_seconds(postgres_pids()))
    server_cpu, client_cpu, postgres_cpu = (
        1000 * (a - b) / EVENTS for a, b in zip(cpu_after, cpu_before, strict=False)
    )
    latencies = [(first_post[ts] - sent_at[ts]) * 1000 for ts in first_post]

    command_latencies: list[float] = []

    def command(_: int) -> None:
        begin = time.monotonic()
        response = sim.send_command(bot.url, text="who-owns anomalies", user_id=user, channel_id=channel)
        elapsed = (time.monotonic() - begin) * 1000
        if response.status != 200:
            raise RuntimeError(f"command answered {response.status}")
        with lock:
            command_latencies.append(elapsed)

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(command, range(COMMANDS)))
    return {
        "events": EVENTS,
        "events_per_s": EVENTS / (finished - started),
        "reply_p50_ms": percentile(latencies, 0.5),
        "reply_p99_ms": percentile(latencies, 0.99),
        "commands": COMMANDS,
        "ack_p50_ms": percentile(command_latencies, 0.5),
        "ack_p99_ms": percentile(command_latencies, 0.99),
        "server_cpu_ms": server_cpu,
        "client_cpu_ms": client_cpu,
        "postgres_cpu_ms": postgres_cpu,
    }


def postgres_database() -> tuple[str, callable] | None:
    name = f"finops_bench_{os.getpid()}"
    try:
        admin = create_engine(
            POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipping the PostgreSQL run", file=sys.stderr)
        return None

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> int:
    config_dir = ROOT / "config"
    config = load_config(config_dir).config
    rounds: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp, SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, config)
        user = sim.add_user("loadgen", email="loadgen@example.com")
        channel = sim.channel_id("cost-alerts")
        probe = postgres_database()
        if probe is not None:
            probe[1]()
        with_postgres = probe is not None
        for number in range(ROUNDS):
            runs = [("bare bolt (floor)", BareBolt, f"sqlite:///{tmp}/bare-{number}.db", None)]
            runs.append(("finops-bot, SQLite", LocalBot, f"sqlite:///{tmp}/bench-{number}.db", None))
            if with_postgres:
                database = postgres_database()
                if database is None:
                    raise RuntimeError("PostgreSQL went away between rounds")
                runs.append(("finops-bot, PostgreSQL", LocalBot, *database))
            for label, kind, database, drop in runs:
                env = bot_env(sim, database=database, config_dir=config_dir)
                try:
                    with kind(env, workers=WORKERS, threads=THREADS) as server:
                        rounds.setdefault(label, []).append(run_load(sim, server, channel, user))
                finally:
                    if drop:
                        drop()
    floor_label = "bare bolt (floor)"
    results = {label: summarise(runs, rounds[floor_label]) for label, runs in rounds.items()}
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "slack.json").write_text(json.dumps({"rounds": rounds, "medians": results}, indent=2))
    print("## Slack app under load (`bench/bench_slack.py`)\n")
    print(
        f"{EVENTS} signed message events and {COMMANDS} `/finops who-owns` commands from {CLIENTS} concurrent "
        f"clients; gunicorn gthread, {WORKERS} workers × {THREADS} threads; the simulator plays Slack. "
        f"The servers take turns for {ROUNDS} rounds; figures are medians (events/s range in brackets).\n"
    )
    print(
        "| server | events/s | % of floor | reply p50 ms | reply p99 ms | ack p50 ms | ack p99 ms "
        "| CPU ms/event: server | simulator + load | PostgreSQL |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results.items():
        print(
            f"| {label} | {r['events_per_s']:.0f} ({r['events_per_s_min']:.0f}–{r['events_per_s_max']:.0f}) "
            f"| {100 * r['of_floor']:.0f}% | {r['reply_p50_ms']:.1f} | {r['reply_p99_ms']:.1f} "
            f"| {r['ack_p50_ms']:.1f} | {r['ack_p99_ms']:.1f} | {r['server_cpu_ms']:.2f} | {r['client_cpu_ms']:.2f} "
            f"| {r['postgres_cpu_ms']:.2f} |"
        )
    print(
        "\nTargets: finops-bot ≥ 80% of the floor (Slack app issue) and ≥ 70% with storage on each back end "
        "(storage issue); slash-command p99 acknowledgement < 100 ms at 20 clients. "
        "% of floor is the median of each round's ratio to that round's floor."
    )
    return 0


def summarise(runs: list[dict], floor_runs: list[dict]) -> dict:
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    rates = [run["events_per_s"] for run in runs]
    ratios = [run["events_per_s"] / floor["events_per_s"] for run, floor in zip(runs, floor_runs, strict=False)]
    return {
        **medians,
        "events_per_s_min": min(rates),
        "events_per_s_max": max(rates),
        "of_floor": statistics.median(ratios),
    }


if __name__ == "__main__":
    raise SystemExit(main())

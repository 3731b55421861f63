"""Load test of `finops-bot serve` against two floors on the same server settings.

A load generator sends Slack-signed events and slash commands from 20
concurrent clients, with the simulator as Slack, and measures:
- events/s and p50/p99 from request sent to thread reply posted;
- slash-command acknowledgement latency (p50/p99);
- CPU per event: the server's processes (gunicorn master and workers), this
  process (the simulator and the load generator), and the PostgreSQL backends
  serving the benchmark's own database (read from /proc; PostgreSQL's shared
  background processes are left out: other suites on the machine use them too);
- a burst: 200 alerts spread over 20 channels, and 200 in one channel, sent
  at once, with the simulator limiting posts per channel as Slack does (about
  one a second, 429 past it) and the bot pacing at its defaults; the time until
  every reply is posted, and how many 429s Slack answered. For comparison the
  same bursts run against the bot with pacing off (FINOPS_SLACK_CHANNEL_RATE=0).
  Paced, one channel takes about BURST / rate seconds; 20 channels far less.

References, on the same gunicorn settings and the bot's Web API client:
- the durable floor (``bench.durable_bolt``): bare bolt + one INSERT of the
  event id and raw body committed before the ack + one ``chat.postMessage``,
  on each back end; finops-bot's events/s is reported as a ratio to the
  durable floor on the same back end in the same round;
- the bare floor (``bench.bare_bolt``): acks and posts, stores nothing.

The servers take turns round after round (the order rotates each round) and
medians of the rounds are reported: on a shared 2-core machine one run of each
can be 15% off. Knobs: BENCH_PARTS (load,burst: which parts run), BENCH_ROUNDS
(default 5), BENCH_EVENTS (2000), BENCH_COMMANDS (1000), BENCH_BURST (200),
BENCH_BURST_ROUNDS (1: a one-channel burst takes minutes, and its time is set
by the rate, not by the machine), BENCH_WORKERS (2), BENCH_THREADS (8),
BENCH_BACKENDS (sqlite,postgresql), BENCH_BASELINE (a source tree of an earlier
version, e.g. from `git archive`, whose server joins every round as "finops-bot
before"; with BENCH_BASELINE_OWN_CONFIG=1 it runs its own tree's config/, for
a version that cannot read keys the current routing.yaml has). Run a benchmark from a copy of the tree too, not from a tree being
edited: the servers it starts import whatever is on disk when they start.

Run: .venv/bin/python -m bench.bench_slack   (prints a markdown section);
BENCH_PARTS=burst BENCH_BACKENDS=sqlite for the burst alone (about 8 minutes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.machine import describe, machine_facts
from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
COMMANDS = int(os.environ.get("BENCH_COMMANDS", "1000"))
BURST = int(os.environ.get("BENCH_BURST", "200"))
BURST_CHANNELS = 20
BURST_ROUNDS = int(os.environ.get("BENCH_BURST_ROUNDS", "1"))
PARTS = set(os.environ.get("BENCH_PARTS", "load,burst").split(","))
# Slack's limit as the simulator plays it during the bursts: one post a second per channel, and a burst
# one larger than the bot's default (arrival gaps can be a little shorter than send gaps).
SLACK_POSTS_PER_SECOND = 1.0
SLACK_BURST = 4
PACED = "finops-bot, paced (defaults)"
UNPACED = "finops-bot, pacing off"
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
# Another source tree of the bot (e.g. `git archive` of an earlier commit): its server joins every round,
# so a change is measured against what it replaced in the same run.
BASELINE = os.environ.get("BENCH_BASELINE")
POSTGRES_URL = os.environ.get("FINOPS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

MESSAGES = [
    "AWS Cost Anomaly Detection Alert | Account: 123456789012 | Amazon EC2 | Total impact: $4,812.33",
    "found ~340 unattached EBS volumes from old CI runners, ok to delete? roughly $2.1k/mo",
    "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55",
    "RI utilization dropped to 71% after the migration, who looks at coverage?",
    "Our AWS EDP expires in Feb. Who is leading the renewal negotiation? $4.2M/yr commit today.",
]
ALERT = "AWS Cost Anomaly Detection Alert | Account: 123456789012 | Amazon EC2 | Total impact: ${n},812.33"

BARE = "bare bolt (floor)"


def durable_label(backend: str) -> str:
    return f"durable floor, {NAMES[backend]}"


def bot_label(backend: str) -> str:
    return f"finops-bot, {NAMES[backend]}"


def baseline_label(backend: str) -> str:
    return f"finops-bot before, {NAMES[backend]}"


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [descendant for child in children for descendant in process_tree(int(child))]


def cpu_of(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process so far (left out where /proc cannot tell)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return seconds


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_of(pids).values())


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Backends:
    """Which PostgreSQL backends serve a database: their CPU is the benchmark's, not the other suites'."""

    def __init__(self, database: str | None) -> None:
        self.database = database
        self.admin = None
        if database:
            self.admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))

    def pids(self) -> list[int]:
        if self.admin is None:
            return []
        with self.admin.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": self.database}
            )
            return [row[0] for row in rows]

    def snapshot(self) -> dict[int, float]:
        return cpu_of(self.pids())

    def close(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    # A backend that started during the run counts from zero; one that ended is lost (rare: pools keep them).
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


class Floor(LocalBot):
    """A reference app (``module``) under the same gunicorn settings as the bot."""

    module = "bench.bare_bolt"

    def start(self) -> Floor:
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, str(self.port), str(self.workers), str(self.threads)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        return self._wait_ready()


class BareBolt(Floor):
    module = "bench.bare_bolt"


class DurableBolt(Floor):
    module = "bench.durable_bolt"


class BaselineBot(LocalBot):
    """finops-bot from the BENCH_BASELINE tree, its schema upgraded by its own migrations."""

    def start(self) -> BaselineBot:
        assert BASELINE
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": BASELINE}
        database = ["--database-url", self.env["DATABASE_URL"]]
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade", *database],
            env=env,
            cwd=BASELINE,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            + ["--workers", str(self.workers), "--threads", str(self.threads)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=BASELINE,
        )
        return self._wait_ready()


def send_all(sim: SlackSimulator, bot: LocalBot, events: list[dict], sent_at: dict[str, float]) -> None:
    lock = threading.Lock()

    def send(event: dict) -> None:
        with lock:
            sent_at[event["ts"]] = time.monotonic()
        response = sim.send_event(bot.url, event)
        if response.status != 200:
            raise RuntimeError(f"event answered {response.status}")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, events))


def first_replies(sim: SlackSimulator, sent_at: dict[str, float], timeout: float = 300) -> dict[str, float]:
    posted = sim.wait_for(
        lambda c: c.method == "chat.postMessage" and c.ok and c.params.get("thread_ts") in sent_at,
        count=len(sent_at),
        timeout=timeout,
    )
    first_post: dict[str, float] = {}
    for call in posted:
        first_post.setdefault(call.params["thread_ts"], call.at)
    return first_post


def run_load(sim: SlackSimulator, bot: LocalBot, channel: str, user: str, backends: Backends) -> dict:
    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
    sent_at: dict[str, float] = {}
    sim.reset_calls()
    # Workers are forked once the server is up; read the tree now, not at start.
    server_pids = process_tree(bot.process.pid)
    before = (cpu_seconds(server_pids), own_cpu_seconds(), backends.snapshot())
    started = time.monotonic()
    send_all(sim, bot, events, sent_at)
    first_post = first_replies(sim, sent_at)
    finished = max(first_post.values())
    after = (cpu_seconds(server_pids), own_cpu_seconds(), backends.snapshot())
    server_cpu = 1000 * (after[0] - before[0]) / EVENTS
    client_cpu = 1000 * (after[1] - before[1]) / EVENTS
    postgres_cpu = 1000 * cpu_since(before[2], after[2]) / EVENTS
    latencies = [(first_post[ts] - sent_at[ts]) * 1000 for ts in first_post]

    command_latencies: list[float] = []
    lock = threading.Lock()

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


def run_bursts(sim: SlackSimulator, bot: LocalBot, user: str, database: str) -> dict:
    """Both bursts against Slack's per-channel limit; 20 channels first, so one channel starts rested."""
    failed = failed_deliveries(database)
    results = {}
    for name, channels in (("burst_20_channels", burst_channels()), ("burst_one_channel", ["cost-alerts"])):
        seconds, limited, lost = burst(sim, bot, user, channels, failed)
        results |= {f"{name}_s": seconds, f"{name}_429": limited, f"{name}_lost": lost}
        print(f"  {name}: {seconds:.1f} s, {limited} x 429, {lost} replies never posted", file=sys.stderr)
    return results


def failed_deliveries(database: str) -> Callable[[], int]:
    """How many deliveries the bot has given up on (after MAX_ATTEMPTS of 429s, say), read from its database."""
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))

    def count() -> int:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM deliveries WHERE status = 'failed'")).scalar_one()

    return count


def burst_channels() -> list[str]:
    return ["cost-alerts"] + [f"cost-alerts-{n:02d}" for n in range(2, BURST_CHANNELS + 1)]


def burst(
    sim: SlackSimulator, bot: LocalBot, user: str, channels: list[str], failed: Callable[[], int]
) -> tuple[float, int, int]:
    """Seconds from the first of BURST alerts sent at once to the last reply posted, the 429s on the way,
    and how many alerts never got a reply (given up on by the bot, or still unsent at the deadline)."""
    events = [sim.record_message(channels[i % len(channels)], user, ALERT.replace("{n}", str(i))) for i in range(BURST)]
    sent_at: dict[str, float] = {}
    failed_before = failed()
    sim.reset_calls()
    sim.rate_limit_posts(SLACK_POSTS_PER_SECOND, SLACK_BURST)

    def is_reply(call) -> bool:
        return call.method == "chat.postMessage" and call.ok and call.params.get("thread_ts") in sent_at

    try:
        started = time.monotonic()
        send_all(sim, bot, events, sent_at)
        deadline = started + 3 * BURST / SLACK_POSTS_PER_SECOND + 120
        while True:
            replied = {call.params["thread_ts"]: call.at for call in reversed(sim.calls(is_reply))}
            gave_up = failed() - failed_before
            if len(replied) + gave_up >= len(sent_at) or time.monotonic() > deadline:
                break
            try:
                sim.wait_for(is_reply, count=len(sim.calls(is_reply)) + 1, timeout=2)
            except TimeoutError:
                pass  # none in 2 s: look again whether the rest were given up on
    finally:
        sim.rate_limit_posts(None)
    limited = len(sim.calls(lambda c: c.method == "chat.postMessage" and c.status == 429))
    return max(replied.values(), default=started) - started, limited, len(sent_at) - len(replied)


def burst_config(config_dir: Path, target: Path) -> Path:
    """The shipped configuration, watching the burst's 20 channels (the load test uses the first)."""
    target.mkdir()
    for source in config_dir.iterdir():
        if source.is_file():
            shutil.copy(source, target / source.name)
    routing = target / "routing.yaml"
    channels = ", ".join(f"'#{name}'" for name in burst_channels())
    text_ = routing.read_text()
    if "channels: ['#cost-alerts']" not in text_:
        raise RuntimeError("routing.yaml's watch list changed: update bench_slack.burst_config")
    routing.write_text(text_.replace("channels: ['#cost-alerts']", f"channels: [{channels}]"))
    return target


def postgres_database() -> tuple[str, str, callable] | None:
    name = f"finops_bench_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    try:
        admin = create_engine(
            POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipping the PostgreSQL run", file=sys.stderr)
        return None

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", name, drop


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    config_dir = ROOT / "config"
    rounds: dict[str, list[dict]] = {}
    loads = [load_average()]
    with tempfile.TemporaryDirectory() as tmp, SlackSimulator(socket_mode=False) as sim:
        bench_config = burst_config(config_dir, Path(tmp) / "config")
        baseline_config = (
            burst_config(Path(BASELINE) / "config", Path(tmp) / "baseline-config")
            if BASELINE and os.environ.get("BENCH_BASELINE_OWN_CONFIG")
            else None
        )
        config = load_config(bench_config).config
        seed_workspace(sim, config)
        user = sim.add_user("loadgen", email="loadgen@example.com")
        channel = sim.channel_id("cost-alerts")
        backends = [b for b in BACKENDS if b == "sqlite"]
        if "postgresql" in BACKENDS:
            probe = postgres_database()
            if probe is not None:
                probe[2]()
                backends.append("postgresql")
        servers = [(BARE, BareBolt, "sqlite")]
        for backend in backends:
            servers += [(durable_label(backend), DurableBolt, backend), (bot_label(backend), LocalBot, backend)]
            if BASELINE:
                servers.append((baseline_label(backend), BaselineBot, backend))
        for number in range(ROUNDS if "load" in PARTS else 0):
            shift = number % len(servers)
            for index, (label, kind, backend) in enumerate(servers[shift:] + servers[:shift]):
                print(f"round {number + 1}/{ROUNDS}: {label}", file=sys.stderr)
                drop = None
                name = None
                if backend == "postgresql":
                    created = postgres_database()
                    if created is None:
                        raise RuntimeError("PostgreSQL went away between rounds")
                    database, name, drop = created
                else:
                    database = f"sqlite:///{tmp}/{number}-{index}.db"
                own = baseline_config if kind is BaselineBot and baseline_config is not None else bench_config
                env = bot_env(sim, database=database, config_dir=own)
                env.pop("FINOPS_SILENCES_REFRESH_SECONDS")  # the production default: silences read once a second
                watcher = Backends(name)
                try:
                    with kind(env, workers=WORKERS, threads=THREADS) as server:
                        rounds.setdefault(label, []).append(run_load(sim, server, channel, user, watcher))
                finally:
                    watcher.close()
                    if drop:
                        drop()
            loads.append(load_average())
        bursts: dict[str, list[dict]] = {}
        for number in range(BURST_ROUNDS if "burst" in PARTS else 0):
            for backend in backends:
                for label, rate in ((PACED, None), (UNPACED, "0")):
                    print(f"burst {number + 1}/{BURST_ROUNDS}: {label}, {NAMES[backend]}", file=sys.stderr)
                    with bench_database(tmp, backend, f"burst-{number}-{rate}") as database:
                        env = bot_env(sim, database=database, config_dir=bench_config)
                        env.pop("FINOPS_SILENCES_REFRESH_SECONDS")
                        if rate is None:
                            env.pop("FINOPS_SLACK_CHANNEL_RATE")  # the production default
                        else:
                            env["FINOPS_SLACK_CHANNEL_RATE"] = rate
                        with LocalBot(env, workers=WORKERS, threads=THREADS) as server:
                            bursts.setdefault(f"{label}, {NAMES[backend]}", []).append(
                                run_bursts(sim, server, user, database)
                            )
            loads.append(load_average())
    results = {}
    for label, runs in rounds.items():
        backend = "postgresql" if "PostgreSQL" in label else "sqlite"
        durable = None if label == BARE else rounds.get(durable_label(backend))
        results[label] = summarise(runs, rounds[BARE], durable)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    burst_results = {label: summarise_bursts(runs) for label, runs in bursts.items()}
    (out / ("slack.json" if "load" in PARTS else "slack_burst.json")).write_text(
        json.dumps({"rounds": rounds, "medians": results, "bursts": bursts, "load": loads}, indent=2)
    )
    print(markdown(results, burst_results, loads))
    return 0


@contextlib.contextmanager
def bench_database(tmp: str, backend: str, name: str) -> Iterator[str]:
    if backend != "postgresql":
        yield f"sqlite:///{tmp}/{name}.db"
        return
    created = postgres_database()
    if created is None:
        raise RuntimeError("PostgreSQL went away between rounds")
    try:
        yield created[0]
    finally:
        created[2]()


def markdown(results: dict[str, dict], bursts: dict[str, dict], loads: list[str]) -> str:
    lines = [
        "## Slack app under load (`bench/bench_slack.py`)",
        "",
        f"Command: `.venv/bin/python -m bench slack` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"machine: {describe(machine_facts())}.",
        f"Load average (1/5/15 min) before the run and after each round: {'; '.join(loads)} "
        "(other engineers' test suites share the 2 cores).",
        "",
    ]
    if results:
        lines += load_table(results)
    if bursts:
        lines += burst_table(bursts)
    return "\n".join(lines)


def load_table(results: dict[str, dict]) -> list[str]:
    lines = [
        f"{EVENTS} signed message events and {COMMANDS} `/finops who-owns` commands from {CLIENTS} concurrent "
        f"clients; gunicorn gthread, {WORKERS} workers × {THREADS} threads; the simulator plays Slack, "
        "without its per-channel limit, and the bot's pacing is off (`FINOPS_SLACK_CHANNEL_RATE=0`): paced, "
        "one channel would take about one reply a second, which is the burst table's subject. "
        f"The servers take turns for {ROUNDS} rounds (order rotated each round); figures are medians "
        "(events/s range in brackets). *× durable* is the median of each round's ratio to that round's "
        "durable floor on the same back end; *× bare* likewise to the bare floor.",
        "",
        "| server | events/s | × durable | × bare | reply p50 ms | reply p99 ms | ack p50 ms | ack p99 ms "
        "| CPU ms/event: server | simulator + load | PostgreSQL backends |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        durable = f"{r['of_durable']:.2f}×" if r.get("of_durable") is not None else "–"
        lines.append(
            f"| {label} | {r['events_per_s']:.0f} ({r['events_per_s_min']:.0f}–{r['events_per_s_max']:.0f}) "
            f"| {durable} | {r['of_bare']:.2f}× | {r['reply_p50_ms']:.1f} | {r['reply_p99_ms']:.1f} "
            f"| {r['ack_p50_ms']:.1f} | {r['ack_p99_ms']:.1f} | {r['server_cpu_ms']:.2f} | {r['client_cpu_ms']:.2f} "
            f"| {r['postgres_cpu_ms']:.2f} |"
        )
    lines += [
        "",
        "Targets (performance issue): finops-bot ≥ 1.0× the durable floor's events/s on SQLite and ≥ 0.95× on "
        "PostgreSQL, reply p99 < 500 ms at 20 concurrent clients, slash-command ack p99 < 100 ms. "
        "CPU ms/event: the server column is gunicorn's master and workers only; the load generator and the "
        "stand-in Slack are the next column; PostgreSQL's is its backends serving the benchmark's database "
        "(events phase only for all three).",
        "",
    ]
    return lines


def burst_table(bursts: dict[str, dict]) -> list[str]:
    lines = [
        f"Burst: {BURST} alerts sent at once from {CLIENTS} clients, over {BURST_CHANNELS} channels and then in "
        f"one channel; time from the first sent to the last reply posted, the 429s Slack answered on the way, "
        f"and the alerts that never got a reply (the bot gave up after its retries) "
        f"(median of {BURST_ROUNDS} round(s), range in brackets). The simulator limits `chat.postMessage` per "
        f"channel as Slack does ({SLACK_POSTS_PER_SECOND:g} a second, bursts of {SLACK_BURST}); gunicorn "
        f"{WORKERS} workers, which share the bot's per-channel rate. Paced, the one-channel burst is bounded "
        f"by the rate: about {BURST / SLACK_POSTS_PER_SECOND:.0f} s.",
        "",
        f"| server | {BURST} alerts over {BURST_CHANNELS} channels | 429s | no reply "
        f"| {BURST} alerts, one channel | 429s | no reply |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in bursts.items():
        lines.append(
            f"| {label} | {r['burst_20_channels_s']:.1f} s ({r['burst_20_channels_s_min']:.1f}–"
            f"{r['burst_20_channels_s_max']:.1f}) | {r['burst_20_channels_429']:.0f} "
            f"| {r['burst_20_channels_lost']:.0f} "
            f"| {r['burst_one_channel_s']:.1f} s ({r['burst_one_channel_s_min']:.1f}–"
            f"{r['burst_one_channel_s_max']:.1f}) | {r['burst_one_channel_429']:.0f} "
            f"| {r['burst_one_channel_lost']:.0f} |"
        )
    return lines


def summarise_bursts(runs: list[dict]) -> dict:
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    for key in ("burst_one_channel_s", "burst_20_channels_s"):
        medians[f"{key}_min"], medians[f"{key}_max"] = min(r[key] for r in runs), max(r[key] for r in runs)
    return medians


def summarise(runs: list[dict], bare_runs: list[dict], durable_runs: list[dict] | None) -> dict:
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    spread = {}
    for key in ("events_per_s",):
        values = [run[key] for run in runs]
        spread[f"{key}_min"], spread[f"{key}_max"] = min(values), max(values)

    def ratio(reference: list[dict] | None) -> float | None:
        if not reference:
            return None
        return statistics.median(
            run["events_per_s"] / floor["events_per_s"] for run, floor in zip(runs, reference, strict=True)
        )

    return {**medians, **spread, "of_bare": ratio(bare_runs), "of_durable": ratio(durable_runs)}


if __name__ == "__main__":
    raise SystemExit(main())

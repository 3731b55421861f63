"""Where a server's CPU per Slack event goes outside Python: user/sys, context switches, syscalls, idle.

Starts one server at a time (finops-bot, or the durable floor) under the load
benchmark's settings, and reads /proc for gunicorn's master and workers:
- idle: CPU burnt and context switches over ``IDLE`` seconds with nothing sent;
- load: ``EVENTS`` events from 20 clients (as ``bench.bench_slack``), then per
  event the user and system CPU, voluntary and involuntary context switches
  (summed over every thread), and the threads per worker;
- with ``SPLIT_PERFSTAT=1``, a second load run under ``perf stat`` of master and
  workers: syscalls (all, and the main ones by name) and context switches per event;
- with ``SPLIT_STRACE=1``, a load run under ``strace -c -f`` on every worker:
  syscalls per event by name (strace slows the server a lot and inflates futex
  counts: prefer ``SPLIT_PERFSTAT``);
- with ``SPLIT_PERF=<file>``, a load run under ``perf record -g`` (read it with
  ``perf report --sort dso``), and with ``SPLIT_PYSPY=<prefix>``, one under
  ``py-spy record --gil`` per worker (raw collapsed stacks, ``<prefix>.<n>``).

Run: SPLIT_EVENTS=2000 PYTHONPATH=. python -m bench.server_split [bot|durable] [sqlite|postgresql]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_slack import (
    CLIENTS,
    MESSAGES,  # the load test's messages, so the split measures the same work
    DurableBolt,
    burst_config,
    first_replies,
    postgres_database,
    process_tree,
    send_all,
)
from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("SPLIT_EVENTS", "2000"))
IDLE = float(os.environ.get("SPLIT_IDLE", "10"))
TICKS = os.sysconf("SC_CLK_TCK")


def snapshot(pids: list[int]) -> dict:
    """user s, sys s, voluntary and involuntary switches (all threads), threads, per process."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            voluntary = involuntary = 0
            tasks = os.listdir(f"/proc/{pid}/task")
            names: dict[str, int] = {}
            for task in tasks:
                try:
                    status = Path(f"/proc/{pid}/task/{task}/status").read_text()
                    comm = Path(f"/proc/{pid}/task/{task}/comm").read_text().strip()
                except OSError:
                    continue
                names[comm] = names.get(comm, 0) + 1
                for line in status.splitlines():
                    if line.startswith("voluntary_ctxt_switches"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches"):
                        involuntary += int(line.split()[1])
        except OSError:
            continue
        out[pid] = {
            "user": int(fields[11]) / TICKS,
            "sys": int(fields[12]) / TICKS,
            "vol": voluntary,
            "invol": involuntary,
            "threads": len(tasks),
            "names": names,
        }
    return out


def difference(before: dict, after: dict) -> dict:
    total = {"user": 0.0, "sys": 0.0, "vol": 0, "invol": 0}
    for pid, now in after.items():
        then = before.get(pid, {"user": 0.0, "sys": 0.0, "vol": 0, "invol": 0})
        for key in total:
            total[key] += now[key] - then[key]
    return total


def strace_load(sim, server, events: list[dict], workers: list[int], out: Path) -> None:
    tracers = [
        subprocess.Popen(["strace", "-c", "-f", "-o", str(out) + f".{pid}", "-p", str(pid)], stderr=subprocess.DEVNULL)
        for pid in workers
    ]
    time.sleep(1.0)
    sent_at: dict[str, float] = {}
    send_all(sim, server, events, sent_at)
    first_replies(sim, sent_at)
    time.sleep(0.5)
    for tracer in tracers:
        tracer.terminate()
        tracer.wait()


def parse_strace(paths: list[Path]) -> dict[str, int]:
    calls: dict[str, int] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                try:
                    count = int(parts[3])
                except ValueError:
                    continue
                calls[parts[-1]] = calls.get(parts[-1], 0) + count
    return calls


def main(argv: list[str]) -> int:
    which = argv[1] if len(argv) > 1 else "bot"
    backend = argv[2] if len(argv) > 2 else "sqlite"
    with tempfile.TemporaryDirectory() as tmp, SlackSimulator(socket_mode=False) as sim:
        config_dir = burst_config(ROOT / "config", Path(tmp) / "config")
        seed_workspace(sim, load_config(config_dir).config)
        user = sim.add_user("loadgen", email="loadgen@example.com")
        channel = sim.channel_id("cost-alerts")
        drop = None
        if backend == "postgresql":
            created = postgres_database()
            assert created is not None
            database, _, drop = created
        else:
            database = f"sqlite:///{tmp}/split.db"
        env = bot_env(sim, database=database, config_dir=config_dir)
        env.pop("FINOPS_SILENCES_REFRESH_SECONDS")
        kind = LocalBot if which == "bot" else DurableBolt
        try:
            with kind(env, workers=2, threads=8) as server:
                assert server.process is not None
                time.sleep(2.0)  # start-up settles
                pids = process_tree(server.process.pid)
                workers = pids[1:]
                before = snapshot(pids)
                time.sleep(IDLE)
                idle = difference(before, snapshot(pids))
                print(
                    f"{which} {backend} idle {IDLE:.0f}s: CPU {1000 * (idle['user'] + idle['sys']) / IDLE:.1f} ms/s "
                    f"(user {idle['user']:.2f} s, sys {idle['sys']:.2f} s), "
                    f"switches {idle['vol'] / IDLE:.0f}/s voluntary, {idle['invol'] / IDLE:.0f}/s involuntary"
                )
                for pid, info in snapshot(pids).items():
                    print(f"  pid {pid}: {info['threads']} threads {info['names']}")
                events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
                before = snapshot(pids)
                started = time.monotonic()
                sent_at: dict[str, float] = {}
                send_all(sim, server, events, sent_at)
                first_replies(sim, sent_at)
                elapsed = time.monotonic() - started
                load = difference(before, snapshot(pids))
                per = 1000 / EVENTS
                print(
                    f"{which} {backend} load {EVENTS} events, {CLIENTS} clients: {EVENTS / elapsed:.0f} events/s; "
                    f"per event: user {load['user'] * per:.2f} ms, sys {load['sys'] * per:.2f} ms, "
                    f"voluntary switches {load['vol'] / EVENTS:.1f}, involuntary {load['invol'] / EVENTS:.1f}"
                )
                if os.environ.get("SPLIT_PERFSTAT"):
                    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
                    counted = ["raw_syscalls:sys_enter", "context-switches"] + [
                        f"syscalls:sys_enter_{name}"
                        for name in (
                            "futex",
                            "pwrite64",
                            "pread64",
                            "ioctl",
                            "getpid",
                            "poll",
                            "fcntl",
                            "flock",
                            "sendto",
                            "recvfrom",
                            "epoll_wait",
                            "epoll_ctl",
                            "fdatasync",
                            "fsync",
                        )
                    ]
                    perf = subprocess.Popen(
                        ["perf", "stat", "-x", ",", "-o", f"{tmp}/perfstat", "-e", ",".join(counted)]
                        + ["-p", ",".join(map(str, pids))],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(0.5)
                    sent_at = {}
                    send_all(sim, server, events, sent_at)
                    first_replies(sim, sent_at)
                    perf.send_signal(2)
                    perf.wait()
                    counts = []
                    for line in Path(f"{tmp}/perfstat").read_text().splitlines():
                        parts = line.split(",")
                        if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                            counts.append(
                                f"{parts[2].split(':')[-1].replace('sys_enter_', '')} {float(parts[0]) / EVENTS:.1f}"
                            )
                    print(f"{which} {backend} per event (perf stat, master+workers): " + ", ".join(counts))
                if os.environ.get("SPLIT_PERF"):
                    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
                    perf = subprocess.Popen(
                        [
                            "perf",
                            "record",
                            "-F",
                            "999",
                            "-g",
                            "-o",
                            os.environ["SPLIT_PERF"],
                            "-p",
                            ",".join(map(str, pids)),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(1.0)
                    sent_at = {}
                    send_all(sim, server, events, sent_at)
                    first_replies(sim, sent_at)
                    perf.send_signal(2)
                    perf.wait()
                if os.environ.get("SPLIT_PYSPY"):
                    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
                    spies = [
                        subprocess.Popen(
                            [
                                "py-spy",
                                "record",
                                "-r",
                                os.environ.get("SPLIT_PYSPY_RATE", "250"),
                                "-f",
                                "raw",
                                "-o",
                                os.environ["SPLIT_PYSPY"] + f".{n}",
                            ]
                            + ["-p", str(pid), "--nonblocking", "--gil"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                        for n, pid in enumerate(workers)
                    ]
                    time.sleep(1.0)
                    sent_at = {}
                    send_all(sim, server, events, sent_at)
                    first_replies(sim, sent_at)
                    for spy in spies:
                        spy.send_signal(2)
                        spy.wait()
                if os.environ.get("SPLIT_STRACE"):
                    events = [sim.record_message(channel, user, MESSAGES[i % len(MESSAGES)]) for i in range(EVENTS)]
                    out = Path(tmp) / "strace"
                    strace_load(sim, server, events, workers, out)
                    calls = parse_strace([Path(str(out) + f".{pid}") for pid in workers])
                    total = sum(calls.values())
                    top = sorted(calls.items(), key=lambda item: -item[1])[:14]
                    print(
                        f"{which} {backend} syscalls per event (workers): {total / EVENTS:.1f}; "
                        + ", ".join(f"{name} {count / EVENTS:.1f}" for name, count in top)
                    )
        finally:
            if drop:
                drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

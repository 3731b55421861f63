"""Router benchmark: `route --jsonl` throughput against a substring scan and the tree before, scaling, memory.

    .venv/bin/python -m bench.bench_router [--messages 20000] [--unique 10000] [--rounds 5]
        [--baseline TREE] [--memory-messages 100000]

1. Throughput, in worker processes that take turns round by round (order
   rotated, median of the rounds): `route --jsonl`'s code path and a plain
   substring scan over the same number of keywords (lower-cased text,
   `keyword in text` per keyword), both parsing JSON in and writing JSON out,
   on two workloads, both from ``bench/router_workload.py``: the realistic mix
   (people's messages, alert payloads in text / attachments / blocks / JSON
   code blocks; lines may repeat) and unique messages (every line different,
   long JSON payloads included, so no input-keyed cache helps). With ``--baseline``
   (or BENCH_BASELINE) the router of that source tree (a `git worktree` of the
   commit before) runs in the same rounds; each is also run with 50 teams in
   owners.yaml. Ratios are medians of each round's ratio; CPU is the worker's
   own CPU time per message.
2. Scaling: time per message with 100x the shipped terms (synthetic extra
   topics) against the shipped config, in this process. Target <= 1.5x.
3. Memory: `finops-bot route --jsonl` as a subprocess over 100,000 unique
   messages; peak RSS from getrusage(RUSAGE_CHILDREN) in a small launcher
   process. Target < 200 MB.

Prints a markdown section and writes bench/out/router.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.machine import describe, machine_facts  # noqa: E402
from bench.router_workload import fifty_teams, mixed_messages, unique_messages  # noqa: E402
from bot.cli.routing import route_jsonl  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.config.models import BotConfig, Owners, Topic  # noqa: E402
from bot.routing.matcher import split_boost  # noqa: E402
from bot.routing.router import Router  # noqa: E402


def shipped_keywords(config: BotConfig) -> list[str]:
    return sorted({split_boost(term)[0].lower() for topic in config.routing.topics for term in topic.terms})


def inflated_config(config: BotConfig, factor: int, seed: int = 11) -> BotConfig:
    """The shipped config plus synthetic topics holding (factor - 1) x its terms."""
    rng = random.Random(seed)
    shipped = sum(len(t.terms) for t in config.routing.topics)
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiou"

    def word() -> str:
        # Three to five syllables: pronounceable like real vocabulary, yet rarely
        # an existing word, so the extra terms grow the index, not the hit count.
        return "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(3, 5)))

    extra_terms = [" ".join(word() for _ in range(rng.choice((1, 1, 2, 3)))) for _ in range(shipped * (factor - 1))]
    per_topic = 50
    extra = tuple(
        Topic(
            id=f"synthetic-{i}",
            name=f"Synthetic {i}",
            terms=tuple(extra_terms[j : j + per_topic]),
            owners=Owners(responsible=("engineering",)),
        )
        for i, j in enumerate(range(0, len(extra_terms), per_topic))
    )
    # A copy with more topics, not a dump and re-validation: values that parse
    # from YAML strings (finance dates) do not survive model_dump as input.
    routing = config.routing.model_copy(update={"topics": (*config.routing.topics, *extra)})
    return BotConfig(personas=config.personas, routing=routing, source_dir=config.source_dir)


# Runs the CLI from a tiny launcher process: a child forked from this (large)
# benchmark process would report the pages it inherited as its own RSS.
_LAUNCHER = """
import resource, subprocess, sys, time
cli = [sys.executable, "-m", "bot.cli", "route", "--jsonl", "--config-dir", sys.argv[2]]
start = time.perf_counter()
with open(sys.argv[1], "rb") as stdin:
    subprocess.run(cli, stdin=stdin, stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - start)
"""


def peak_rss_of_cli(lines: list[str], config_dir: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time of `finops-bot route --jsonl` over ``lines``."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        path = handle.name
    try:
        result = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, path, str(config_dir)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
    finally:
        os.unlink(path)
    max_rss_kib, elapsed = result.stdout.split()
    # Linux reports ru_maxrss in KiB.
    return int(max_rss_kib) / 1024, float(elapsed)


# A contender in its own process, so two source trees of `bot` can take turns:
# it loads its tree's router (or runs the scan), warms it as a long-running
# stream would, then routes a whole workload per "run <n>" line and answers
# "<wall seconds> <CPU seconds>".
_WORKER = """
import io, json, sys, time
mode, config_dir, keywords_path, *paths = sys.argv[1:]
try:
    from bot.cli.routing import route_jsonl
except ImportError:  # a tree from before the cli package (issue 10's start, 9d534fc)
    from bot.cli_routing import route_jsonl
from bot.config.loader import load_config
from bot.routing.router import Router
from bot.routing.slack_text import message_text
workloads = [[line.encode() for line in open(p, encoding="utf-8").read().splitlines()] for p in paths]
if mode == "scan":
    keywords = json.loads(open(keywords_path, encoding="utf-8").read())
    def run(lines):
        out = io.StringIO()
        for line in lines:
            message = json.loads(line)
            text = message_text(message).lower() if isinstance(message, dict) else ""
            found = [kw for kw in keywords if kw in text]
            out.write(json.dumps({"keywords": found[:5], "tagged": bool(found)}) + "\\n")
else:
    router = Router(load_config(config_dir).config)
    def run(lines):
        route_jsonl(router, lines, io.StringIO())
for lines in workloads:
    run(lines[:2000])
print("ready", flush=True)
for command in sys.stdin:
    if not command.startswith("run"):
        break
    lines = workloads[int(command.split()[1])]
    wall, cpu = time.perf_counter(), time.process_time()
    run(lines)
    print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
"""


class Worker:
    def __init__(self, tree: Path, mode: str, config_dir: Path, keywords: Path, workloads: list[Path]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, mode, str(config_dir), str(keywords), *map(str, workloads)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"

    def run(self, workload: int) -> tuple[float, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"run {workload}\n")
        self.process.stdin.flush()
        wall, cpu = self.process.stdout.readline().split()
        return float(wall), float(cpu)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=int(os.environ.get("BENCH_ROUTER_MESSAGES", 20_000)))
    parser.add_argument("--unique", type=int, default=int(os.environ.get("BENCH_ROUTER_UNIQUE", 10_000)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 5)))
    parser.add_argument("--memory-messages", type=int, default=100_000)
    parser.add_argument("--config-dir", default=str(REPO / "config"))
    parser.add_argument("--baseline", default=os.environ.get("BENCH_BASELINE"), help="source tree of the router before")
    parser.add_argument(
        "--baseline-own-config",
        action="store_true",
        default=bool(os.environ.get("BENCH_BASELINE_OWN_CONFIG")),
        help="the tree before routes with its own config/ (when it cannot read this tree's newer keys)",
    )
    args = parser.parse_args()
    config_dir = Path(args.config_dir)
    owners, accounts = fifty_teams()

    # Memory first, while this process is still small: a forked child's peak
    # RSS would otherwise include pages inherited from the benchmark itself.
    memory_lines = unique_messages(args.memory_messages, seed=3, accounts=accounts)
    rss_mb, cli_s = peak_rss_of_cli(memory_lines, config_dir)
    del memory_lines

    config = load_config(config_dir).config
    keywords = shipped_keywords(config)
    scratch = Path(tempfile.mkdtemp(prefix="bench-router-"))
    try:
        teams_dir = scratch / "config-50-teams"
        shutil.copytree(config_dir, teams_dir)
        (teams_dir / "owners.yaml").write_text(yaml.safe_dump(owners, sort_keys=False), encoding="utf-8")
        keywords_path = scratch / "keywords.json"
        keywords_path.write_text(json.dumps(keywords), encoding="utf-8")
        mixed = mixed_messages(args.messages)
        unique = unique_messages(args.unique, seed=5, accounts=accounts)
        assert len(set(unique)) == len(unique)
        paths = [scratch / "mixed.jsonl", scratch / "unique.jsonl"]
        for path, lines in zip(paths, (mixed, unique), strict=True):
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        sizes = {0: len(mixed), 1: len(unique)}
        trees = {"this": REPO, **({"before": Path(args.baseline).resolve()} if args.baseline else {})}
        workers: dict[str, Worker] = {"scan": Worker(REPO, "scan", config_dir, keywords_path, paths)}
        for name, tree in trees.items():
            tree_config, tree_teams = config_dir, teams_dir
            if name == "before" and args.baseline_own_config:
                tree_config, tree_teams = tree / "config", scratch / "config-50-teams-before"
                shutil.copytree(tree_config, tree_teams)
                (tree_teams / "owners.yaml").write_text(yaml.safe_dump(owners, sort_keys=False), encoding="utf-8")
            workers[name] = Worker(tree, "router", tree_config, keywords_path, paths)
            workers[f"{name}, 50 teams"] = Worker(tree, "router", tree_teams, keywords_path, paths[1:])
        # (worker, workload index in that worker, workload id)
        runs = [(w, 0, 0) for w in ("scan", *trees)] + [(w, 1, 1) for w in ("scan", *trees)]
        runs += [(f"{name}, 50 teams", 0, 1) for name in trees]
        timings: dict[tuple[str, int], list[tuple[float, float]]] = {(w, k): [] for w, _, k in runs}
        for round_number in range(args.rounds):
            shift = round_number % len(runs)
            for worker, index, workload in runs[shift:] + runs[:shift]:
                timings[(worker, workload)].append(workers[worker].run(index))
        for worker in workers.values():
            worker.close()

        def rate(worker: str, workload: int) -> float:
            return sizes[workload] / _median([wall for wall, _ in timings[(worker, workload)]])

        def cpu_us(worker: str, workload: int) -> float:
            return 1e6 * _median([cpu for _, cpu in timings[(worker, workload)]]) / sizes[workload]

        def ratio(worker: str, other: str, workload: int) -> float:
            """Median over rounds of other's time / worker's time (> 1: worker is faster)."""
            pairs = zip(timings[(worker, workload)], timings[(other, workload)], strict=True)
            return _median([theirs[0] / ours[0] for ours, theirs in pairs])

        # Scaling with 100x the terms, in this process (this tree only).
        router = Router(config)
        big = inflated_config(config, 100)
        big_terms = sum(len(t.terms) for t in big.routing.topics)
        build_start = time.perf_counter()
        big_router = Router(big)
        big_build_s = time.perf_counter() - build_start
        encoded = [line.encode("utf-8") for line in mixed]
        route_jsonl(router, encoded[:2000], io.StringIO())
        route_jsonl(big_router, encoded[:2000], io.StringIO())
        scaling: dict[str, list[float]] = {"router": [], "big": []}
        for _ in range(args.rounds):
            for name, contender in (("router", router), ("big", big_router)):
                start = time.perf_counter()
                route_jsonl(contender, encoded, io.StringIO())
                scaling[name].append(time.perf_counter() - start)
        big_ratio = _median([b / r for r, b in zip(scaling["router"], scaling["big"], strict=True)])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    shipped_terms = sum(len(t.terms) for t in config.routing.topics)
    rows = []
    for label, workload in (("mix", 0), ("unique", 1)):
        for worker in ("scan", *trees, *(f"{name}, 50 teams" for name in trees if workload == 1)):
            rows.append(
                {
                    "workload": label,
                    "contender": worker,
                    "msgs_per_s": round(rate(worker, workload)),
                    "cpu_us_per_msg": round(cpu_us(worker, workload), 1),
                    "vs_scan": None if worker == "scan" else round(ratio(worker, "scan", workload), 2),
                    "vs_before": (
                        round(ratio(worker, worker.replace("this", "before"), workload), 2)
                        if worker.startswith("this") and "before" in trees
                        else None
                    ),
                }
            )
    result = {
        "machine": machine_facts(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "rounds": args.rounds,
        "mixed_messages": len(mixed),
        "mixed_mean_chars": round(sum(map(len, mixed)) / len(mixed)),
        "unique_messages": len(unique),
        "unique_mean_chars": round(sum(map(len, unique)) / len(unique)),
        "substring_keywords": len(keywords),
        "baseline": str(trees.get("before")) if "before" in trees else None,
        "throughput": rows,
        "shipped_terms": shipped_terms,
        "inflated_terms": big_terms,
        "inflated_build_s": round(big_build_s, 2),
        "inflated_time_ratio": round(big_ratio, 3),
        "cli_messages": args.memory_messages,
        "cli_peak_rss_mb": round(rss_mb, 1),
        "cli_msgs_per_s": round(args.memory_messages / cli_s),
    }
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "router.json").write_text(json.dumps(result, indent=2) + "\n")

    print("## Router (`route --jsonl`)\n")
    print(f"Machine: {describe(result['machine'])}; load average after the run {result['load_average']}.")
    print(
        f"Workloads: *mix*, {len(mixed):,} generated Slack messages (60% short human text and chatter, 40% alert "
        f"payloads in text, attachments, blocks and JSON code blocks; mean {result['mixed_mean_chars']} chars; "
        f"lines may repeat); *unique*, {len(unique):,} messages all different (half people's, half alerts with "
        f"random ids, half of those long JSON payloads; mean {result['unique_mean_chars']} chars). JSON in and "
        f"out; each contender in its own process, {args.rounds} interleaved rounds, medians; *× scan* and "
        "*× before* are medians of each round's time ratio (> 1: faster); CPU is the worker's own per message.\n"
    )
    print("| workload | contender | msgs/s | CPU µs/msg | × scan | × before |")
    print("|---|---|---:|---:|---:|---:|")
    for row in rows:
        name = {"scan": f"substring scan, {len(keywords)} keywords"}.get(row["contender"], row["contender"])
        name = name.replace("this", "router (this tree)").replace("before", "router before")
        vs_scan = f"{row['vs_scan']}×" if row["vs_scan"] is not None else "baseline"
        vs_before = f"{row['vs_before']}×" if row["vs_before"] is not None else "–"
        print(
            f"| {row['workload']} | {name} | {row['msgs_per_s']:,} | {row['cpu_us_per_msg']} | {vs_scan} | {vs_before} |"
        )
    print()
    print("| Measure | Result | Target |")
    print("|---|---|---|")
    print(
        f"| 100× terms ({big_terms:,} vs {shipped_terms}), mix | {result['inflated_time_ratio']}× time per message "
        f"(index built in {result['inflated_build_s']} s) | ≤ 1.5× |"
    )
    print(
        f"| `finops-bot route --jsonl` subprocess, {args.memory_messages:,} unique msgs | peak RSS "
        f"{result['cli_peak_rss_mb']} MB, {result['cli_msgs_per_s']:,} msgs/s incl. start-up | < 200 MB |"
    )
    print("\nResults written to bench/out/router.json.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run every benchmark and rewrite BENCHMARKS.md: `.venv/bin/python -m bench`.

`.venv/bin/python -m bench slack` runs only the matching benchmarks and prints them.

Each benchmark is its own script printing a markdown section; they run one
after another (never in parallel: they measure the same two cores).

A full run takes about 40 minutes on 2 cores. Knobs for a shorter one:
BENCH_ROUNDS (5), BENCH_EVENTS (2000), BENCH_COMMANDS (1000), BENCH_BURST (200)
for the Slack load test; BENCH_STORAGE_ROWS (1,000,000 requests for the
queries) and BENCH_STORAGE_EVENTS (1,000,000 routed events for storage per
event), 0 to skip either; BENCH_ROUTER_MESSAGES (20000) and BENCH_ROUTER_UNIQUE
(10000) for the router. BENCH_BASELINE (a source tree of an earlier commit, e.g.
a `git worktree`) adds that tree's bot to the Slack and router benchmarks.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from bench.machine import describe, machine_facts

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = (
    "bench.bench_router",
    "bench.bench_slack",
    "bench.bench_storage",
    "bench.bench_digest_render",
    "bench.bench_routing_accuracy",
    "bench.bench_receivers",
    "bench.bench_crash",
)


def main(argv: list[str]) -> int:
    selected = [name for name in BENCHMARKS if not argv or any(a in name for a in argv)]
    sections = []
    failed = False
    for module in selected:
        print(f"running {module} …", file=sys.stderr)
        result = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            failed = True
            sections.append(f"## {module}\n\nFailed (exit {result.returncode}):\n\n```\n{result.stderr[-3000:]}\n```\n")
        else:
            sections.append(result.stdout.strip() + "\n")
    header = (
        "# Benchmarks\n\n"
        f"Run with `.venv/bin/python -m bench` on {dt.date.today().isoformat()}.\n\n"
        f"Machine: {describe(machine_facts())}.\n\n"
        "Figures are from one run on this machine; performance is measured here, never asserted in tests.\n"
    )
    report = header + "\n" + "\n".join(sections)
    if argv:
        print(report)  # a partial run must not replace the full record
    else:
        (ROOT / "BENCHMARKS.md").write_text(report)
        print(report)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

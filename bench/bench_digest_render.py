"""Digest rendering and scheduler ticks, in memory (no database, no Slack).

- rendering the digest of a huge week (100 personas with 50 listed requests
  each, 500 fallback messages, 2,000 reassignments);
- one tick of the ticker over 200 schedules (daily duties plus a sweep) in
  steady state, and the first tick after a restart (a week looked back).

Run: .venv/bin/python -m bench.bench_digest_render   (prints a markdown section)
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time

from bot.domain.digest import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.render.digest import render_digest
from bot.scheduling.schedules import Schedule
from bot.scheduling.ticker import Ticker

UTC = dt.UTC
WEEK_START = dt.datetime(2026, 11, 16, tzinfo=UTC)


def huge_week() -> DigestData:
    def ref(n: int) -> RequestRef:
        return RequestRef(
            n, "C0ALERTS", f"1763{n:06d}.000100", WEEK_START, "anomaly", 100.0 * n, "EC2 spend " * 30, "open"
        )

    personas = tuple(
        PersonaWeek(
            f"persona-{i}",
            1000 - i,
            900,
            800,
            50,
            950,
            7200.0,
            tuple((f"topic-{k}", 40 - k) for k in range(40)),
            tuple(ref(j) for j in range(50)),
            tuple(ref(j) for j in range(50)),
        )
        for i in range(100)
    )
    reassignments = tuple(
        Reassignment(i, f"topic-{i % 30}", f"persona-{i % 7}", f"persona-{i % 11}", "U1", WEEK_START)
        for i in range(2000)
    )
    return DigestData(
        WEEK_START,
        WEEK_START + dt.timedelta(days=7),
        90_000,
        80_000,
        (9000, 15000, 18000, 14000, 12000, 1000, 500),
        personas,
        tuple(ref(i) for i in range(500)),
        reassignments,
    )


class MemoryClaims:
    def __init__(self) -> None:
        self.rows: dict = {}

    def claim_occurrence(self, schedule_id, fire_time, claimed_by, now) -> bool:
        return self.rows.setdefault((schedule_id, fire_time), claimed_by) == claimed_by

    def mark_occurrence(self, schedule_id, fire_time, status, note=None) -> None:
        pass


def timed(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> int:
    logging.disable(logging.WARNING)  # a week of skipped occurrences is logged, not measured
    data = huge_week()
    render_ms = timed(lambda: render_digest(data, {}, {}, "2026-W47"), 20)

    schedules = [
        Schedule(
            id=f"duty:p{i}:d", kind="duty", timezone="Europe/Berlin", cron=f"{i % 60} 9 * * MON-FRI", text=f"duty {i}"
        )
        for i in range(199)
    ] + [Schedule(id="nudge:sweep", kind="nudge-sweep", timezone="UTC", cron="*/15 * * * *", catch_up=False)]
    composers = {"duty": lambda o, now: [{"channel": "#c", "text": "t"}], "nudge-sweep": lambda o, now: []}
    now = dt.datetime(2026, 11, 18, 8, 30, tzinfo=UTC)

    def fresh_tick() -> None:
        Ticker(lambda: schedules, MemoryClaims(), lambda m: None, composers, clock=lambda: now, worker_id="b").tick()

    first_ms = timed(fresh_tick, 5)
    steady = Ticker(lambda: schedules, MemoryClaims(), lambda m: None, composers, clock=lambda: now, worker_id="b")
    steady.tick()
    steady_ms = timed(lambda: steady.tick(now), 20)

    print("## Digest rendering and scheduler ticks (`bench/bench_digest_render.py`)\n")
    print("| what | median ms |")
    print("|---|---:|")
    print(f"| render a huge week's digest (100 personas, 2,000 reassignments) | {render_ms:.1f} |")
    print(f"| first tick after a restart, 200 schedules, a week looked back | {first_ms:.1f} |")
    print(f"| steady tick, 200 schedules, 60-minute grace window | {steady_ms:.1f} |")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

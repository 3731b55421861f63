"""Instructions per routed message, for valgrind's callgrind (repeatable whatever the machine's load).

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/router_instructions.py CONFIG_DIR N

builds 2,500 unique messages (``bench/router_workload.py``, seed 9) and the
router, routes the first 1,000 to warm it, then the next N (at most 1,500); run
it with N=1500 and N=0 and divide the difference of the "Collected" totals by
1,500, so start-up and building the messages cancel out. Run from another tree (with
PYTHONPATH set to it) to count that tree's router on the same messages.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.router_workload import fifty_teams, unique_messages  # noqa: E402
from bot.cli.routing import route_jsonl  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.routing.router import Router  # noqa: E402


def main(config_dir: str, count: int) -> None:
    _, accounts = fifty_teams()
    lines = [line.encode() for line in unique_messages(2500, seed=9, accounts=accounts)]
    router = Router(load_config(config_dir).config)
    route_jsonl(router, lines[:1000], io.StringIO())
    route_jsonl(router, lines[1000 : 1000 + count], io.StringIO())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

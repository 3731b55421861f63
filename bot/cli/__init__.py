"""The `finops-bot` command line.

Each area of the bot contributes its own subcommands through an
``add_parsers(subparsers)`` function, so this module only assembles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import config, processes, routing, schedule, silences, storage

# The order is the order of `finops-bot --help`.
AREAS = (routing, config, processes, storage, schedule, silences)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finops-bot",
        description="Route FinOps (cloud cost) requests in Slack to the personas who own them.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for area in AREAS:
        area.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `finops-bot route --jsonl | head` closes stdout early; that is not an error.
        sys.stderr.close()
        return 0

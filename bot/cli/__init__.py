"""The `finops-bot` command line.

Each area of the bot contributes its own subcommands through an
``add_parsers(subparsers)`` function, so this module only assembles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import config, deliveries, processes, routing, schedule, silences, starter, storage, test_routes

# The order is the order of `finops-bot --help`.
AREAS = (routing, test_routes, config, starter, processes, storage, deliveries, silences, schedule)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finops-bot",
        description="Route FinOps (cloud cost) requests in Slack to the personas who own them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for area in AREAS:
        area.add_parsers(subparsers)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("finops-bot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli.common import EXIT_FAILURE, CommandError, database_problem
    from bot.config.locate import ConfigDirError
    from bot.settings import SettingsError
    from bot.storage.db import DatabaseUrlError

    try:
        return int(args.func(args) or 0)
    except CommandError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return error.code
    except (ConfigDirError, SettingsError, DatabaseUrlError) as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except SQLAlchemyError as error:
        # The last net for a database error a command did not word itself (`digest --dry-run` with the
        # server down was a traceback): one line, never the password.
        print(f"finops-bot: {database_problem(error, args)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader closed our stdout early (`route --jsonl | head`). Not worth a traceback, but not a
        # success either: a verdict cut short (`check-config | head`) must not pass a `pipefail` script.
        # 141 is what a shell reports for a command that SIGPIPE ended, as `yes | head` is.
        sys.stderr.close()  # the interpreter's own flush of stdout at exit would complain there
        return EXIT_BROKEN_PIPE

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
    from bot.cli.common import EXIT_FAILURE, CommandError
    from bot.config.locate import ConfigDirError
    from bot.settings import SettingsError

    try:
        return int(args.func(args) or 0)
    except CommandError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return error.code
    except (ConfigDirError, SettingsError) as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader closed our stdout early (`route --jsonl | head`). Not worth a traceback, but not a
        # success either: a verdict cut short (`check-config | head`) must not pass a `pipefail` script.
        # 141 is what a shell reports for a command that SIGPIPE ended, as `yes | head` is.
        sys.stderr.close()  # the interpreter's own flush of stdout at exit would complain there
        return EXIT_BROKEN_PIPE
    except Exception as error:
        problem = _database_problem(error, args)
        if problem is None:
            raise
        print(f"finops-bot: {problem}", file=sys.stderr)
        return EXIT_FAILURE


def _database_problem(error: Exception, args: argparse.Namespace) -> str | None:
    """One line for a database error a command did not word itself (`digest --dry-run` with the server
    down was a traceback), never the password; None for any other error.

    Only a command that loaded the database layer can raise one, so its classes are looked up among the
    loaded modules: importing SQLAlchemy and Alembic to ask would cost every command, `route` and
    `who-owns` too, a third of a second.
    """
    from bot.cli.common import database_problem

    urls = sys.modules.get("bot.storage.db")
    if urls is not None and isinstance(error, urls.DatabaseUrlError):
        return str(error)
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is not None and isinstance(error, sqlalchemy_errors.SQLAlchemyError):
        return database_problem(error, args)
    return None

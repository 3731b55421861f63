"""What several command groups share: where the config and the database are.

Commands take ``--config-dir`` / ``--database-url`` first; otherwise the value
comes from ``Settings``, the only reader of the environment.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Exit codes, the same for the same condition in every command.
# 1: the command could not do its job: an invalid config or setting, no config
# dir, a database unreachable or outdated, Slack unreachable, a failed check.
EXIT_FAILURE = 1
# 2: the command line itself is wrong (argparse's own code): an unknown option, missing input.
EXIT_USAGE = 2


class CommandError(Exception):
    """A command cannot go on; ``main`` prints the one-line message and exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE):
        super().__init__(message)
        self.code = code


def config_dir(args: argparse.Namespace, settings: Settings | None = None) -> Path:
    """``--config-dir``, else ``$FINOPS_CONFIG_DIR``, else ./config, else the example shipped with the bot.

    Raises ``ConfigDirError`` (one line: where it looked, what to do) when a named directory is missing.
    """
    return located_config_dir(args, settings)[0]


def located_config_dir(args: argparse.Namespace, settings: Settings | None = None) -> tuple[Path, bool]:
    """``config_dir`` and whether it is the example shipped with the bot (no config of the operator's found)."""
    from bot.config.locate import locate_config_dir

    settings = settings or Settings.from_env()
    return locate_config_dir(
        getattr(args, "config_dir", None), settings.config_dir if settings.config_dir_explicit else None
    )


def database_url(args: argparse.Namespace) -> str:
    from bot.storage.db import database_url as sqlalchemy_url

    return sqlalchemy_url(given_database_url(args))


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", metavar="URL", help="database URL (default: $DATABASE_URL, else sqlite ./finops-bot.db)"
    )


def open_database(args: argparse.Namespace, *, create: bool = False, require_current: bool = True) -> Engine:
    """The engine of the database a command works on (``--database-url``, else ``$DATABASE_URL``).

    Only ``create`` (``db upgrade``) may make a SQLite file: reading never creates an empty one, and SQLite
    makes the file but not its directory. ``require_current``: the schema must be this version's (``db
    status`` and ``db upgrade`` read it themselves). Database errors go up to ``main``, which words them.
    """
    from bot.storage.db import make_engine, schema_status, sqlite_file_missing

    url = database_url(args)
    missing = sqlite_file_missing(url)
    if missing is not None and not missing.parent.is_dir():
        # SQLite creates the file, not its directory, and says only "unable to open database file"; said
        # first, or `db status` advised a `db upgrade` that would then fail for want of the directory.
        then = "" if create else ", then run `finops-bot db upgrade` to create the database"
        raise CommandError(f"no directory {missing.parent} for the SQLite file {missing.name}: create it first{then}")
    if missing is not None and not create:
        raise CommandError(f"no database at {missing}: run `finops-bot db upgrade` to create it, or set DATABASE_URL")
    engine = make_engine(url)
    if require_current:
        try:
            status = schema_status(engine)
        except BaseException:
            engine.dispose()
            raise
        if not status.is_current:
            engine.dispose()
            raise CommandError(status.message())
    return engine


def given_database_url(args: argparse.Namespace) -> str | None:
    """``--database-url``, else ``$DATABASE_URL``, as written (None: the SQLite default)."""
    return getattr(args, "database_url", None) or Settings.from_env().database_url


def shown_database_url(args: argparse.Namespace) -> str:
    """The database a message names: the URL as the user gave it, password masked."""
    from bot.storage.db import shown_url

    return shown_url(given_database_url(args))


def database_problem(error: Exception, args: argparse.Namespace) -> str:
    """One line for a database error: which database and the driver's first line of why."""
    from bot.storage.db import driver_reason

    return f"database {shown_database_url(args)}: {driver_reason(error)}"


def check_config_command(directory: Path) -> str:
    """The check-config command line for ``directory``: without ``--config-dir`` it would check whatever
    $FINOPS_CONFIG_DIR or ./config holds, not the directory the failing command was given."""
    import shlex

    return f"finops-bot check-config --config-dir {shlex.quote(str(directory))}"


CONFIG_DIR_HELP = (
    "directory holding personas.yaml, routing.yaml and, optionally, owners.yaml "
    "(default: $FINOPS_CONFIG_DIR, else ./config, else the example shipped with the bot)"
)


def add_config_dir(parser: argparse.ArgumentParser, *, used: bool = True) -> None:
    """``used=False``: a command that reads only the database accepts it too, so one
    ``--config-dir`` can be passed to every command of a script."""
    parser.add_argument(
        "--config-dir",
        default=None,
        metavar="DIR",
        help=CONFIG_DIR_HELP if used else "accepted like every command's; this one reads only the database",
    )


# --- stdin ---------------------------------------------------------------------------------
# Read as bytes and decoded here, strictly, so every locale behaves alike: under C/POSIX Python
# would otherwise smuggle bad bytes through as surrogates, and with PYTHONIOENCODING=utf-8:strict
# fail with a traceback from deep inside the iteration.


def stdin_lines(command: str) -> Iterator[str]:
    """Lines of stdin as UTF-8 text (a leading BOM dropped); raises ``CommandError`` at the first that is not."""
    stream = getattr(sys.stdin, "buffer", None) if sys.stdin is not None else None
    if stream is None:
        raise CommandError(f"{command}: stdin is closed; pipe UTF-8 text into it")
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise CommandError(_not_utf8(command, raw, number, error)) from None


def stdin_text(command: str) -> str:
    return "".join(stdin_lines(command))


def _not_utf8(command: str, raw: bytes, number: int, error: UnicodeDecodeError) -> str:
    if number == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        kind = "UTF-16 text (PowerShell's default for pipes)"
        fix = "send UTF-8 instead, e.g. set $OutputEncoding = [Text.UTF8Encoding]::new() first"
    else:
        kind = f"not UTF-8 text (line {number}, byte {error.start + 1})"
        fix = f"convert it first, e.g. `iconv -f latin1 -t utf-8 FILE | finops-bot {command}`"
    return f"{command}: stdin is {kind}; {fix}"

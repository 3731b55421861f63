"""What several command groups share: where the config and the database are.

Commands take ``--config-dir`` / ``--database-url`` first; otherwise the value
comes from ``Settings``, the only reader of the environment.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.settings import Settings


def config_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "config_dir", None)
    return Path(given) if given else Settings.from_env().config_dir


def database_url(args: argparse.Namespace) -> str:
    from bot.storage.db import database_url as sqlalchemy_url

    return sqlalchemy_url(getattr(args, "database_url", None) or Settings.from_env().database_url)


def add_config_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config-dir",
        default=None,
        metavar="DIR",
        help="directory holding personas.yaml and routing.yaml (default: $FINOPS_CONFIG_DIR or ./config)",
    )

"""`finops-bot init [DIR]`: write a commented starter configuration to edit.

The starter is the example configuration that ships with the bot (the
repository's ``config/``). Files are copied in ``STARTER_FILES`` order; a file
missing from the shipped config is skipped, so adding one is a one-word change.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bot.cli.common import EXIT_FAILURE
from bot.config.locate import shipped_config_dir

# What `init` writes, if the shipped config has it: the personas, the routing, who owns what.
STARTER_FILES = ("personas.yaml", "routing.yaml", "owners.yaml")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a commented starter config (personas, routing, owners) to edit",
        description="Copy the example configuration into DIR (default: ./config): the files DIR lacks, "
        "leaving those it has as they are.",
    )
    parser.add_argument("directory", nargs="?", default="config", metavar="DIR", help="where to write it (./config)")
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist with the example's")
    parser.set_defaults(func=run_init)


def run_init(args: argparse.Namespace) -> int:
    shipped = shipped_config_dir()
    if shipped is None:
        print("finops-bot: this installation has no example config to copy; reinstall finops-bot", file=sys.stderr)
        return 1
    target = Path(args.directory)
    if target.exists() and not target.is_dir():
        print(f"finops-bot: {target} exists and is not a directory: choose another DIR", file=sys.stderr)
        return EXIT_FAILURE
    files = [name for name in STARTER_FILES if (shipped / name).is_file()]
    # A directory holding some of the files is a config begun and edited: its files are kept, the rest written.
    kept = [] if args.force else [name for name in files if (target / name).exists()]
    if kept == files:
        print(
            f"finops-bot: {target} already has {', '.join(kept)}: nothing to write; edit them, "
            "or pass --force to overwrite them with the example's",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    written = [name for name in files if name not in kept]
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in written:
            shutil.copyfile(shipped / name, target / name)
    except OSError as error:
        print(f"finops-bot: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(written)} to {target}")
    if kept:
        print(f"kept {', '.join(kept)} in {target} as they were (--force overwrites them)")
    print(f"next: edit them, run `finops-bot check-config --config-dir {target}`, then set FINOPS_CONFIG_DIR={target}")
    return 0

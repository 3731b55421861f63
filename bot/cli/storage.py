"""`finops-bot db upgrade|status|prune`, `finops-bot export` and `finops-bot suggest-routing`.

The database is ``--database-url`` or ``DATABASE_URL`` (read when the command
runs), else the SQLite file ``./finops-bot.db``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from bot.cli import common
from bot.cli.common import CommandError, add_database_option, open_database

EXPORT_COLUMNS = (
    "at",
    "request_id",
    "action",
    "from_status",
    "to_status",
    "actor",
    "detail",
    "workspace",
    "channel_id",
    "message_ts",
    "reply_ts",
    "source",
    "source_name",
    "primary_persona",
    "primary_topic",
    "topics",
    "amount_usd",
    "team",
    "team_scope",
    "current_status",
    "request_created_at",
    "excerpt",
)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser(
        "db",
        help="database schema: upgrade, show status, prune old rows",
        description="Manage the database: create or migrate its schema, show its revision, prune old rows.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.required = True
    db_upgrade = db_commands.add_parser("upgrade", help="apply database migrations (safe to repeat)")
    add_database_option(db_upgrade)
    common.add_config_dir(db_upgrade, used=False)
    db_upgrade.set_defaults(func=run_db_upgrade)
    db_status = db_commands.add_parser("status", help="show the schema revision; exit 1 when outdated")
    add_database_option(db_status)
    common.add_config_dir(db_status, used=False)
    db_status.set_defaults(func=run_db_status)
    db_prune = db_commands.add_parser(
        "prune",
        help="drop old event ids, sent deliveries, schedule claims and requests closed two years ago "
        "(FINOPS_RETAIN_* settings; the scheduler does this daily)",
    )
    add_database_option(db_prune)
    common.add_config_dir(db_prune, used=False)
    db_prune.set_defaults(func=run_db_prune)

    export = subparsers.add_parser(
        "export",
        help="print the audit trail of routed requests",
        description="Print every action on routed requests since a date (status changes, who made them, where each "
        "request was routed) as CSV or JSONL.",
    )
    export.add_argument("--since", required=True, type=parse_since, metavar="DATE", help="YYYY-MM-DD or ISO time (UTC)")
    export.add_argument(
        "--format", choices=("csv", "jsonl"), default="csv", help="csv (default) or jsonl, one JSON object a line"
    )
    common.add_config_dir(export, used=False)
    add_database_option(export)
    export.set_defaults(func=run_export)

    suggest = subparsers.add_parser(
        "suggest-routing",
        help="propose routing.yaml changes from recorded corrections, as a diff",
        description="Print the routing.yaml changes the recorded corrections suggest, each with its reason, "
        "then a unified diff of routing.yaml; git apply and patch skip the lines before the diff.",
    )
    suggest.add_argument("--since", type=parse_since, metavar="DATE", help="only corrections since then (default: all)")
    suggest.add_argument(
        "--config-dir", metavar="DIR", help="configuration directory (default: $FINOPS_CONFIG_DIR or ./config)"
    )
    suggest.add_argument(
        "--min-reassignments", type=int, default=3, metavar="N", help="reassignments before an owner change (3)"
    )
    suggest.add_argument(
        "--min-not-a-request", type=int, default=3, metavar="N", help="marks before a term is dropped (3)"
    )
    add_database_option(suggest)
    suggest.set_defaults(func=run_suggest_routing)


def parse_since(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date like 2026-03-01 or 2026-03-01T09:00, got {value!r}"
        ) from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def run_db_upgrade(args: argparse.Namespace) -> int:
    from bot.storage.db import schema_status, upgrade

    engine = open_database(args, create=True, require_current=False)
    try:
        before = schema_status(engine).current
        upgrade(engine)
        after = schema_status(engine)
    finally:
        engine.dispose()
    if before == after.current:
        print(f"{common.shown_database_url(args)}: schema already at {after.current}")
    else:
        print(f"{common.shown_database_url(args)}: schema upgraded from {before or 'empty'} to {after.current}")
    return 0


def run_db_status(args: argparse.Namespace) -> int:
    from bot.storage.db import schema_status

    engine = open_database(args, require_current=False)
    try:
        status = schema_status(engine)
    finally:
        engine.dispose()
    print(f"{common.shown_database_url(args)}: {status.message()}")
    return 0 if status.is_current else 1


def run_db_prune(args: argparse.Namespace) -> int:
    from bot.app import retention_policy
    from bot.settings import Settings
    from bot.storage.database import Database
    from bot.storage.retention import prune

    engine = open_database(args)
    try:
        report = prune(Database(engine), dt.datetime.now(dt.UTC), retention_policy(Settings.from_env()))
    finally:
        engine.dispose()
    print(f"{common.shown_database_url(args)}: {report}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from bot.storage.stores import Storage

    engine = open_database(args)
    try:
        rows = Storage.open(engine).requests.export(args.since)
        if args.format == "jsonl":
            write_jsonl(rows, sys.stdout)
        else:
            write_csv(rows, sys.stdout)
    finally:
        engine.dispose()
    return 0


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps({key: _plain(row[key]) for key in EXPORT_COLUMNS}, ensure_ascii=False) + "\n")


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                json.dumps(row[key], ensure_ascii=False) if isinstance(row[key], (dict, list)) else _plain(row[key])
                for key in EXPORT_COLUMNS
            ]
        )


def run_suggest_routing(args: argparse.Namespace) -> int:
    # Imported here: config loading is heavier and not needed by the other commands.
    from bot.config.loader import ROUTING_FILE, ConfigError, load_config
    from bot.services.routing_feedback import Correction, TopicInfo, suggest_routing_changes
    from bot.storage.stores import Storage

    config_dir = common.config_dir(args)
    try:
        config = load_config(config_dir).config
    except ConfigError as error:
        raise CommandError(
            f"the configuration has errors; fix them first (`{common.check_config_command(config_dir)}`):\n"
            + "\n".join(str(issue) for issue in error.issues)
        ) from None
    routing_path = config_dir / ROUTING_FILE
    engine = open_database(args)
    try:
        feedback = Storage.open(engine).requests.feedback_since(args.since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    finally:
        engine.dispose()

    result = suggest_routing_changes(
        [
            Correction(f.kind, f.from_persona, f.to_persona, tuple(f.topics), tuple(f.matched_terms), f.excerpt)
            for f in feedback
        ],
        [TopicInfo(t.id, tuple(t.terms), tuple(t.owners.responsible)) for t in config.routing.topics],
        routing_path.read_text(encoding="utf-8"),
        min_reassignments=args.min_reassignments,
        min_not_a_request=args.min_not_a_request,
        path=str(routing_path),
    )
    # The result, all on stdout: what is suggested and why, then the diff (git apply and patch skip the
    # lines before a diff's header, so `suggest-routing > change.diff && git apply change.diff` works).
    print(f"{len(feedback)} recorded correction(s). {result.summary()}")
    sys.stdout.write(result.diff)
    return 0

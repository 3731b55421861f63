"""`finops-bot deliveries`: see what the outbox could not send, and send it again.

    finops-bot deliveries                 failed and pending deliveries
    finops-bot deliveries --failed        only those given up on, with Slack's error
    finops-bot deliveries --pending       only those waiting (and why they waited)
    finops-bot deliveries retry ID...     put these failed deliveries back in the outbox
    finops-bot deliveries retry --all-failed

A retried delivery is sent by the next relay poll of any running `serve`,
`socket` or `scheduler` process (every two seconds), and looked up in Slack
first so it is never posted twice.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import common
from bot.domain.slack_errors import FIXES, PERMANENT_ERRORS


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deliveries",
        help="list failed or pending Slack posts (with Slack's error) and retry failed ones",
        description="List the outbox's failed and pending deliveries, or re-queue failed ones with `retry`.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only deliveries given up on")
    which.add_argument("--pending", action="store_true", help="only deliveries waiting to be sent")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    common.add_database_option(parser)
    common.add_config_dir(parser, used=False)
    parser.set_defaults(func=run_list)

    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    retry = actions.add_parser("retry", help="put failed deliveries back in the outbox")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="delivery ids (from `finops-bot deliveries`)")
    retry.add_argument("--all-failed", action="store_true", help="every failed delivery")
    common.add_database_option(retry)
    common.add_config_dir(retry, used=False)
    retry.set_defaults(func=run_retry)


def run_list(args: argparse.Namespace) -> int:
    from bot.storage.delivery_reports import FAILED, PENDING, list_deliveries

    statuses = [FAILED] if args.failed else [PENDING] if args.pending else [FAILED, PENDING]
    engine = common.open_database(args)
    try:
        lines = list_deliveries(engine, statuses, limit=args.limit)
    finally:
        engine.dispose()
    if args.json:
        for line in lines:
            print(json.dumps(line.to_dict()))
        return 0
    if not lines:
        print(f"no {' or '.join(statuses)} deliveries")
        return 0
    for line in lines:
        error = line.error or "-"
        hint = f"  → {FIXES[error]}" if error in FIXES else ""
        kind = "permanent" if error in PERMANENT_ERRORS else "transient" if line.error else ""
        print(
            f"{line.id:>6}  {line.status:<7} {line.kind:<10} {line.method:<18} {line.channel or '-':<12} "
            f"attempts {line.attempts}  error {error}{f' ({kind})' if kind else ''}{hint}"
        )
    failed = sum(1 for line in lines if line.status == FAILED)
    if failed:
        print("retry with `finops-bot deliveries retry ID` or `finops-bot deliveries retry --all-failed`")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from bot.services.ports import utcnow
    from bot.storage.delivery_reports import requeue

    if not args.ids and not args.all_failed:
        print("finops-bot: deliveries retry: give delivery IDs or --all-failed", file=sys.stderr)
        return common.EXIT_USAGE
    engine = common.open_database(args)
    try:
        done = requeue(engine, None if args.all_failed else args.ids, utcnow())
    finally:
        engine.dispose()
    missing = sorted(set(args.ids) - set(done))
    if done:
        print(f"re-queued {len(done)} deliver{'y' if len(done) == 1 else 'ies'}: {', '.join(map(str, done))}")
    elif args.all_failed:
        print("no failed deliveries")
    if missing:
        print(f"finops-bot: not failed or not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return common.EXIT_FAILURE
    return 0

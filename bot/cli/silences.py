"""`finops-bot silence add|list|expire`: silences from the command line, straight in the database."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import TYPE_CHECKING

from bot.cli.common import add_config_dir, add_database_option, config_dir, open_database
from bot.domain.silences import Silence, SilenceError, format_matchers, parse_duration, parse_matchers
from bot.render.silences import plain_time, silence_state

if TYPE_CHECKING:
    from bot.storage.silences import SilenceStore


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    silence = subparsers.add_parser("silence", help="mute known alerts: add, list or expire silences")
    actions = silence.add_subparsers(dest="silence_command", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="record matching alerts without tagging anyone, for a while")
    add.add_argument("--match", required=True, metavar="K=V,...", help="e.g. source=kubecost,account=123456789012")
    add.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="30m, 12h, 7d, 2w (max 90d)")
    add.add_argument("--reason", default="", help="why: shown wherever the silence is")
    add.add_argument("--by", default=None, help="who sets it (default: the login name)")
    add_database_option(add)
    add_config_dir(add)  # read for the webhooks' scope names, which are matcher keys too
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="silences in force and those ended in the last 7 days")
    add_database_option(listing)
    add_config_dir(listing, used=False)
    listing.set_defaults(func=run_list)
    expire = actions.add_parser("expire", help="end a silence now")
    expire.add_argument("id", type=int)
    expire.add_argument("--by", default=None, help="who ends it (default: the login name)")
    add_database_option(expire)
    add_config_dir(expire, used=False)
    expire.set_defaults(func=run_expire)


def _store(args: argparse.Namespace) -> SilenceStore:
    # The storage layer (SQLAlchemy, Alembic) is imported by the commands that use it, not by every
    # `finops-bot` start: a third of a second that `route` and `who-owns` need not pay.
    from bot.storage.database import Database
    from bot.storage.silences import SilenceStore

    return SilenceStore(Database(open_database(args)))


def _actor(args: argparse.Namespace) -> str:
    if args.by:
        return args.by
    try:
        return getpass.getuser()
    except Exception:
        return "cli"


def _scope_keys(args: argparse.Namespace) -> tuple[str, ...]:
    """The scope names a silence may match on, the config's webhooks' included; without them when
    the config does not load (the documented names still apply: a silence is often set in a hurry)."""
    from bot.config.loader import ConfigError, load_config
    from bot.services.silencing import scope_keys

    try:
        receivers = load_config(config_dir(args)).config.routing.receivers
    except ConfigError:
        receivers = None
    return scope_keys(receivers)


def run_add(args: argparse.Namespace) -> int:
    try:
        matchers = parse_matchers(args.match, _scope_keys(args))
        duration = parse_duration(args.duration)
    except SilenceError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return 2
    now = dt.datetime.now(dt.UTC)
    silence = _store(args).add(matchers, now + duration, args.reason, _actor(args), now)
    print(f"silence {silence.id}: {format_matchers(matchers)} until {plain_time(silence.expires_at)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    silences = _store(args).recent(now)
    if not silences:
        print("no silences")
    for silence in silences:
        print(line(silence, now))
    return 0


def run_expire(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    silence = _store(args).expire(args.id, _actor(args), now)
    if silence is None:
        print(f"finops-bot: no silence {args.id}: `finops-bot silence list` shows the ids", file=sys.stderr)
        return 1
    print(line(silence, now))
    return 0


def line(silence: Silence, now: dt.datetime) -> str:
    state = silence_state(silence, now, plain_time, lambda who: who or "someone")
    reason = f"  reason: {silence.reason}" if silence.reason else ""
    # "set by", as in Slack: an ended silence also names who ended it ("ended early … by bob").
    return f"{silence.id}\t{silence.label}\t{state}\tset by {silence.created_by}\t{silence.muted} muted{reason}"

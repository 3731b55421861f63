"""`finops-bot digest` and `finops-bot reminders`: what the scheduler would post, and when.

`finops-bot scheduler` (the Procfile `clock:` process) needs the Slack poster and
is assembled by the Slack area from ``bot.services.scheduled_posts.build_ticker`` and
``bot.scheduling.ticker.start_timer``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot.cli import common
from bot.domain.suggestions import did_you_mean

UTC = dt.UTC


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    digest = subparsers.add_parser(
        "digest",
        help="print the weekly digest that would be posted",
        description="Print the weekly digest (or one persona's) as the scheduler would post it, without posting.",
    )
    digest.add_argument("--dry-run", action="store_true", required=True, help="print instead of posting (required)")
    digest.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    digest.add_argument("--persona", help="the per-persona digest for this persona id")
    digest.add_argument("--json", action="store_true", help="print the Slack message (text and blocks) as JSON")
    _add_common(digest)
    digest.set_defaults(func=run_digest)

    reminders = subparsers.add_parser(
        "reminders",
        help="list every schedule with its next run",
        description="List every duty reminder, calendar reminder and digest schedule with its next run.",
    )
    reminders.add_argument("--list", action="store_true", required=True, help="list the schedules (required)")
    reminders.add_argument("--now", help="list next runs after this ISO time (default: now)")
    common.add_config_dir(reminders)
    reminders.set_defaults(func=run_reminders)


def _add_common(parser: argparse.ArgumentParser) -> None:
    common.add_config_dir(parser)
    parser.add_argument(
        "--database-url", metavar="URL", help="database URL (default: $DATABASE_URL or SQLite ./finops-bot.db)"
    )


def _fail(message: str, code: int = 1) -> int:
    print(f"finops-bot: {message}", file=sys.stderr)
    return code


def _load_config(config_dir: str | None) -> Any:
    """The validated config, or None after printing every problem."""
    from bot.config.loader import ConfigError, load_config
    from bot.settings import Settings

    try:
        from bot.cli.common import config_dir as locate

        return load_config(locate(argparse.Namespace(config_dir=config_dir), Settings.from_env())).config
    except ConfigError as error:
        _fail(f"invalid config:\n{error}")
        return None


# --- digest -----------------------------------------------------------------------------


def run_digest(args: argparse.Namespace) -> int:

    from bot.scheduling.weeks import WeekError, last_complete_week, parse_iso_week, week_label
    from bot.services.scheduled_posts import compose_digest
    from bot.storage.delivery_reports import permanent_failures
    from bot.storage.stores import Storage

    config = _load_config(args.config_dir)
    if config is None:
        return 1
    timezone = config.routing.digest.timezone or config.routing.timezone
    if args.persona is not None and args.persona not in config.persona_ids:
        hint = did_you_mean(args.persona, config.persona_ids)
        return _fail(f"unknown persona {args.persona!r}{hint}; known: {', '.join(config.persona_ids)}", 2)
    week = None
    if args.week:
        try:
            week = parse_iso_week(args.week, timezone)
        except WeekError as error:
            return _fail(str(error), 2)
    now = dt.datetime.now(UTC)
    engine = common.open_database(args)
    try:
        storage = Storage.open(engine)
        message = compose_digest(
            config,
            storage.digest,
            now,
            timezone,
            week=week,
            audience=args.persona,
            refusals=None if args.persona else (lambda since: permanent_failures(engine, since=since)),
            muted=None if args.persona else storage.silences.muted_between,  # as the posted digest has
        )
    finally:
        engine.dispose()
    if week is None:
        # The digest posted on schedule is the last complete week's: say so, and how to see this one
        # (once it is composed, so a failure above stays one line).
        this_week = week_label(now, timezone)
        shown = week_label(last_complete_week(now, timezone)[0], timezone)
        print(
            f"finops-bot: digest of {shown}, the last complete week; --week {this_week} for the week under way",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(message, indent=2, ensure_ascii=False))
    else:
        from bot.devtools.simulator.render import message_lines

        # The message as Slack shows it (every list), not only its plain-text fallback.
        print("\n".join(message_lines(message)))
    return 0


# --- reminders --------------------------------------------------------------------------


def run_reminders(args: argparse.Namespace) -> int:
    from bot.scheduling.schedules import ScheduleConfigError, schedules_from_config

    now = dt.datetime.now(UTC)
    if args.now:
        try:
            now = _parse_now(args.now)
        except ValueError as error:
            return _fail(str(error), 2)
    config = _load_config(args.config_dir)
    if config is None:
        return 1
    try:
        schedules = schedules_from_config(config)
    except ScheduleConfigError as error:
        return _fail("invalid schedules:\n" + "\n".join(error.problems))
    print(format_schedule_table(schedules, now))
    return 0


def _parse_now(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--now {value!r} is not an ISO date-time such as 2026-11-23T08:00:00Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_schedule_table(schedules: Sequence[Any], now: dt.datetime) -> str:
    """One line per schedule: id, kind, next run in its timezone and in UTC, what it posts."""
    from bot.domain.cron import zone
    from bot.scheduling.schedules import next_fire_time

    rows = [("SCHEDULE", "KIND", "NEXT RUN (LOCAL)", "NEXT RUN (UTC)", "WHAT")]
    for schedule in schedules:
        nxt = next_fire_time(schedule, now)
        if nxt is None:
            local_text, utc_text = "passed", "-"
        else:
            local = nxt.astimezone(zone(schedule.timezone))
            local_text = f"{local:%a %Y-%m-%d %H:%M} {schedule.timezone}"
            utc_text = f"{nxt:%Y-%m-%d %H:%M}Z"
        rule = schedule.cron or (
            schedule.recurrence.describe() if schedule.kind == "duty" and schedule.recurrence else ""
        )
        what = schedule.title + (f" [{rule}]" if rule else "")
        rows.append((schedule.id, schedule.kind, local_text, utc_text, what))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=False)) + "  " + row[4]
        for row in rows
    )

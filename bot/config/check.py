"""`finops-bot check-config`: validate the configuration and summarise it.

Exit 0 with a summary (and any warnings) when the configuration loads, exit 1
with every error when it does not. The CLI wiring lives with the other routing
commands; they call ``add_check_config_parser`` or ``check_config``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.config.issues import ConfigIssue
from bot.config.loader import ConfigError, default_config_dir, load_config
from bot.config.models import BotConfig


def check_config(config_dir: str | os.PathLike[str] | None, out: TextIO, err: TextIO) -> int:
    """Validate ``config_dir`` (default: ``default_config_dir()``); returns the exit code."""
    directory = default_config_dir() if config_dir is None else config_dir
    try:
        loaded = load_config(directory)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=err)
        _print_warnings(exc.warnings, err)
        count = len(exc.issues)
        print(f"configuration in {directory} is invalid: {count} error{'s' if count != 1 else ''}", file=err)
        return 1
    for line in summary_lines(loaded.config):
        print(line, file=out)
    _print_warnings(loaded.warnings, out)
    return 0


def summary_lines(config: BotConfig) -> list[str]:
    personas = config.personas.personas
    routing = config.routing
    core = sum(1 for persona in personas if persona.kind == "core")
    terms = sum(len(topic.terms) for topic in routing.topics)
    duties = sum(len(persona.duties) for persona in personas)
    escalations = ", ".join(
        f">= ${escalation.min_amount_usd:,.0f}: {' '.join(escalation.tag)}" for escalation in routing.escalations
    )
    digest = routing.digest
    teams = config.owners.teams
    scopes = sum(len(values) for team in teams for values in team.scopes.model_dump().values())
    from bot.routing.money import DEFAULT_RATES, DEFAULT_RATES_DATE

    rates = {**DEFAULT_RATES, **routing.currencies.to_usd}
    as_of = routing.currencies.as_of or (DEFAULT_RATES_DATE if not routing.currencies.to_usd else None)
    return [
        f"configuration in {config.source_dir} is valid",
        f"  personas:         {len(personas)} ({core} core, {len(personas) - core} allied)",
        f"  topics:           {len(routing.topics)} ({terms} terms)",
        f"  watched channels: {', '.join(routing.watch.channels) or '(none)'}",
        f"  fallback:         {routing.fallback_persona}",
        f"  min confidence:   {routing.min_confidence:g}",
        f"  escalations:      {escalations or '(none)'}",
        f"  duties:           {duties}",
        f"  calendar entries: {len(routing.calendar)}",
        f"  digest:           {digest.channel} at '{digest.schedule}' ({digest.timezone or routing.timezone})",
        f"  owning teams:     {len(teams)} ({scopes} scopes)"
        if teams
        else "  owning teams:     none (no owners.yaml teams)",
        f"  currencies:       {len(rates) - 1} rates to USD" + (f" as of {as_of.isoformat()}" if as_of else ""),
    ]


def _print_warnings(warnings: Sequence[ConfigIssue], stream: TextIO) -> None:
    if not warnings:
        return
    print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:", file=stream)
    for warning in warnings:
        print(f"  {warning}", file=stream)


def add_check_config_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check-config",
        help="validate personas.yaml, routing.yaml and owners.yaml",
        description="Validate the configuration: exit 0 with a summary, or 1 listing every error.",
    )
    parser.add_argument(
        "--config-dir",
        default=None,
        metavar="DIR",
        help="directory holding personas.yaml and routing.yaml (default: $FINOPS_CONFIG_DIR or ./config)",
    )
    parser.add_argument(
        "--slack",
        action="store_true",
        help="also resolve every channel, user group and person in Slack (needs SLACK_BOT_TOKEN)",
    )
    parser.set_defaults(func=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    status = check_config(args.config_dir, sys.stdout, sys.stderr)
    if status == 0 and args.slack:
        from bot.slack.check import check_slack_names  # the config core stays free of Slack

        status = check_slack_names(args.config_dir or default_config_dir(), sys.stdout, sys.stderr)
    return status

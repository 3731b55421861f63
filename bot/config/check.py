"""`finops-bot check-config`: validate the configuration and summarise it.

Exit 0 with a summary (and any warnings) when the configuration loads, exit 1
with every error when it does not. The command itself is in ``bot.cli.config``;
resolving names in Slack (``--slack``) is ``bot.slack.check``'s job.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import TextIO

from bot.config.issues import ConfigIssue
from bot.config.loader import ConfigError, load_config
from bot.config.models import BotConfig


def check_config(config_dir: str | os.PathLike[str], out: TextIO, err: TextIO, today: dt.date | None = None) -> int:
    """Validate ``config_dir``; returns the exit code. ``today``: for entries already past (default: today)."""
    directory = config_dir
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
    _print_warnings([*loaded.warnings, *past_entries(loaded.config, today or dt.date.today())], out)
    return 0


def past_entries(config: BotConfig, today: dt.date) -> list[ConfigIssue]:
    """Calendar entries whose date has passed: nothing will ever be posted for them."""
    return [
        ConfigIssue(
            "routing.yaml",
            None,
            f"calendar[{index}]",
            f"calendar entry '{entry.id}' was due {entry.date.isoformat()}, in the past: "
            "no reminder will be posted; move the date or remove the entry",
            "warning",
        )
        for index, entry in enumerate(config.routing.calendar)
        if entry.date < today
    ]


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
    from bot.config.currencies import DEFAULT_RATES, DEFAULT_RATES_DATE

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

"""`finops-bot check-config`: validate the configuration and summarise it.

Exit 0 with a summary (and any warnings) when the configuration loads, exit 1
with every error when it does not. The command itself is in ``bot.cli.config``;
resolving names in Slack (``--slack``) is ``bot.slack.check``'s job.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.config.issues import ConfigIssue
from bot.config.loader import ROUTING_FILE, ConfigError, load_config
from bot.config.models import BotConfig
from bot.config.yamlmarks import parse_yaml_file


def check_config(
    config_dir: str | os.PathLike[str],
    out: TextIO,
    err: TextIO,
    today: dt.date | None = None,
    *,
    example: bool = False,
    slack_follows: bool = False,
) -> int:
    """Validate ``config_dir``; returns the exit code. ``today``: for entries already past (default: today).

    ``example``: ``config_dir`` is the example shipped with the bot, checked because none of the operator's
    was found; every line that names the directory says so. ``slack_follows``: its Slack names are checked
    next (``--slack``), so the files alone are called valid: the config may still fail in Slack.
    """
    name = f"the example configuration in {config_dir}" if example else f"configuration in {config_dir}"
    try:
        loaded = load_config(config_dir)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=err)
        _print_warnings(exc.warnings, err)
        count = len(exc.issues)
        print(f"{name} is invalid: {count} error{'s' if count != 1 else ''}", file=err)
        return 1
    verdict = (
        f"{name}: the files are valid (their Slack names are checked below)" if slack_follows else f"{name} is valid"
    )
    for line in [verdict, *summary_lines(loaded.config)[1:]]:
        print(line, file=out)
    _print_warnings([*loaded.warnings, *past_entries(loaded.config, today or dt.date.today())], out)
    return 0


def past_entries(config: BotConfig, today: dt.date) -> list[ConfigIssue]:
    """Calendar entries entirely in the past: a date gone by, or a recurrence whose ``until`` has.

    Nothing will ever be posted for them. Located by re-reading routing.yaml's lines (the models keep none).
    """
    path = Path(config.source_dir) / ROUTING_FILE
    lines = parse_yaml_file(path)
    issues = []
    for index, entry in enumerate(config.routing.calendar):
        last = entry.last_due()
        if last is None or last >= today:
            continue
        key = "date" if entry.on is None else "until"
        if entry.on is None:
            message = (
                f"calendar entry '{entry.id}' was due {last.isoformat()}, in the past: "
                "no reminder will be posted; move the date or remove the entry"
            )
        else:
            message = (
                f"calendar entry '{entry.id}' recurs until {last.isoformat()}, in the past: "
                "no reminder will be posted; extend `until` or remove the entry"
            )
        line = lines.line_of(("calendar", index, key)) if lines is not None else None
        issues.append(ConfigIssue(str(path), line, f"calendar[{index}].{key}", message, "warning"))
    return issues


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
    recurring = sum(entry.on is not None for entry in routing.calendar)
    teams = config.owners.teams
    scopes = sum(len(values) for team in teams for values in team.scopes.model_dump().values())
    from bot.config.currencies import DEFAULT_RATES, DEFAULT_RATES_DATE
    from bot.config.languages import SNOWBALL_LANGUAGES

    rates = {**DEFAULT_RATES, **routing.currencies.to_usd}
    as_of = routing.currencies.as_of or (DEFAULT_RATES_DATE if not routing.currencies.to_usd else None)
    topics_in = {code: sum(1 for t in routing.topics if t.terms_by_language.get(code)) for code in routing.languages}
    languages = [
        f"{SNOWBALL_LANGUAGES[code].capitalize()} ({code}, {n} topic{'' if n == 1 else 's'})"
        for code, n in topics_in.items()
    ]
    return [
        f"configuration in {config.source_dir} is valid",
        f"  personas:         {len(personas)} ({core} core, {len(personas) - core} allied)",
        f"  topics:           {len(routing.topics)} ({terms} term{'' if terms == 1 else 's'})",
        *([f"  languages:        English, {', '.join(languages)}"] if languages else []),
        f"  watched channels: {', '.join(routing.watch.channels) or '(none)'}",
        f"  fallback:         {routing.fallback_persona}",
        f"  min confidence:   {routing.min_confidence:g}",
        f"  escalations:      {escalations or '(none)'}",
        f"  duties:           {duties}",
        f"  calendar entries: {len(routing.calendar)}" + (f" ({recurring} recurring)" if recurring else ""),
        f"  digest:           {digest.channel} at '{digest.schedule}' ({digest.timezone or routing.timezone})",
        f"  owning teams:     {len(teams)} ({scopes} scope{'' if scopes == 1 else 's'})"
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

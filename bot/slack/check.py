"""`finops-bot check-config --slack`: resolve every Slack name the config uses.

A name Slack cannot resolve is reported like a config error, at its file, line and key path, since the
fix is most often a typo there; the closest channel or user group Slack listed is suggested.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient

from bot.config.issues import ConfigIssue, Loc, format_loc
from bot.config.loader import OWNERS_FILE, PERSONAS_FILE, ROUTING_FILE
from bot.config.models import BotConfig, SlackTargets
from bot.config.yamlmarks import ParsedYaml, parse_yaml_file
from bot.domain.suggestions import closest
from bot.render.text import team_mention_key
from bot.slack.directory import Directory, Unresolved, resolve_directory

SUMMARY_INDENT = " " * 20


def check_slack_names(client: WebClient, config: BotConfig, out: TextIO, err: TextIO) -> int:
    """Summary lines on ``out``, one line per unresolved target on ``err``; returns how many are unresolved."""
    directory = resolve_directory(client, config, log_unresolved=False)
    for line in summary_lines(config, directory):
        print(line, file=out)
    files: dict[str, ParsedYaml | None] = {}
    for problem in directory.unresolved:
        issue = located(problem, config, directory, files)
        print(issue if issue is not None else f"unresolved Slack target: {problem}", file=err)
    return len(directory.unresolved)


def summary_lines(config: BotConfig, directory: Directory) -> list[str]:
    """How many personas (and teams) Slack can reach, naming every target it cannot resolve."""
    unresolved: dict[str, list[str]] = {}
    for problem in directory.unresolved:
        unresolved.setdefault(problem.persona, []).append(problem.target)
    personas = [persona.id for persona in config.personas.personas]
    lines = [f"  slack:            {_reach(personas, 'personas', directory, unresolved)}"]
    if config.owners.teams:
        teams = [team_mention_key(team.id) for team in config.owners.teams]
        lines.append(SUMMARY_INDENT + _reach(teams, "owning teams", directory, unresolved))
    elsewhere = [
        f"{'watched channel' if owner == '(watch)' else 'closer'} {target}"
        for owner, targets in unresolved.items()
        if owner in ("(watch)", "(closers)")
        for target in targets
    ]
    if elsewhere:
        lines.append(f"{SUMMARY_INDENT}unresolved: {', '.join(elsewhere)}")
    return lines


def _reach(keys: list[str], noun: str, directory: Directory, unresolved: dict[str, list[str]]) -> str:
    reachable = directory.mentions.by_persona
    short = [key for key in keys if key in unresolved]
    if not short:
        return f"{sum(key in reachable for key in keys)} of {len(keys)} {noun} reachable"
    full = sum(key in reachable and key not in unresolved for key in keys)
    named = ", ".join(f"{key.removeprefix('team:')} ({' '.join(unresolved[key])})" for key in short)
    return f"{full} of {len(keys)} {noun} resolve in full; unresolved: {named}"


def located(
    problem: Unresolved, config: BotConfig, directory: Directory, files: dict[str, ParsedYaml | None]
) -> ConfigIssue | None:
    """``problem`` as a config issue at the line that names the target, or None when it cannot be placed."""
    where = _where(problem, config)
    if where is None:
        return None
    name, loc = where
    if name not in files:
        files[name] = parse_yaml_file(Path(config.source_dir) / name)
    parsed = files[name]
    line = parsed.line_of(loc) if parsed is not None else None
    message = f"cannot resolve {problem.target}: {problem.reason}{_did_you_mean(problem.target, directory)}"
    return ConfigIssue(str(Path(config.source_dir) / name), line, format_loc(loc), message)


def _where(problem: Unresolved, config: BotConfig) -> tuple[str, Loc] | None:
    owner, target = problem.persona, problem.target
    if owner in ("(watch)", "(closers)"):
        key: Loc = ("watch", "channels") if owner == "(watch)" else ("acknowledgement", "closers")
        names = config.routing.watch.channels if owner == "(watch)" else config.routing.acknowledgement.closers
        return (ROUTING_FILE, (*key, names.index(target))) if target in names else None
    if owner.startswith("team:"):
        holders = [(team.id, team.slack) for team in config.owners.teams]
        name, top, wanted = OWNERS_FILE, "teams", owner.removeprefix("team:")
    else:
        holders = [(persona.id, persona.slack) for persona in config.personas.personas]
        name, top, wanted = PERSONAS_FILE, "personas", owner
    for index, (holder, targets) in enumerate(holders):
        if holder == wanted and (field := _field(targets, target)) is not None:
            return name, (top, index, "slack", *field)
    return None


def _field(targets: SlackTargets, target: str) -> Loc | None:
    if target == targets.channel:
        return ("channel",)
    if target == targets.usergroup:
        return ("usergroup",)
    return ("people", targets.people.index(target)) if target in targets.people else None


def _did_you_mean(target: str, directory: Directory) -> str:
    """The channel or user group Slack listed that ``target`` most likely meant (people are not listed)."""
    if target.startswith("#"):
        suggestion = closest(target[1:], directory.channel_names.values())
        return f" (did you mean '#{suggestion}'?)" if suggestion else ""
    if target.startswith("@"):
        suggestion = closest(target[1:], directory.usergroup_ids)
        return f" (did you mean '@{suggestion}'?)" if suggestion else ""
    return ""

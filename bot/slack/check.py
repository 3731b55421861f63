"""`finops-bot check-config --slack`: resolve every Slack name the config uses."""

from __future__ import annotations

from typing import TextIO

from slack_sdk import WebClient

from bot.config.models import BotConfig
from bot.render.text import team_mention_key
from bot.slack.directory import resolve_directory


def check_slack_names(client: WebClient, config: BotConfig, out: TextIO, err: TextIO) -> int:
    directory = resolve_directory(client, config, log_unresolved=False)
    reachable = directory.mentions.by_persona
    resolved = sum(1 for persona in config.personas.personas if persona.id in reachable)
    print(f"  slack:            {resolved} of {len(config.personas.personas)} personas reachable", file=out)
    if config.owners.teams:
        teams = sum(1 for team in config.owners.teams if team_mention_key(team.id) in reachable)
        print(f"                    {teams} of {len(config.owners.teams)} owning teams reachable", file=out)
    for problem in directory.unresolved:
        print(f"unresolved Slack target: {problem}", file=err)
    return 1 if directory.unresolved else 0

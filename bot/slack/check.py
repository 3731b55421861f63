"""`finops-bot check-config --slack`: resolve every Slack name the config uses."""

from __future__ import annotations

from typing import TextIO

from slack_sdk import WebClient

from bot.config.models import BotConfig
from bot.slack.directory import resolve_directory


def check_slack_names(client: WebClient, config: BotConfig, out: TextIO, err: TextIO) -> int:
    directory = resolve_directory(client, config)
    resolved = len(directory.mentions.by_persona)
    print(f"  slack:            {resolved} of {len(config.personas.personas)} personas reachable", file=out)
    for problem in directory.unresolved:
        print(f"unresolved Slack target: {problem}", file=err)
    return 1 if directory.unresolved else 0

"""`finops-bot check-config --slack`: resolve every Slack name the config uses."""

from __future__ import annotations

from typing import TextIO

from bot.config.loader import load_config
from bot.settings import Settings, SettingsError
from bot.slack.app import make_web_client
from bot.slack.directory import resolve_directory


def check_slack_names(config_dir, out: TextIO, err: TextIO) -> int:
    try:
        settings = Settings.from_env()
        settings.require("SLACK_BOT_TOKEN")
    except SettingsError as error:
        print(f"--slack: {error}", file=err)
        return 1
    config = load_config(config_dir).config
    directory = resolve_directory(make_web_client(settings), config)
    resolved = len(directory.mentions.by_persona)
    print(f"  slack:            {resolved} of {len(config.personas.personas)} personas reachable", file=out)
    for problem in directory.unresolved:
        print(f"unresolved Slack target: {problem}", file=err)
    return 1 if directory.unresolved else 0

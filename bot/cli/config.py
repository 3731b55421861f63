"""`finops-bot check-config`: validate the configuration, optionally against Slack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import add_config_dir, located_config_dir
from bot.config.check import check_config

if TYPE_CHECKING:
    from bot.settings import Settings


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate personas.yaml, routing.yaml and owners.yaml",
        description="Validate the configuration: exit 0 with a summary, or 1 listing every error.",
    )
    add_config_dir(parser)
    parser.add_argument(
        "--slack",
        action="store_true",
        help="also resolve every channel, user group and person in Slack (needs SLACK_BOT_TOKEN)",
    )
    parser.set_defaults(func=run_check_config)


def run_check_config(args: argparse.Namespace) -> int:
    from bot.settings import Settings, SettingsError

    settings = Settings.from_env()
    try:
        settings.check_tokens()
    except SettingsError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return 1
    config_dir, example = located_config_dir(args, settings)
    if example:
        print(
            "note: no config here (no --config-dir, no $FINOPS_CONFIG_DIR, no ./config): checking the example "
            "shipped with finops-bot instead; pass --config-dir DIR or set FINOPS_CONFIG_DIR to check yours "
            "(`finops-bot init` writes a starter to edit)",
            file=sys.stderr,
        )
    status = check_config(config_dir, sys.stdout, sys.stderr, example=example)
    if status == 0:
        receiver_secret_notes(settings, config_dir)
    if status == 0 and args.slack:
        from bot.app import make_web_client
        from bot.config.loader import load_config
        from bot.slack.check import check_slack_names

        try:
            settings.require("SLACK_BOT_TOKEN")
        except SettingsError as error:
            print(f"finops-bot: --slack: {error}", file=sys.stderr)
            return 1
        from slack_sdk.errors import SlackApiError

        config = load_config(config_dir).config
        try:
            status = check_slack_names(make_web_client(settings), config, sys.stdout, sys.stderr)
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            print(f"finops-bot: --slack: Slack refused the bot token ({code}): check SLACK_BOT_TOKEN", file=sys.stderr)
            return 1
        except OSError as error:
            reason = getattr(error, "reason", None) or error
            print(
                f"finops-bot: --slack: Slack unreachable at {settings.slack_api_url} ({reason}): "
                "check the network, proxy or SLACK_API_URL",
                file=sys.stderr,
            )
            return 1
    return status


def receiver_secret_notes(settings: Settings, config_dir: Path) -> None:
    """A note, not an error, per receiver whose secret is not in this environment.

    check-config runs in CI and on laptops where the server's secrets rightly are not set, so
    their absence cannot fail it; `serve` is what refuses to start without them.
    """
    from bot.config.loader import load_config
    from bot.receivers.http import missing_secrets

    missing = missing_secrets(settings, load_config(config_dir).config.routing.receivers)
    for variable, needed_by in missing:
        print(
            f"note: {variable} is not set in this environment; {needed_by} needs it: "
            "`finops-bot serve` will not start without it",
            file=sys.stdout,
        )

"""`finops-bot check-config`: validate the configuration, optionally against Slack."""

from __future__ import annotations

import argparse
import sys

from bot.config.check import check_config


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
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
    parser.set_defaults(func=run_check_config)


def run_check_config(args: argparse.Namespace) -> int:
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 1
    config_dir = args.config_dir or settings.config_dir
    status = check_config(config_dir, sys.stdout, sys.stderr)
    if status == 0 and args.slack:
        from bot.app import make_web_client
        from bot.config.loader import load_config
        from bot.slack.check import check_slack_names

        try:
            settings.require("SLACK_BOT_TOKEN")
        except SettingsError as error:
            print(f"--slack: {error}", file=sys.stderr)
            return 1
        config = load_config(config_dir).config
        status = check_slack_names(make_web_client(settings), config, sys.stdout, sys.stderr)
    return status

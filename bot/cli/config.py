"""`finops-bot check-config`: validate the configuration, optionally against Slack."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import add_config_dir, located_config_dir
from bot.config.check import check_config

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.config.models import BotConfig
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
    status = check_config(config_dir, sys.stdout, sys.stderr, example=example, slack_follows=args.slack)
    if status == 0:
        receiver_secret_notes(settings, config_dir)
    if status == 0 and args.slack:
        return check_in_slack(settings, config_dir, example=example)
    return status


# Every line --slack prints on stderr starts so: which command and which part of it said it.
SLACK_CHECK = "finops-bot: check-config --slack: "


def check_in_slack(settings: Settings, config_dir: Path, *, example: bool = False) -> int:
    """Every channel, user group and person the (valid) config names, looked up in Slack.

    Slack is asked once first (auth.test) whether it answers and takes the token: a revoked token
    made every name "not found", two dozen misleading lines before the one that said why, and Slack
    out of reach printed a bare "conversations.list failed: URLError" before the reason.
    """
    from slack_sdk.errors import SlackApiError

    from bot.app import make_web_client
    from bot.cli.processes import check_slack, slack_refusal_fix
    from bot.config.loader import load_config
    from bot.slack.check import check_slack_names

    if not settings.bot_token:
        print(
            f"{SLACK_CHECK}SLACK_BOT_TOKEN is not set: set it to the app's Bot User OAuth Token (xoxb-..., under "
            "OAuth & Permissions) to look up the config's channels, user groups and people, or leave out --slack "
            "to check the files alone",
            file=sys.stderr,
        )
        return 1
    refused = check_slack(settings)
    if refused is not None:
        message, exit_code = refused
        print(f"{SLACK_CHECK}{message}", file=sys.stderr)
        return exit_code
    config = load_config(config_dir).config
    try:
        client = make_web_client(settings)
        with _directory_warnings_said(sys.stderr):
            unresolved = check_slack_names(client, config, sys.stdout, sys.stderr)
        for note in membership_notes(client, config):
            print(note, file=sys.stdout)
    except SlackApiError as error:  # after auth.test, most likely a scope the app lacks
        refusal = error.response.get("error") if error.response is not None else None
        print(f"{SLACK_CHECK}Slack refused a lookup ({refusal}): {slack_refusal_fix(refusal)}", file=sys.stderr)
        return 1
    except OSError as error:
        reason = getattr(error, "reason", None) or error
        print(
            f"{SLACK_CHECK}Slack unreachable at {settings.slack_api_url} ({reason}): "
            "check the network, proxy or SLACK_API_URL",
            file=sys.stderr,
        )
        return 1
    if unresolved:
        name = f"the example configuration in {config_dir}" if example else f"configuration in {config_dir}"
        targets = f"{unresolved} Slack target{'s' if unresolved != 1 else ''}"
        print(
            f"{name} fails in Slack: {targets} cannot be resolved; correct the names above, or create them in Slack",
            file=sys.stderr,
        )
        return 1
    return 0


@contextmanager
def _directory_warnings_said(err: TextIO) -> Iterator[None]:
    """What the directory logs while resolving (a Web API method that failed, and why) said as the
    check's own lines: the reason behind an unresolved target, not a bare log record before them."""
    directory = logging.getLogger("bot.slack.directory")
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter(SLACK_CHECK + "%(message)s"))
    propagate, directory.propagate = directory.propagate, False
    directory.addHandler(handler)
    try:
        yield
    finally:
        directory.removeHandler(handler)
        directory.propagate = propagate


def membership_notes(client: WebClient, config: BotConfig) -> list[str]:
    """A note per channel the config uses that Slack lists with the bot not a member of it.

    Names resolve either way, but the bot reads no message of a watched channel it is not in, and
    its posts elsewhere fail with not_in_channel. A note, not an error: the README's set-up checks
    the config (step 3) before inviting the bot (step 5).
    """
    uses: dict[str, list[str]] = {}
    routing = config.routing
    for channel in routing.watch.channels:
        uses.setdefault(channel, []).append("watched")
    for persona in config.personas.personas:
        if persona.slack.channel:
            uses.setdefault(persona.slack.channel, []).append(f"persona {persona.id}")
    for team in config.owners.teams:
        if team.slack.channel:
            uses.setdefault(team.slack.channel, []).append(f"team {team.id}")
    uses.setdefault(routing.digest.channel, []).append("digest")
    for channel in routing.receivers.channels():
        uses.setdefault(channel, []).append("receivers")
    outside: dict[str, str] = {}  # "#name" and "C…" -> "#name", for channels the bot is not in
    cursor = None
    while True:
        response = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for channel in response.get("channels") or []:
            if channel.get("is_member") is False:
                shown = f"#{channel['name']}"
                outside[shown.lower()] = outside[channel["id"]] = shown
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    notes = []
    for channel, used_by in uses.items():
        found = outside.get(channel.lower()) or outside.get(channel)
        if found:
            effect = "it reads none of its messages" if "watched" in used_by else "its posts there fail"
            notes.append(
                f"note: the bot is not in {found} ({', '.join(used_by)}): {effect} until you "
                f"/invite @finops-bot in {found}"
            )
    return notes


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

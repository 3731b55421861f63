"""`finops-bot demo`: the real app against a local Slack, printed as Slack would show it.

It starts the Slack simulator, runs `finops-bot serve` (the production HTTP
path, Slack-signed requests) on the embedded SQLite default in a temporary
directory, replays the bundled sample (cost alerts, *Take it* pressed on the first
reply, then `/finops` commands), or only the messages of ``--feed``, and
prints the channel with its thread replies and mentions.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from bot.config.loader import ConfigError, load_config
from bot.config.models import BotConfig
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.receivers.http import missing_secrets
from bot.render.replies import ACTION_TAKE
from bot.routing.router import Router
from bot.settings import Settings
from bot.storage.db import shown_url

DEMO_COMMANDS = (
    "who-owns anomalies",
    "who-owns RI coverage",
    "persona procurement",
    "route our Snowflake contract renews in 60 days, who negotiates?",
    "open",
)
REPLY_TIMEOUT = 30.0


def sample_feed(path: str | None, text: str | None = None, skipped: list[int] | None = None) -> Iterator[dict]:
    """The feed's messages: ``text`` when given (``--feed -``, read from stdin), else the file, else the sample.

    A line that is not a JSON object is reported as ``FILE:LINE:`` and skipped; its number goes to ``skipped``.
    """
    name = "stdin" if text is not None else path or "sample feed"
    if text is None:
        source = Path(path) if path else resources.files("bot").joinpath("samples/cost_alerts.jsonl")
        text = source.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            problem = f"not JSON ({error.msg})"
        else:
            if isinstance(message, dict):
                yield message
                continue
            problem = 'not a Slack message: one JSON object a line, e.g. {"text": "…"}'
        print(f"{name}:{number}: {problem}; skipped", file=sys.stderr)
        if skipped is not None:
            skipped.append(number)


def run_demo(
    config_dir: Path,
    interactive: bool = False,
    feed: str | None = None,
    out=sys.stdout,
    *,
    feed_text: str | None = None,
    typed: Iterable[str] | None = None,
    database_url: str | None = None,
) -> int:
    """``feed_text``: the feed itself (``--feed -``); ``typed``: the lines of ``--interactive`` (default: stdin);
    ``database_url``: where to keep what was routed (default: a temporary SQLite file)."""
    try:
        config = load_config(config_dir).config
    except ConfigError as error:
        from bot.cli.common import check_config_command

        # The same shape as every other command's: each error once, then one verdict line with the fix.
        for issue in error.issues:
            print(issue, file=sys.stderr)
        print(
            f"finops-bot: configuration in {config_dir} is invalid; run `{check_config_command(config_dir)}`",
            file=sys.stderr,
        )
        return 1
    router = Router(config)
    with tempfile.TemporaryDirectory(prefix="finops-demo-") as workdir, SlackSimulator() as sim:
        members = seed_workspace(sim, config)
        alerts_channel = config.routing.watch.channels[0].lstrip("#")
        person = sim.add_user("dana", email="dana@example.com")
        database = database_url or f"sqlite:///{Path(workdir) / 'finops-bot.db'}"
        where = f"the database {shown_url(database_url)}" if database_url else "the embedded SQLite default"
        print(f"Slack simulator on {sim.base_url}; starting finops-bot serve on {where}…", file=out)
        env = with_receiver_placeholders(bot_env(sim, database=database, config_dir=config_dir), config)
        try:
            bot = LocalBot(env).start()
        except RuntimeError as error:
            # The server's own one-line reason is the last line of its log.
            reason = str(error).strip().splitlines()[-1].removeprefix("finops-bot: ")
            print(f"finops-bot: demo: the bot did not start: {reason}", file=sys.stderr)
            return 1
        if config.routing.receivers.any:
            # So a signed alert can be sent to them while the demo runs (secrets: the environment's).
            print(f"Alert receivers on http://127.0.0.1:{bot.port}/alerts/…", file=out)
        try:
            if interactive:
                return _interactive(
                    sim, bot, router, alerts_channel, person, out, sys.stdin if typed is None else typed
                )
            first_reply = None
            skipped: list[int] = []
            for message in sample_feed(feed, feed_text, skipped):
                reply = _post(sim, bot, router, alerts_channel, person, message)
                first_reply = first_reply or reply
            if feed is not None or feed_text is not None:
                # A feed of one's own replaces the whole sample: only its messages, as posted.
                print(sim.render_channel(alerts_channel), file=out)
                if skipped:  # as route --jsonl: the rest is done, and the exit status says not all of it
                    print(f"finops-bot: demo: {len(skipped)} feed line(s) skipped (see above)", file=sys.stderr)
                    return 1
                return 0
            # Taken before the commands run, so `/finops open` shows it Taken, as the reply above it does.
            if first_reply is not None:
                taker = next(iter(members.values()))
                payload = sim.block_actions_payload(first_reply["ts"], alerts_channel, ACTION_TAKE, user_id=taker)
                sim.send_action(bot.url, payload)
                sim.wait_for("chat.update", timeout=REPLY_TIMEOUT)
            for text in DEMO_COMMANDS:
                sim.send_command(bot.url, text=text, user_id=person, channel_id=sim.channel_id(alerts_channel))
            print(sim.render_channel(alerts_channel), file=out)
        finally:
            bot.stop()
    return 0


def with_receiver_placeholders(env: dict[str, str], config: BotConfig) -> dict[str, str]:
    """``env`` with a throwaway value for each secret the config's receivers need and neither ``env`` nor
    the environment the demo runs in has.

    `serve` refuses to start without them (rightly, in production), but the demo's server is local,
    no cloud can reach it, and the demo sends no alert to a receiver: a config with ``receivers:``
    must still run in the demo. A secret set in the environment is kept (the server inherits it), so
    a signed request sent to the demo's receivers with it is accepted.
    """
    for variable, _needed_by in missing_secrets(Settings.from_env({**os.environ, **env}), config.routing.receivers):
        env[variable] = f"demo:{secrets.token_hex(12)}"  # also the user:password shape basic auth needs
    return env


def _post(
    sim, bot: LocalBot, router: Router, channel: str, person: str, message: dict, *, typed: bool = False
) -> dict | None:
    """Post one feed message as its author would, and wait for the bot's reply if one is due.

    ``typed``: a line of ``--interactive``, posted by the person typing it unless it names an app.
    """
    # Alert tools post as apps; the sample feed marks them by attachments/blocks or a name.
    author = message.get("bot_name") or message.get("username")
    if not typed and not author and (message.get("attachments") or message.get("blocks") or _looks_automated(message)):
        author = "Cost alerts"
    kwargs = {
        "text": message.get("text", ""),
        "attachments": message.get("attachments"),
        "blocks": message.get("blocks"),
    }
    if author:
        ts = sim.post_message(bot.url, channel, bot_id=_bot_id(sim, author), username=author, **kwargs)
    else:
        ts = sim.post_message(bot.url, channel, user=person, **kwargs)
    if not router.route(message).is_request:
        return None
    try:
        replies = sim.wait_for_replies(channel, ts, count=1, timeout=REPLY_TIMEOUT)
    except TimeoutError:
        # Not a crash: a silence with `silences.slack_messages: no_reply` answers nothing, by design.
        shown = " ".join(str(message.get("text") or "").split())[:60]
        print(
            f"finops-bot: demo: no reply within {REPLY_TIMEOUT:g} s to “{shown}” "
            "(muted with silences.slack_messages: no_reply?); going on",
            file=sys.stderr,
        )
        return None
    return replies[0] if replies else None


def _looks_automated(message: dict) -> bool:
    text = str(message.get("text", ""))
    return (
        text.startswith(("*AWS", "AWS ", "```", ":warning:", "*:gcp:", "*Savings Plans", "[Infracost]")) or "\n" in text
    )


_BOTS: dict[str, str] = {}


def _bot_id(sim, name: str) -> str:
    if name not in _BOTS:
        _BOTS[name] = sim.add_bot(name)
    return _BOTS[name]


# A typed line starting so is posted by an alert app, so a repeat or a silence (source=app) shows.
ALERT_PREFIX = "alert:"


def _interactive(sim, bot: LocalBot, router: Router, channel: str, person: str, out, typed: Iterable[str]) -> int:
    print(
        f"Type a message to post in #{channel}, or a command such as `/finops who-owns budgets`. "
        f"Start a line with `{ALERT_PREFIX}` to post it as the 'Cost alerts' app (an app's alert that comes "
        "again is a repeat). An empty line or Ctrl-D quits.",
        file=out,
    )
    shown = 0
    for line in typed:
        line = line.strip()
        if not line:
            break
        if line.startswith("/finops"):
            sim.send_command(
                bot.url, text=line[len("/finops") :].strip(), user_id=person, channel_id=sim.channel_id(channel)
            )
        elif line.lower().startswith(ALERT_PREFIX):
            alert = {"text": line[len(ALERT_PREFIX) :].strip(), "bot_name": "Cost alerts"}
            _post(sim, bot, router, channel, person, alert, typed=True)
        else:
            _post(sim, bot, router, channel, person, {"text": line}, typed=True)
        shown = _show_new(sim, channel, shown, out)
    # What arrived since the last line typed (an alert sent to the receivers meanwhile).
    _show_new(sim, channel, shown, out, only_if_new=True)
    return 0


def _show_new(sim, channel: str, shown: int, out, *, only_if_new: bool = False) -> int:
    """Print the channel's rendering past the ``shown`` characters already printed; the new length."""
    rendering = sim.render_channel(channel)
    if only_if_new and len(rendering) <= shown:
        return shown
    print(rendering[shown:] if rendering.startswith(rendering[:shown]) else rendering, file=out)
    return len(rendering)

"""`/finops` — answered in the acknowledgement itself, well inside Slack's 3 seconds."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App

from bot.services.commands import Commands
from bot.slack.payloads import command_request


def slack_unescaped(text: str) -> str:
    """The text as the person typed it: Slack sends a command's ``& < >`` as ``&amp; &lt; &gt;``.

    The answers escape whatever they quote back, so text left escaped here would show
    as ``&amp;lt;`` in Slack, and a silence's reason would be stored with the entities.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def on_finops(ack: Ack, command: dict, commands: Commands) -> None:
    request = command_request(command)
    ack(commands.respond(replace(request, text=slack_unescaped(request.text))))


def register(app: App, commands: Commands) -> None:
    app.command("/finops")(lambda ack, command: on_finops(ack, command, commands))

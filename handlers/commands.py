"""`/finops` — answered in the acknowledgement itself, well inside Slack's 3 seconds."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.services.commands import Commands
from bot.slack.payloads import command_request


def on_finops(ack: Ack, command: dict, commands: Commands) -> None:
    ack(commands.respond(command_request(command)))


def register(app: App, commands: Commands) -> None:
    app.command("/finops")(lambda ack, command: on_finops(ack, command, commands))

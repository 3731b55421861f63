"""`/finops` — answered in the acknowledgement itself, well inside Slack's 3 seconds."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.slack.payloads import command_request


def register(app: App, services) -> None:
    @app.command("/finops")
    def finops(ack: Ack, command: dict) -> None:
        ack(services.commands.respond(command_request(command)))

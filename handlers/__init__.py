"""Slack surfaces: module-level listeners, each typed against the one service it calls.

A listener acknowledges, converts the payload (``bot.slack.payloads``), calls
one service method and sends what it returns; logic lives in ``bot.services``.
``register_all`` is called by the composition root (``bot.app``) only.
"""

from __future__ import annotations

from slack_bolt import App

from bot.services.commands import Commands
from bot.services.home import Home
from bot.services.intake import Intake
from bot.services.lifecycle import Lifecycle
from bot.services.silencing import Silencing
from handlers import actions, commands, home, messages


def register_all(
    app: App,
    *,
    intake: Intake,
    commands_service: Commands,
    lifecycle: Lifecycle,
    home_view: Home,
    silencing: Silencing | None = None,
) -> None:
    messages.register(app, intake)
    commands.register(app, commands_service)
    actions.register(app, lifecycle, silencing)
    home.register(app, home_view)

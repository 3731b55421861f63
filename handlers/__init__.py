"""Slack surfaces. Each module has one ``register(app, services)``.

A listener acknowledges, converts the payload (``bot.slack.payloads``), calls
one service method and sends what it returns. Logic lives in ``bot``.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, home, messages


def register_all(app: App, services) -> None:
    for surface in (commands, messages, actions, home):
        surface.register(app, services)

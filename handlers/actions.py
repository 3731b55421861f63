"""The buttons on a routed request's reply: Take it, Reassign, Not a FinOps request, Resolved."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.render.replies import LIFECYCLE_ACTIONS
from bot.services.lifecycle import Lifecycle
from bot.slack.payloads import action_press


def on_press(ack: Ack, body: dict, respond: Respond, lifecycle: Lifecycle) -> None:
    ack()
    outcome = lifecycle.press(action_press(body))
    if not outcome.ok:
        respond(text=outcome.message, response_type="ephemeral", replace_original=False)


def register(app: App, lifecycle: Lifecycle) -> None:
    for action_id in LIFECYCLE_ACTIONS:
        app.action(action_id)(lambda ack, body, respond: on_press(ack, body, respond, lifecycle))

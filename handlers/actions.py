"""The buttons on a routed request's reply: Take it, Reassign, Not a FinOps request, Resolved."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.render import LIFECYCLE_ACTIONS
from bot.slack.payloads import action_press


def register(app: App, services) -> None:
    for action_id in LIFECYCLE_ACTIONS:

        @app.action(action_id)
        def on_press(ack: Ack, body: dict, respond: Respond) -> None:
            ack()
            outcome = services.lifecycle.press(action_press(body))
            if not outcome.ok:
                respond(text=outcome.message, response_type="ephemeral", replace_original=False)

"""The buttons on a routed request's reply: Take it, Reassign, Not a FinOps request, Resolved; Mute similar."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.render.replies import LIFECYCLE_ACTIONS
from bot.render.silences import ACTION_MUTE_SIMILAR
from bot.services.lifecycle import Lifecycle
from bot.services.silencing import Silencing
from bot.slack.payloads import action_press


def on_press(ack: Ack, body: dict, respond: Respond, lifecycle: Lifecycle) -> None:
    ack()
    outcome = lifecycle.press(action_press(body))
    if not outcome.ok:
        respond(text=outcome.message, response_type="ephemeral", replace_original=False)


def on_mute_similar(ack: Ack, body: dict, respond: Respond, silencing: Silencing) -> None:
    ack()
    press = action_press(body)
    if press is None:
        return
    outcome = silencing.mute_similar(press)
    if not outcome.ok:
        respond(text=outcome.message["text"], response_type="ephemeral", replace_original=False)


def register(app: App, lifecycle: Lifecycle, silencing: Silencing | None = None) -> None:
    for action_id in LIFECYCLE_ACTIONS:
        app.action(action_id)(lambda ack, body, respond: on_press(ack, body, respond, lifecycle))
    if silencing is not None:
        app.action(ACTION_MUTE_SIMILAR)(lambda ack, body, respond: on_mute_similar(ack, body, respond, silencing))

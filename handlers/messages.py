"""Messages in watched channels, from people and from alert bots."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltRequest

from bot.services.intake import Intake
from bot.slack.payloads import incoming_message


def on_message(ack: Ack, body: dict, request: BoltRequest, intake: Intake) -> None:
    # Every message event is acknowledged, even ones we ignore, so Slack never
    # retries for lack of a listener. The route is committed before the ack
    # returns (process_before_response), so an acknowledged event is never lost.
    retry_num = request.headers.get("x-slack-retry-num", ["0"])[0]
    message = incoming_message(body, retry_num=int(retry_num) if retry_num.isdigit() else 0)
    if message is not None:
        intake.handle(message)
    ack()


def register(app: App, intake: Intake) -> None:
    # bolt passes arguments by name: the lambda's parameter names select them.
    app.event("message")(lambda ack, body, request: on_message(ack, body, request, intake))

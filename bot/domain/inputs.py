"""What the Slack surfaces hand to the services: plain values, already checked.

``bot.slack.payloads`` builds these from whatever Slack (or an attacker) sent;
the services never see a raw payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IncomingMessage:
    event_id: str | None
    retry_num: int
    team_id: str
    channel_id: str
    ts: str
    user_id: str | None
    bot_id: str | None
    app_name: str | None
    # The routable part of the message, as delivered: text, attachments, blocks.
    message: Mapping[str, Any]

    @property
    def source(self) -> str:
        return "app" if self.bot_id else "person"

    @property
    def ref(self) -> str:
        return f"{self.channel_id}:{self.ts}"


@dataclass(frozen=True)
class CommandRequest:
    text: str
    user_id: str
    channel_id: str
    team_id: str


@dataclass(frozen=True)
class ActionPress:
    action_id: str
    request_ref: str  # "<channel id>:<message ts>"
    to_persona: str | None
    user_id: str
    team_id: str
    # The bot reply the button sits on (None for App Home buttons).
    reply_ts: str | None = None

"""The payloads Slack sends for slash commands and button presses, built from the simulated workspace.

A mixin of ``SlackSimulator``, apart so the simulator module keeps one job.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from bot.devtools.simulator.web_api import ResponseTarget, WebApi
from bot.devtools.simulator.workspace import JSONDict, Workspace


class InteractionPayloads:
    workspace: Workspace
    verification_token: str
    general_channel_id: str
    _web_api: WebApi

    if TYPE_CHECKING:  # provided by SlackSimulator

        @property
        def team_id(self) -> str: ...

        @property
        def app_id(self) -> str: ...

        @property
        def base_url(self) -> str: ...

    def _default_user(self) -> str:
        with self.workspace.lock:
            for user in self.workspace.users.values():
                if not user.is_bot:
                    return user.id
        raise ValueError("no simulated person to act as: add one with add_user()")

    def command_payload(
        self, command: str = "/finops", text: str = "", *, user_id: str | None = None, channel_id: str | None = None
    ) -> JSONDict:
        """The fields Slack sends for a slash command, with a fresh response_url and trigger_id.

        ``text`` is what the person typed; like Slack, the payload carries its ``& < >`` as
        ``&amp; &lt; &gt;``.
        """
        user = self.workspace.users[self.workspace.resolve_user(user_id) if user_id else self._default_user()]
        channel = self.workspace.find_channel(channel_id or self.general_channel_id)
        if channel is None:
            raise ValueError(f"unknown simulated channel {channel_id!r}")
        response_id = self._web_api.register_response_target(ResponseTarget(channel.id, user.id))
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.workspace.team_domain,
            "channel_id": channel.id,
            "channel_name": channel.name if not channel.is_im else "directmessage",
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": f"{self.base_url}/response/{response_id}",
            "trigger_id": self._trigger_id(),
        }

    def block_actions_payload(
        self,
        message_ts: str,
        channel: str,
        action_id: str,
        value: str | None = None,
        user_id: str | None = None,
    ) -> JSONDict:
        """The `block_actions` payload for a click on button `action_id` of a stored message."""
        channel_id = self.workspace.resolve_channel(channel)
        user = self.workspace.users[self.workspace.resolve_user(user_id) if user_id else self._default_user()]
        stored = self.workspace.find_message(channel_id, message_ts)
        if stored is None:
            raise ValueError(f"no message {message_ts} in {channel}")
        message = self.workspace.snapshot(stored)
        block_id, button = find_action(message, action_id)
        response_id = self._web_api.register_response_target(ResponseTarget(channel_id, user.id, message_ts=message_ts))
        channel_obj = self.workspace.channels[channel_id]
        return {
            "type": "block_actions",
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": self.team_id},
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": stored.visible_to is not None,
            },
            "trigger_id": self._trigger_id(),
            "team": {"id": self.team_id, "domain": self.workspace.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_obj.name},
            "message": message,
            "state": {"values": {}},
            "response_url": f"{self.base_url}/response/{response_id}",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": button.get("text", {"type": "plain_text", "text": action_id}),
                    "value": value if value is not None else button.get("value"),
                    "type": button.get("type", "button"),
                    "action_ts": self.workspace.timestamps.next_ts(),
                }
            ],
        }

    def _trigger_id(self) -> str:
        return f"{int(self.workspace.clock())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def find_action(message: JSONDict, action_id: str) -> tuple[str, JSONDict]:
    """(block_id, element) of the interactive element `action_id` in a message's blocks."""
    seen: list[str] = []
    block_lists = [message.get("blocks") or []] + [a.get("blocks") or [] for a in message.get("attachments") or []]
    for blocks in block_lists:
        for block in blocks:
            candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
            if block.get("accessory"):
                candidates.append(block["accessory"])
            for element in candidates:
                if not isinstance(element, dict) or "action_id" not in element:
                    continue
                seen.append(element["action_id"])
                if element["action_id"] == action_id:
                    return block.get("block_id", ""), element
    raise ValueError(f"no element with action_id {action_id!r} in the message (has: {seen or 'none'})")

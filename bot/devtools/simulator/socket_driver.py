"""The simulator's Socket Mode side: pushing envelopes to connected clients and reading their acks.

A mixin of ``SlackSimulator``: it uses the simulator's workspace, payload
builders and Socket Mode server, and keeps the simulator module to one job.
"""

from __future__ import annotations

import secrets
import threading
from typing import TYPE_CHECKING, Any

from bot.devtools.simulator.socket_mode import SocketModeServer
from bot.devtools.simulator.workspace import JSONDict

if TYPE_CHECKING:
    from bot.devtools.simulator.app_client import AppResponse


class SocketModeDriver:
    _socket: SocketModeServer | None
    _socket_lock: threading.Lock
    _socket_command_responses: dict[str, str]

    if TYPE_CHECKING:

        def event_envelope(self, event: JSONDict, event_id: str | None = None) -> JSONDict: ...

        def record_message(
            self,
            channel: str,
            user: str | None = None,
            text: str = "",
            *,
            attachments: list[JSONDict] | None = None,
            blocks: list[JSONDict] | None = None,
            bot_id: str | None = None,
            username: str | None = None,
            subtype: str | None = None,
            thread_ts: str | None = None,
        ) -> JSONDict: ...

        def command_payload(
            self, command: str = "/finops", text: str = "", *, user_id: str | None = None, channel_id: str | None = None
        ) -> JSONDict: ...

        def _echo_command(self, payload: JSONDict) -> None: ...

        def _show_ack_reply(self, response_url: str, body: Any) -> AppResponse | None: ...

    def _issue_socket_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("this simulator was created with socket_mode=False")
        return self._socket.issue_url()

    def _require_socket(self) -> SocketModeServer:
        if self._socket is None:
            raise RuntimeError("this simulator was created with socket_mode=False")
        return self._socket

    def wait_for_socket_connection(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until `count` Socket Mode clients are connected."""
        self._require_socket().wait_for_connection(count, timeout)

    def socket_send(self, envelope: JSONDict) -> str:
        """Push a raw envelope to the newest connected client; returns its envelope_id."""
        envelope = {"envelope_id": secrets.token_hex(16), **envelope}
        self._require_socket().send(envelope)
        return envelope["envelope_id"]

    def socket_send_event(self, event: JSONDict, *, event_id: str | None = None, retry_attempt: int = 0) -> str:
        """Push an Events API event over Socket Mode; returns the envelope_id."""
        return self.socket_send(
            {
                "type": "events_api",
                "payload": self.event_envelope(event, event_id),
                "accepts_response_payload": False,
                "retry_attempt": retry_attempt,
                "retry_reason": "" if retry_attempt == 0 else "timeout",
            }
        )

    def socket_post_message(
        self, channel: str, user: str | None = None, text: str = "", **fields: Any
    ) -> tuple[str, str]:
        """A message posted in a channel and delivered over Socket Mode; returns (ts, envelope_id)."""
        event = self.record_message(channel, user, text, **fields)
        return event["ts"], self.socket_send_event(event)

    def socket_send_command(
        self, command: str = "/finops", text: str = "", *, user_id: str | None = None, channel_id: str | None = None
    ) -> str:
        """Push a slash command over Socket Mode; returns the envelope_id.

        A reply in the ack's `payload` shows up in the channel like an HTTP ack body.
        """
        payload = self.command_payload(command, text, user_id=user_id, channel_id=channel_id)
        self._echo_command(payload)
        envelope_id = secrets.token_hex(16)
        with self._socket_lock:
            self._socket_command_responses[envelope_id] = payload["response_url"]
        return self.socket_send(
            {"envelope_id": envelope_id, "type": "slash_commands", "payload": payload, "accepts_response_payload": True}
        )

    def socket_send_action(self, payload: JSONDict) -> str:
        """Push an interactivity payload over Socket Mode; returns the envelope_id."""
        return self.socket_send({"type": "interactive", "payload": payload, "accepts_response_payload": False})

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> JSONDict:
        """Block until the client acknowledges `envelope_id`; returns its ack message."""
        return self._require_socket().wait_for_ack(envelope_id, timeout)

    def socket_disconnect_all(self, reason: str = "refresh_requested") -> None:
        """Send Slack's `disconnect` message to every client, as Slack does before rotating hosts."""
        self._require_socket().disconnect_all(reason)

    def socket_close_all(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every Socket Mode connection from Slack's side (clients may reconnect)."""
        self._require_socket().close_all(code, reason)

    def socket_received(self) -> list[JSONDict]:
        """Every message Socket Mode clients sent (acks mostly), oldest first."""
        return self._require_socket().received()

    def _on_socket_ack(self, ack: JSONDict) -> None:
        with self._socket_lock:
            response_url = self._socket_command_responses.pop(ack.get("envelope_id", ""), None)
        if response_url is not None:
            self._show_ack_reply(response_url, ack.get("payload"))

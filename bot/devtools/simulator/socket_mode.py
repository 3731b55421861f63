"""A fake Slack Socket Mode endpoint: a websocket server on 127.0.0.1.

`apps.connections.open` hands out `ws://127.0.0.1:PORT/link/?ticket=...`; a
client connecting with a valid ticket gets Slack's `hello` message, then the
envelopes the test pushes (`events_api`, `slash_commands`, `interactive`), and
every acknowledgement it sends back (`{"envelope_id": ..., "payload": ...}`) is
recorded for `wait_for_ack`. Plain RFC 6455 without compression, which is what
slack_sdk's builtin client speaks; the server's keepalive pings are answered by it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

JSONDict = dict[str, Any]
logger = logging.getLogger(__name__)


class SocketModeServer:
    """Accepts Socket Mode clients and exchanges envelopes with them."""

    def __init__(
        self,
        app_id: str,
        *,
        ping_interval: float | None = 20,
        on_ack: Callable[[JSONDict], None] | None = None,
    ) -> None:
        self._app_id = app_id
        self._on_ack = on_ack
        self._ping_interval = ping_interval
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._received: list[JSONDict] = []
        self._acks: dict[str, JSONDict] = {}
        self._changed = threading.Condition()

    # ------------------------------------------------------------- lifecycle

    def start(self) -> None:
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            compression=None,
            process_request=self._check_ticket,
            ping_interval=self._ping_interval,
            close_timeout=1,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-socket-mode", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("Socket Mode server not started")
        return self._server.socket.getsockname()[1]

    def issue_url(self) -> str:
        """A fresh connection URL, as `apps.connections.open` returns."""
        ticket = secrets.token_urlsafe(16)
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self._app_id}"

    # ---------------------------------------------------------- connections

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._changed:
            valid = ticket in self._tickets
        if not valid:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or expired ticket\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": len(self._connections) + 1,
            "debug_info": {"host": "simulator", "build_number": 1, "approximate_connection_time": 3600},
            "connection_info": {"app_id": self._app_id},
        }
        connection.send(json.dumps(hello))
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            for raw in connection:
                self._record(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._changed.notify_all()

    def _record(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = {"unparsed": raw if isinstance(raw, str) else raw.decode("utf-8", "replace")}
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        # The callback runs before waiters wake, so whatever it records is
        # visible to a test as soon as wait_for_ack returns.
        if envelope_id and self._on_ack is not None:
            try:
                self._on_ack(message)
            except Exception:  # keep the connection; the failure is the simulator's, not the client's
                logger.exception("simulator could not apply the ack of envelope %s", envelope_id)
        with self._changed:
            self._received.append(message)
            if envelope_id:
                self._acks[envelope_id] = message
            self._changed.notify_all()

    @property
    def connection_count(self) -> int:
        with self._changed:
            return len(self._connections)

    def wait_for_connection(self, count: int = 1, timeout: float = 5.0) -> None:
        self._wait(lambda: len(self._connections) >= count, timeout, f"{count} Socket Mode connection(s)")

    # -------------------------------------------------------------- traffic

    def send(self, envelope: JSONDict, timeout: float = 5.0) -> None:
        """Deliver an envelope to the newest connected client (Slack picks one connection)."""
        self.wait_for_connection(1, timeout)
        with self._changed:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))

    def disconnect_all(self, reason: str = "refresh_requested") -> None:
        """Ask clients to reconnect, as Slack does periodically."""
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.send(
                    json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "simulator"}})
                )
            except ConnectionClosed:
                pass

    def close_all(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every client connection from the server side."""
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            connection.close(code, reason)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JSONDict:
        self._wait(lambda: envelope_id in self._acks, timeout, f"the ack of envelope {envelope_id}")
        with self._changed:
            return self._acks[envelope_id]

    def received(self) -> list[JSONDict]:
        with self._changed:
            return list(self._received)

    def _wait(self, ready: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"waited {timeout}s for {what}")
                self._changed.wait(remaining)

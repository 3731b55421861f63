"""The HTTP face of the fake Slack: `/api/<method>` and `/response/<id>` on 127.0.0.1.

Built for throughput (the benchmark drives thousands of calls a second through
it): a thread per connection, HTTP/1.1 keep-alive, TCP_NODELAY, each response
written with a single send, no access log.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.devtools.simulator.failures import FailurePlan
from bot.devtools.simulator.rate_limits import PostRateLimit
from bot.devtools.simulator.recording import Call, CallLog
from bot.devtools.simulator.web_api import WebApi

JSONDict = dict[str, Any]

# Parameters the Web API takes as JSON strings in form-encoded requests.
JSON_PARAMS = frozenset({"blocks", "attachments", "view", "metadata", "unfurls"})
RESPONSE_URL_METHOD = "response_url"


class SimulatorHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, web_api: WebApi, failures: FailurePlan, call_log: CallLog) -> None:
        super().__init__(("127.0.0.1", 0), SimulatorRequestHandler)
        self.web_api = web_api
        self.failures = failures
        self.call_log = call_log
        self.post_limit: PostRateLimit | None = None  # Slack's per-channel limit, when asked for
        self._open_sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def track(self, sock: socket.socket) -> None:
        with self._sockets_lock:
            self._open_sockets.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._sockets_lock:
            self._open_sockets.discard(sock)

    def close_open_connections(self) -> None:
        """Drop idle keep-alive connections so their handler threads end with the server."""
        with self._sockets_lock:
            sockets = list(self._open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def parse_params(content_type: str, body: bytes, query: str) -> JSONDict:
    """Web API parameters from a query string and a form-encoded or JSON body."""
    params: JSONDict = dict(parse_qsl(query, keep_blank_values=True))
    if body:
        if content_type.startswith("application/json"):
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            params.update(decoded)
        elif content_type.startswith("application/x-www-form-urlencoded") or not content_type:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str) and value:
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # left as the string: the method answers invalid_arguments/invalid_blocks
    return params


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorHttpServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded in the CallLog; stderr noise helps nobody

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        arrived = time.monotonic()
        body = self._read_body()
        split = urlsplit(self.path)
        if split.path.startswith("/api/"):
            self._web_api(split.path[len("/api/") :], split.query, body, arrived)
        elif split.path.startswith("/response/"):
            self._response_url(split.path[len("/response/") :], body, arrived)
        else:
            self._send(404, b"not found\n", "text/plain")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _web_api(self, method: str, query: str, body: bytes, arrived: float) -> None:
        server = self.server
        try:
            params = parse_params(self.headers.get("Content-Type", ""), body, query)
        except (ValueError, UnicodeDecodeError):
            self._send_json(200, {"ok": False, "error": "invalid_json"})
            return
        token = _bearer_token(self.headers.get("Authorization")) or params.get("token")
        params.pop("token", None)

        status, headers = 200, dict[str, str]()
        failure = server.failures.take(method)
        injected = failure.response() if failure else None
        if failure is not None and failure.delay:
            server.failures.wait_out(failure.delay)
        if injected is None and method == "chat.postMessage" and server.post_limit is not None:
            wait = server.post_limit.admit(str(params.get("channel") or ""))
            if wait is not None:
                injected = 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
        if injected is not None:
            status, headers, answer = injected
        else:
            try:
                answer = server.web_api.call(method, params, token)
            except Exception as error:  # a simulator bug or input it can't model: say so, keep serving
                status, answer = 500, {"ok": False, "error": "internal_error", "simulator_exception": repr(error)}
        server.call_log.record(Call(method, params, token, arrived, status, answer))
        self._send_json(status, answer, headers)

    def _response_url(self, response_id: str, body: bytes, arrived: float) -> None:
        try:
            payload = json.loads(body) if body else {}
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            self._send(400, b"invalid_payload", "text/plain")
            return
        status, text = self.server.web_api.post_to_response_url(response_id, payload)
        self.server.call_log.record(
            Call(
                RESPONSE_URL_METHOD,
                {**payload, "response_id": response_id},
                None,
                arrived,
                status,
                {"ok": status == 200, "error": None if status == 200 else text},
            )
        )
        self._send(status, text.encode(), "text/plain")

    def _send_json(self, status: int, answer: JSONDict, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(answer).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        # One write for head and body: split writes meet Nagle + delayed ACK on
        # keep-alive connections and cost ~40 ms per request.
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        lines = [
            f"HTTP/1.1 {status} {reason}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def _bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[len("bearer ") :].strip() or None
    return None

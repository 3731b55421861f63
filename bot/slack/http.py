"""A Slack WebClient that keeps its HTTP connections open (keep-alive), a small pool per host.

slack_sdk's WebClient opens a new connection (TCP and TLS handshakes) for every
call. ``PooledWebClient`` overrides the public ``api_call``, which every Web API
method goes through, and sends the request over a pooled ``http.client``
connection instead. Everything else stays slack_sdk's: the request's token and
headers, its retry handlers (asked the same questions with the same public
``RetryState``/``HttpRequest``/``HttpResponse`` types), ``SlackResponse`` and
its ``SlackApiError``. File uploads, proxies and OAuth's basic auth are left to
slack_sdk's own implementation.

Each call is counted for ``/metrics`` by method and HTTP status.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.request import HttpRequest as RetryRequest
from slack_sdk.http_retry.response import HttpResponse as RetryResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.version import __version__ as SLACK_SDK_VERSION
from slack_sdk.web.slack_response import SlackResponse

from bot.telemetry.metrics import SLACK_CALLS, SLACK_RATE_LIMITED

MAX_IDLE_PER_HOST = 16  # the relay's senders plus the server's threads, roughly
USER_AGENT = f"finops-bot slack_sdk/{SLACK_SDK_VERSION} Python/http.client"
# A reused connection the server had already closed fails before any answer: send once more on a new one.
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class ConnectionPool:
    """Idle keep-alive connections per (scheme, host, port); thread-safe."""

    def __init__(self, timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self.opened = 0  # connections made, for tests and benchmarks

    def request(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection, reused = self._take(key)
        try:
            return self._send(key, connection, path, body, headers)
        except STALE_CONNECTION:
            connection.close()
            if not reused:
                raise
            return self._send(key, self._open(key), path, body, headers)
        except BaseException:
            connection.close()
            raise

    def _send(self, key, connection, path: str, body: bytes, headers: dict[str, str]):
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        answer_headers = dict(response.getheaders())
        if response.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        return response.status, answer_headers, data

    def _take(self, key) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop(), True
        return self._open(key), False

    def _open(self, key) -> http.client.HTTPConnection:
        scheme, host, port = key
        with self._lock:
            self.opened += 1
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self.ssl_context or ssl.create_default_context()
            )
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _give_back(self, key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_HOST:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.close()


class PooledWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = ConnectionPool(self.timeout, self.ssl)

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict | None = None,
        data: dict | None = None,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        auth: dict | None = None,
    ) -> SlackResponse:
        if files or auth or self.proxy:
            return super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        request_headers = {"User-Agent": USER_AGENT, **self.headers, **(headers or {})}
        form = {**(self.default_params or {}), **(params or {}), **(data or {})}
        # A method may carry its own token (apps.connections.open takes the app token), as in WebClient.
        token = form.pop("token", None) or self.token
        if token:
            request_headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            body = _json_bytes(json)
            request_headers["Content-Type"] = "application/json;charset=utf-8"
        else:
            body = urlencode({k: _form_value(v) for k, v in form.items() if v is not None}).encode()
            request_headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self._call(api_method, body, request_headers, form, json)

    def api_call_json_body(self, api_method: str, body: bytes, json: dict | None = None) -> SlackResponse:
        """``api_call(api_method, json=...)`` with the JSON request body already encoded (UTF-8).

        ``json``: the value ``body`` encodes, kept in the response's ``req_args`` as ``api_call`` keeps it.
        The outbox relay posts the payload text its writer stored, rather than encoding the payload again.
        """
        if self.proxy:
            return self.api_call(api_method, json=json if json is not None else _loads(body))
        request_headers = {"User-Agent": USER_AGENT, **self.headers}
        if self.token:
            request_headers["Authorization"] = f"Bearer {self.token}"
        request_headers["Content-Type"] = "application/json;charset=utf-8"
        return self._call(api_method, body, request_headers, dict(self.default_params or {}), json)

    def _call(
        self, api_method: str, body: bytes, request_headers: dict[str, str], form: dict, json: dict | None
    ) -> SlackResponse:
        url = self.base_url + api_method
        status, answer_headers, raw = self._send_with_retries(api_method, url, body, request_headers)
        parsed = _parse(raw, status)
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=url,
            req_args={"headers": request_headers, "params": form, "json": json, "data": {}, "files": None},
            data=parsed,
            headers=answer_headers,
            status_code=status,
        ).validate()

    def _send_with_retries(
        self, method: str, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """One call, asking slack_sdk's retry handlers after each failure, as WebClient itself does."""
        state = RetryState()
        request = RetryRequest(method="POST", url=url, headers=dict(headers), data=body)
        while True:
            state.next_attempt_requested = False
            try:
                status, answer_headers, raw = self.pool.request(url, body, headers)
            except TimeoutError:
                SLACK_CALLS.labels(method, "timeout").inc()
                raise
            except (OSError, http.client.HTTPException) as error:
                SLACK_CALLS.labels(method, "connection_error").inc()
                wrapped = error if isinstance(error, URLError) else URLError(error)
                for handler in self.retry_handlers:
                    if handler.can_retry(state=state, request=request, response=None, error=wrapped):
                        handler.prepare_for_next_attempt(state=state, request=request, response=None, error=wrapped)
                        break
                if not state.next_attempt_requested:
                    raise wrapped from error
                continue
            SLACK_CALLS.labels(method, str(status)).inc()
            if status == 429:
                SLACK_RATE_LIMITED.labels(method).inc()
            response = RetryResponse(
                status_code=status,
                headers={k: [v] for k, v in answer_headers.items()},
                body=_parse(raw, status) if raw.startswith(b"{") else {},
                data=raw,
            )
            for handler in self.retry_handlers:
                if handler.can_retry(state=state, request=request, response=response):
                    handler.prepare_for_next_attempt(state=state, request=request, response=response)
                    break
            if not state.next_attempt_requested:
                return status, answer_headers, raw


_loads = json.loads  # for methods whose parameter named ``json`` hides the module


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value).encode()


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _parse(raw: bytes, status: int) -> dict:
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        return {"ok": False, "error": f"http_{status}" if status != 200 else "unexpected_response"}
    return parsed

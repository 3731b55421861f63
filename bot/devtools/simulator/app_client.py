"""Slack's side of the request URL: signed HTTP requests to an app, over kept-alive connections.

Signing follows Slack's v0 scheme: `X-Slack-Signature: v0=` + hex HMAC-SHA256 of
`v0:{timestamp}:{body}` keyed by the signing secret, with the timestamp in
`X-Slack-Request-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Slack-Signature` value Slack sends for `body` at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(signing_secret: str, body: bytes, timestamp: int | str | None = None) -> dict[str, str]:
    """Slack's two signature headers for `body` (timestamp defaults to now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack_signature(signing_secret, ts, body)}


class AppResponse(NamedTuple):
    """The app's answer: HTTP status and body (decoded JSON when it is JSON, else text)."""

    status: int
    body: Any


class AppRequestError(RuntimeError):
    """The app answered a delivery that should have succeeded with a non-2xx status."""


class AppClient:
    """Sends signed requests to apps; one kept-alive connection per thread and app address."""

    def __init__(self, signing_secret: str, timeout: float = 10.0) -> None:
        self._signing_secret = signing_secret
        self._timeout = timeout
        self._local = threading.local()
        self._all: set[http.client.HTTPConnection] = set()
        self._all_lock = threading.Lock()

    def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        extra_headers: dict[str, str] | None = None,
        signing_secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> AppResponse:
        secret = self._signing_secret if signing_secret is None else signing_secret
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **signed_headers(secret, body, timestamp),
            **(extra_headers or {}),
        }
        split = urlsplit(url)
        path = split.path or "/"
        if split.query:
            path += "?" + split.query
        # An idle kept-alive connection the app has closed fails on first use;
        # only then is the request sent again, on a fresh connection. A fresh
        # connection that fails is not retried: the app may have acted on it.
        while True:
            connection, reused = self._connection(split.scheme, split.netloc)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                raw = response.read()
            except (ConnectionError, http.client.BadStatusLine, http.client.CannotSendRequest):
                self._drop(split.netloc)
                if reused:
                    continue
                raise
            if response.will_close:
                self._drop(split.netloc)
            return AppResponse(response.status, _decode(raw, response.getheader("Content-Type", "")))

    def close(self) -> None:
        """Close every connection this client opened, in any thread."""
        with self._all_lock:
            connections = list(self._all)
            self._all.clear()
        for connection in connections:
            connection.close()

    def _pool(self) -> dict[str, http.client.HTTPConnection]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        pool = self._pool()
        connection = pool.get(netloc)
        if connection is not None:
            return connection, True
        factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = factory(netloc, timeout=self._timeout)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pool[netloc] = connection
        with self._all_lock:
            self._all.add(connection)
        return connection, False

    def _drop(self, netloc: str) -> None:
        connection = self._pool().pop(netloc, None)
        if connection is not None:
            with self._all_lock:
                self._all.discard(connection)
            connection.close()


def _decode(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text

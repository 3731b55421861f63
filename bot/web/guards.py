"""Checks a request to the Slack endpoint passes before bolt sees it.

Order matters for cost: the size and the signature headers are checked first,
then the body is read (bounded) and its HMAC compared, and only a request Slack
really signed is parsed. An unsigned or forged request therefore costs one
bounded read and one HMAC, is answered 401 and never reaches a JSON parser; a
signed body of the wrong shape is answered 400. Nothing here raises or logs a
traceback: every outcome is a ``Rejection`` or ``None`` (go ahead).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bot.slack.payloads import is_well_formed_payload

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Slack's own payloads are far smaller
# Slack's own rule: a request whose timestamp is further than this from now is a replay.
MAX_CLOCK_SKEW_SECONDS = 300
MAX_TIMESTAMP_DIGITS = 12


@dataclass(frozen=True)
class Rejection:
    status: str
    error: str

    def respond(self, start_response: Callable) -> list[bytes]:
        body = json.dumps({"error": self.error}).encode()
        start_response(
            self.status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")],
        )
        return [body]


TOO_LARGE = Rejection("413 Content Too Large", "request too large")
UNSIGNED = Rejection("401 Unauthorized", "invalid request signature")
INCOMPLETE = Rejection("400 Bad Request", "incomplete request body")
MALFORMED = Rejection("400 Bad Request", "malformed request")


def screen(environ: dict, signing_secret: str, now: Callable[[], float] = time.time) -> Rejection | None:
    """None when the request may go on to bolt (its body then re-readable from ``wsgi.input``)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MALFORMED
    if length < 0:
        return MALFORMED
    if length > MAX_BODY_BYTES:
        return TOO_LARGE
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if signing_secret and not _plausible(timestamp, signature, now()):
        return UNSIGNED
    body = _read(environ, length)
    if body is None:
        return INCOMPLETE
    environ["wsgi.input"] = io.BytesIO(body)
    if signing_secret and not _signed(signing_secret, timestamp, signature, body):
        return UNSIGNED
    if not _well_shaped(body, environ.get("CONTENT_TYPE") or ""):
        log.warning("refused a signed request of the wrong shape (%d bytes)", len(body))
        return MALFORMED
    return None


def _plausible(timestamp: str, signature: str, now: float) -> bool:
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        return False
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    return signature.startswith("v0=") and len(signature) == 3 + 64


def _signed(secret: str, timestamp: str, signature: str, body: bytes) -> bool:
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + expected, signature)


def _read(environ: dict, length: int) -> bytes | None:
    """The whole body, or None when the client stopped sending it (see ``bot.web.worker``)."""
    if not length:
        return b""
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    left = length
    try:
        while left:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
    except Exception as error:  # gunicorn's NoMoreData, a reset, a read deadline
        log.debug("request body not received: %s", type(error).__name__)
        return None
    return b"".join(chunks)


def _well_shaped(body: bytes, content_type: str) -> bool:
    """Parsed as bolt parses it (by the body's first byte as much as by Content-Type), then checked."""
    if not body:
        return True
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return False
    payload: Any
    try:
        if content_type == "application/json" or text.startswith("{") or content_type.startswith("application/json"):
            payload = json.loads(text)
        elif "payload" in text:
            raw = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            if raw is None:
                return True
            payload = json.loads(raw)
        else:
            return True  # a slash command: plain form fields
    except (ValueError, RecursionError):
        return False
    return is_well_formed_payload(payload)

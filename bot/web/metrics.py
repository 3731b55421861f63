"""Per-request instrumentation of the Slack endpoint: ack latency, and the ids log lines carry.

prometheus-client is imported only when a worker builds its app, after
``serve`` has pointed ``PROMETHEUS_MULTIPROC_DIR`` at the shared directory.
"""

from __future__ import annotations

import io
import random
import re
import time
from collections.abc import Callable, Iterable

EVENT_ID = re.compile(rb'"event_id"\s*:\s*"(Ev[A-Za-z0-9]{1,40})"')


def instrumented(handler: Callable) -> Callable:
    """Wrap a WSGI callable: time the answer to Slack and bind request/event ids for its log lines."""
    from bot.telemetry.context import bound
    from bot.telemetry.metrics import ACK_SECONDS

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        # 64 random bits for the log lines (no uuid object, no getrandom call per request; random is reseeded on fork)
        request_id = environ.get("HTTP_X_REQUEST_ID") or f"{random.getrandbits(64):016x}"
        try:
            with bound(request_id=request_id, event_id=_event_id(environ)):
                return handler(environ, start_response)
        finally:
            ACK_SECONDS.observe(time.perf_counter() - started)

    return wsgi


def _event_id(environ: dict) -> str | None:
    """The Events API event id, when the body was already read into memory (it is, by the shape check)."""
    stream = environ.get("wsgi.input")
    if isinstance(stream, io.BytesIO):
        found = EVENT_ID.search(stream.getbuffer()[:4096].tobytes())
        if found:
            return found.group(1).decode()
    return None

"""``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` for every long-running process.

``serve`` answers them on its own port inside gunicorn; ``socket`` and
``scheduler`` answer them on ``--health-port`` with a small threaded server.

Liveness only says the process answers. Readiness says the bot is doing its
job, and fails (503, with every reason in JSON) while the database is
unreachable, the config on disk failed to load, a watched channel is
unresolved, the outbox relay is not running, or the oldest pending delivery is
older than ``READY_MAX_PENDING_AGE``. Permanent Slack refusals (``not_in_channel``
and the like) are listed in the details without failing readiness: the bot
still works for every other channel, and an operator has to act on them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
PATHS = (HEALTH_PATH, READY_PATH, METRICS_PATH)


@dataclass
class Probes:
    """What the endpoints look at, for one process.

    ``services`` is ``bot.app.BotServices``; ``relay_expected`` is False for a
    process that does not run the relay (none today: every process sends).
    """

    services: Any
    max_pending_age: dt.timedelta
    metrics_dir: str | None = None
    relay_expected: bool = True

    def liveness(self) -> dict[str, Any]:
        runtime = self.services.holder.current
        config = runtime.config
        return {
            "ok": self.services.ready.is_set(),
            "config_version": runtime.version,
            "personas": len(config.personas.personas),
            "topics": len(config.routing.topics),
            "database": self.services.engine.dialect.name,
            "slack_names_complete": runtime.names.complete,
        }

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        from bot.storage.delivery_reports import outbox_lag, permanent_failures

        reasons: list[str] = []
        details: dict[str, Any] = {}
        now = self.services.clock()
        engine = self.services.engine
        database_up = True
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            database_up = False
            reasons.append(f"database unreachable: {str(getattr(error, 'orig', None) or error).splitlines()[0]}")
        holder = self.services.holder
        if holder.reload_error:
            reasons.append(f"config failed to load (still running the last good one): {holder.reload_error}")
        runtime = holder.current
        unresolved = [c for c in runtime.config.routing.watch.channels if not runtime.names.channel_id(c)]
        if unresolved:
            reasons.append(f"watched channel unresolved: {', '.join(unresolved)} (invite the bot or fix routing.yaml)")
        if self.relay_expected and not self.services.relay.is_running():
            reasons.append("outbox relay not running")
        if database_up:
            try:
                lag = outbox_lag(engine)
                age = lag.oldest_age_seconds(now)
                details["deliveries_pending"] = lag.pending
                details["oldest_pending_seconds"] = round(age, 1)
                if age > self.max_pending_age.total_seconds():
                    reasons.append(
                        f"oldest pending delivery is {age:.0f}s old (limit {self.max_pending_age.total_seconds():.0f}s)"
                    )
                details["permanent_errors"] = [
                    {"error": f.error, "channel": f.channel, "deliveries": f.count}
                    for f in permanent_failures(engine, since=now - dt.timedelta(days=7))
                ]
            except SQLAlchemyError as error:
                reasons.append(f"outbox unreadable: {type(error).__name__}")
        ready = not reasons
        return ready, {"ready": ready, "reasons": reasons, **details}

    def metrics(self) -> bytes:
        from bot.storage.delivery_reports import outbox_lag
        from bot.telemetry.metrics import OutboxGauges, exposition

        def outbox() -> OutboxGauges:
            lag = outbox_lag(self.services.engine)
            return OutboxGauges(lag.pending, lag.oldest_age_seconds(self.services.clock()))

        return exposition(self.metrics_dir, outbox)


def answer(probes: Probes, path: str, start_response: Callable) -> Iterable[bytes]:
    """Answer one of ``PATHS``."""
    if path == METRICS_PATH:
        from bot.telemetry.metrics import CONTENT_TYPE

        return _respond(start_response, "200 OK", probes.metrics(), CONTENT_TYPE)
    if path == READY_PATH:
        ready, body = probes.readiness()
        status = "200 OK" if ready else "503 Service Unavailable"
    else:
        body = probes.liveness()
        status = "200 OK" if body.get("ok") else "503 Service Unavailable"
    return _respond(start_response, status, json.dumps(body).encode(), "application/json")


def _respond(start_response: Callable, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds are not news
        log.debug("health: " + format, *args)


class _ThreadedServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        threading.Thread(target=self._handle, args=(request, client_address), daemon=True).start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def serve_health(probes: Probes, host: str, port: int) -> WSGIServer:
    """The endpoints on their own port, in a background thread (``socket``, ``scheduler``). Call ``shutdown()``."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return answer(probes, path, start_response)
        return _respond(start_response, "404 Not Found", b'{"error": "not found"}', "application/json")

    server = make_server(host, port, app, server_class=_ThreadedServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="health-server", daemon=True).start()
    return server

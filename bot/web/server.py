"""HTTP serving: a WSGI app (Slack endpoint + health check) run under gunicorn.

Each gunicorn worker builds its own services after forking (``load`` runs in
the worker), so no database connection or thread crosses a fork.
"""

from __future__ import annotations

import gc
import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config.models import BotConfig
from bot.settings import Settings
from bot.slack.payloads import is_well_formed_body

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_MARK = "finops-bot: listening on"


def make_wsgi_app(app: App, health: Callable[[], dict]) -> Callable:
    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status = health()
            body = json.dumps(status).encode()
            code = "200 OK" if status.get("ok") else "503 Service Unavailable"
            start_response(code, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("REQUEST_METHOD") == "POST" and not _well_formed(environ):
            return _reject(start_response)
        try:
            return slack(environ, start_response)
        except Exception as error:  # bolt parses bodies before it can verify them; some shapes crash it
            log.warning("rejected a malformed request to %s: %s", SLACK_PATH, type(error).__name__)
            return _reject(start_response)

    return wsgi


MAX_BODY_BYTES = 4 * 1024 * 1024  # Slack's own payloads are far smaller


def _well_formed(environ: dict) -> bool:
    """Check the body's shape, then hand bolt a fresh stream of the same bytes."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if length > MAX_BODY_BYTES:
        return False
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return is_well_formed_body(body, environ.get("CONTENT_TYPE") or "")


def _reject(start_response: Callable) -> list[bytes]:
    body = b'{"error": "malformed request"}'
    start_response("400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def build_wsgi(settings: Settings, **service_options: Any) -> Callable:
    from bot.app import build_services, create_app

    services = build_services(settings, **service_options)
    app = create_app(settings, services)

    def health() -> dict:
        runtime = services.holder.current
        config = runtime.config
        return {
            "ok": services.ready.is_set(),
            "config_version": runtime.version,
            "personas": len(config.personas.personas),
            "topics": len(config.routing.topics),
            "database": services.engine.dialect.name,
        }

    if services.config.routing.scheduler.in_process:
        from bot.app import start_in_process_scheduler

        start_in_process_scheduler(services)
    wsgi = make_wsgi_app(app, health)
    # What is loaded now (config models, the router's indexes, SQLAlchemy's
    # metadata, bolt) lives as long as the worker: keep the cyclic garbage
    # collector from walking it again on every full collection under load.
    gc.freeze()
    return wsgi


class GunicornServer(BaseApplication):
    """gunicorn with our own app loader instead of a module path on the command line."""

    def __init__(self, settings: Settings, options: dict, load: Callable[[], Callable]):
        self.settings = settings
        self.options = options
        self._load = load
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self._load()


def serve(
    settings: Settings,
    port: int,
    workers: int,
    threads: int = 8,
    host: str = "0.0.0.0",
    load: Callable[[], Callable] | None = None,
    config: BotConfig | None = None,
) -> None:
    """``config``: loaded by the start-up checks in this (master) process; workers inherit it on fork."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        # Few idle keep-alive connections per worker: otherwise one worker can
        # hold every persistent client connection while the others stay idle.
        "worker_connections": threads + 4,
        "accesslog": None,
        "loglevel": settings.log_level.lower(),
        # A worker that cannot start (bad config, outdated schema) must stop the
        # server rather than be restarted forever.
        "preload_app": False,
        # Printed whatever the log level: LocalBot (demo, tests, benchmarks) waits for it.
        "when_ready": lambda server: print(f"{READY_MARK} {host}:{port}", flush=True),
    }
    GunicornServer(settings, options, load or (lambda: build_wsgi(settings, config=config))).run()

"""HTTP serving: a WSGI app (Slack endpoint + health check) run under gunicorn.

Each gunicorn worker builds its own services after forking (``load`` runs in
the worker), so no database connection or thread crosses a fork.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config.models import BotConfig
from bot.settings import Settings
from bot.web.guards import MALFORMED, screen
from bot.web.health import PATHS, Probes, answer
from bot.web.metrics import instrumented
from bot.web.worker import DeadlineThreadWorker

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
ALERTS_PREFIX = (
    "/alerts/"  # bot.receivers: /alerts/aws/sns, /alerts/gcp/pubsub, /alerts/azure, /alerts/webhook/<source>
)
READY_MARK = "finops-bot: listening on"


def make_wsgi_app(
    app: App,
    health: Callable[[], dict],
    probes: Probes | None = None,
    alerts: Callable | None = None,
    signing_secret: str = "",
) -> Callable:
    slack = instrumented(SlackRequestHandler(app, path=SLACK_PATH))

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            probes is not None
            and environ.get("PATH_INFO") in PATHS
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        ):
            return answer(probes, environ["PATH_INFO"], start_response)
        if alerts is not None and (environ.get("PATH_INFO") or "").startswith(ALERTS_PREFIX):
            return alerts(environ, start_response)  # the receivers read, limit and answer on their own
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status = health()
            body = json.dumps(status).encode()
            code = "200 OK" if status.get("ok") else "503 Service Unavailable"
            start_response(code, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("REQUEST_METHOD") == "POST" and (rejection := screen(environ, signing_secret)) is not None:
            return rejection.respond(start_response)
        try:
            return slack(environ, start_response)
        except Exception as error:  # a shape the guards did not foresee: still a clear answer
            log.warning("rejected a malformed request to %s: %s", SLACK_PATH, type(error).__name__)
            return MALFORMED.respond(start_response)

    return wsgi


def build_wsgi(settings: Settings, **service_options: Any) -> Callable:
    from bot.app import build_receivers, build_services, create_app

    services = build_services(settings, **service_options)
    app = create_app(settings, services)

    probes = Probes(
        services,
        max_pending_age=dt.timedelta(seconds=settings.ready_max_pending_age),
        metrics_dir=str(settings.metrics_dir) if settings.metrics_dir else None,
    )
    if services.config.routing.scheduler.in_process:
        from bot.app import start_in_process_scheduler

        start_in_process_scheduler(services)
    wsgi = make_wsgi_app(
        app, probes.liveness, probes, build_receivers(settings, services), settings.signing_secret.value
    )
    wsgi.shutdown = services.shutdown  # type: ignore[attr-defined]  # called by the worker on exit
    # What is loaded now (config models, the router's indexes, SQLAlchemy's
    # metadata, bolt) lives as long as the worker: keep the cyclic garbage
    # collector from walking it again on every full collection under load.
    gc.freeze()
    return wsgi


class ServerLogger(GunicornLogger):
    """gunicorn's logger, without building an access log line per request that nothing writes.

    With a logging dict config gunicorn assembles every request's access-log fields (all
    headers and the environ) even though ``bot.logs`` drops ``gunicorn.access``; an access
    log is written only when ``accesslog`` names a destination.
    """

    def access(self, resp, req, environ, request_time) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


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
    from bot.logs import logging_dict
    from bot.web.multiprocess import prepare_metrics_dir

    if settings.metrics_dir is None:  # `finops-bot serve` prepared it already; benchmarks and tests may not have
        settings = prepare_metrics_dir(settings)
    DeadlineThreadWorker.read_timeout = settings.request_read_timeout  # inherited by the forked workers
    DeadlineThreadWorker.shutdown_grace = settings.shutdown_grace
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # gthread, with a deadline for each request to arrive in (slow clients).
        "worker_class": "bot.web.worker.DeadlineThreadWorker",
        "threads": threads,
        "timeout": 30,
        # Requests in flight, then the relay's drain (shutdown_grace), then sends still in flight.
        "graceful_timeout": math.ceil(settings.shutdown_grace + settings.slack_timeout + 2),
        "keepalive": 5,
        # Few idle keep-alive connections per worker: otherwise one worker can
        # hold every persistent client connection while the others stay idle.
        "worker_connections": threads + 4,
        "accesslog": None,
        "logger_class": ServerLogger,
        "loglevel": settings.log_level.lower(),
        # A worker that cannot start (bad config, outdated schema) must stop the
        # server rather than be restarted forever.
        "preload_app": False,
        # Printed whatever the log level: LocalBot (demo, tests, benchmarks) waits for it.
        "when_ready": lambda server: print(f"{READY_MARK} {host}:{port}", flush=True),
        "child_exit": lambda server, worker: _worker_exited(settings, worker.pid),
        "logconfig_dict": logging_dict(settings.log_level, settings.log_format),
    }
    GunicornServer(settings, options, load or (lambda: build_wsgi(settings, config=config, relays=workers))).run()


def listen_problem(host: str, port: int) -> str | None:
    """Why ``serve`` could not listen on ``host:port``, in one line, or None when it can.

    Tried by binding (and closing) a socket before gunicorn starts, rather than by catching gunicorn's
    failure: gunicorn retries a busy port five times a second apart, logging each, then exits the
    process itself, leaving nothing to catch but its log. SO_REUSEADDR as gunicorn sets it, so a port
    still in TIME_WAIT after a restart is not taken for busy. Another process may take the port between
    this check and gunicorn's bind; gunicorn's own retries and error then still apply.
    """
    import errno
    import socket

    fix = "pick another with --port or PORT"
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        return f"cannot listen on {host}: {error.strerror}; pass --host an address of this machine (0.0.0.0: all)"
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return f"port {port} is in use on {host}; {fix}"
        if error.errno == errno.EACCES:
            return f"cannot listen on port {port} of {host}: permission denied (ports below 1024 need root); {fix}"
        if error.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on {host}: not an address of this machine; pass --host one that is (0.0.0.0: all)"
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


def _worker_exited(settings: Settings, pid: int) -> None:
    from bot.telemetry.metrics import worker_exited

    worker_exited(settings.metrics_dir, pid)

"""The one place a bolt App is built.

``build_services`` wires config, database, Slack client, name directory and
outbox relay from ``Settings``; ``create_app`` builds the bolt App around them.
The HTTP server, Socket Mode, the demo, the benchmarks and the tests all go
through these two functions, and nothing here runs at import time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.engine import Engine

from bot.config.models import BotConfig
from bot.services import Commands, Home, Intake, Lifecycle, Nudges, RuntimeHolder, utcnow
from bot.settings import Settings
from bot.slack.directory import resolve_directory
from bot.slack.relay import OutboxRelay
from bot.storage.db import database_url, make_engine, schema_status, upgrade
from bot.storage.stores import Storage

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""


def make_web_client(settings: Settings, timeout: int = 10) -> WebClient:
    return WebClient(
        token=settings.bot_token.value,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass
class BotServices:
    settings: Settings
    engine: Engine
    store: Storage
    client: WebClient
    holder: RuntimeHolder
    relay: OutboxRelay
    intake: Intake
    commands: Commands
    lifecycle: Lifecycle
    home: Home
    nudges: Nudges
    clock: Clock
    ready: threading.Event

    @property
    def config(self) -> BotConfig:
        return self.holder.current.config

    def background_tick(self) -> None:
        """Housekeeping the relay's poller runs between sends (nudges are the scheduler's)."""
        self.holder.reload_if_changed()

    def close(self) -> None:
        self.relay.stop()
        self.engine.dispose()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def build_services(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    upgrade_schema: bool = False,
    start_relay: bool = True,
    relay_poll_seconds: float = 2.0,
) -> BotServices:
    engine = make_engine(database_url(settings.database_url))
    if upgrade_schema:
        upgrade(engine)
    status = schema_status(engine)
    if not status.is_current:
        raise StartupError(
            f"database schema is at {status.current or 'nothing'}, this version needs {status.head}: "
            "run `finops-bot db upgrade`"
        )
    store = Storage.open(engine)
    client = make_web_client(settings)
    holder = RuntimeHolder(settings.config_dir, lambda config: resolve_directory(client, config))
    relay = OutboxRelay(store.outbox, client, worker_id(), clock=clock, poll_seconds=relay_poll_seconds)
    services = BotServices(
        settings=settings,
        engine=engine,
        store=store,
        client=client,
        holder=holder,
        relay=relay,
        intake=Intake(holder, store, relay, clock),
        commands=Commands(holder, store),
        lifecycle=Lifecycle(holder, store, relay.notify, clock),
        home=Home(holder, store),
        nudges=Nudges(holder, store, relay.notify, clock),
        clock=clock,
        ready=threading.Event(),
    )
    relay.on_idle = services.background_tick
    if start_relay:
        relay.start()
    services.ready.set()
    return services


def create_app(settings: Settings, services: BotServices) -> App:
    from handlers import register_all

    app = App(
        signing_secret=settings.signing_secret.value or None,
        client=services.client,  # carries the token
        # Route and commit before answering Slack: an acknowledged event is durable.
        process_before_response=True,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    register_all(app, services)

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        event_id = body.get("event_id") if isinstance(body, dict) else None
        log.error("listener failed for %s (event %s): %s", kind, event_id, error, exc_info=error)

    return app

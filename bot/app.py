"""The composition root: ``Settings`` in, a running bot out.

Everything is built here and only here: the engine and stores, the Slack
client and name directory, the outbox relay, the services, the bolt App with
its listeners (this is the only importer of ``handlers``), and the scheduler.
The HTTP server, Socket Mode, the scheduler process, the demo, the benchmarks
and the end-to-end tests all start the bot through these functions, and
nothing runs at import time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.config.models import BotConfig
from bot.scheduling.ticker import Ticker, start_timer
from bot.services.commands import Commands
from bot.services.home import Home
from bot.services.intake import Intake
from bot.services.lifecycle import Lifecycle
from bot.services.nudges import Nudges
from bot.services.ports import Clock, utcnow
from bot.services.runtime import RuntimeHolder
from bot.services.scheduled_posts import build_scheduler
from bot.settings import Settings
from bot.slack.client import make_web_client as slack_client
from bot.slack.directory import resolve_directory
from bot.slack.relay import OutboxRelay
from bot.storage.db import database_url, make_engine, schema_status, upgrade
from bot.storage.stores import Storage

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""


def make_web_client(settings: Settings, timeout: int = 10) -> WebClient:
    return slack_client(settings.bot_token.value, settings.slack_api_url, timeout)


@dataclass
class BotServices:
    settings: Settings
    engine: Engine
    storage: Storage
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
    config: BotConfig | None = None,
    clock: Clock = utcnow,
    upgrade_schema: bool = False,
    start_relay: bool = True,
    relay_poll_seconds: float = 2.0,
) -> BotServices:
    """``config``: the configuration already loaded by the start-up checks, so it is parsed once."""
    engine = make_engine(database_url(settings.database_url))
    if upgrade_schema:
        upgrade(engine)
    status = schema_status(engine)
    if not status.is_current:
        raise StartupError(
            f"database schema is at {status.current or 'nothing'}, this version needs {status.head}: "
            "run `finops-bot db upgrade`"
        )
    storage = Storage.open(engine)
    client = make_web_client(settings)
    holder = RuntimeHolder(settings.config_dir, lambda loaded: resolve_directory(client, loaded), config)
    relay = OutboxRelay(storage.outbox, client, worker_id(), clock=clock, poll_seconds=relay_poll_seconds)
    services = BotServices(
        settings=settings,
        engine=engine,
        storage=storage,
        client=client,
        holder=holder,
        relay=relay,
        intake=Intake(holder, storage.intake, relay, clock),
        commands=Commands(holder, storage.requests),
        lifecycle=Lifecycle(holder, storage.requests, storage.outbox, relay.notify, clock),
        home=Home(holder, storage.requests),
        nudges=Nudges(holder, storage.requests, relay.notify, clock),
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
    register_all(
        app,
        intake=services.intake,
        commands_service=services.commands,
        lifecycle=services.lifecycle,
        home_view=services.home,
    )

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        event_id = body.get("event_id") if isinstance(body, dict) else None
        log.error("listener failed for %s (event %s): %s", kind, event_id, error, exc_info=error)

    return app


def scheduler_for(services: BotServices) -> Ticker:
    return build_scheduler(
        services.holder,
        services.storage,
        services.storage.outbox,
        services.nudges,
        services.relay.notify,
        services.clock,
        worker_id(),
    )


def start_in_process_scheduler(services: BotServices) -> BackgroundScheduler:
    return start_timer(scheduler_for(services))


def run_scheduler_forever(services: BotServices, stop: threading.Event) -> None:
    timer = start_in_process_scheduler(services)
    log.info("scheduler running")
    try:
        stop.wait()
    finally:
        timer.shutdown(wait=False)

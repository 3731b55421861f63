"""The composition root: ``Settings`` in, a running bot out.

Everything is built here and only here: the engine and stores, the Slack
client and name directory, the outbox relay, the services, the bolt App with
its listeners (this is the only importer of ``handlers``), and the scheduler.
The HTTP server, Socket Mode, the scheduler process, the demo, the benchmarks
and the end-to-end tests all start the bot through these functions, and
nothing runs at import time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.config.models import BotConfig
from bot.domain.slack_errors import Refusal
from bot.receivers.http import AlertReceivers, missing_secret_line
from bot.scheduling.ticker import Ticker, TickReport, start_timer
from bot.services.alert_intake import AlertIntake
from bot.services.commands import Commands
from bot.services.home import Home
from bot.services.intake import Intake
from bot.services.lifecycle import Lifecycle
from bot.services.nudges import Nudges
from bot.services.ports import Clock, utcnow
from bot.services.runtime import RuntimeHolder
from bot.services.scheduled_posts import build_scheduler
from bot.services.silencing import Silencing
from bot.settings import Settings
from bot.slack.client import make_web_client as slack_client
from bot.slack.directory import resolve_directory
from bot.slack.relay import OutboxRelay
from bot.storage.db import database_url, make_engine, schema_status, upgrade
from bot.storage.retention import RetentionPolicy, prune
from bot.storage.stores import Storage

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""


def make_web_client(settings: Settings, timeout: float | None = None, wait_out_429: bool = True) -> WebClient:
    return slack_client(
        settings.bot_token.value,
        settings.slack_api_url,
        settings.slack_timeout if timeout is None else timeout,
        wait_out_429=wait_out_429,
    )


@dataclass
class BotServices:
    settings: Settings
    engine: Engine
    storage: Storage
    client: WebClient
    holder: RuntimeHolder
    relay: OutboxRelay
    intake: Intake
    alerts: AlertIntake
    silencing: Silencing
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
        self.intake.release_held()  # messages held while the channel names were unknown

    def close(self) -> None:
        self.relay.stop()
        self.engine.dispose()

    def shutdown(self, deadline: float) -> None:
        """Stopping (SIGTERM): send queued replies until ``deadline`` (monotonic), release the rest."""
        try:
            self.relay.shutdown(deadline)
        finally:
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
    relays: int = 1,
) -> BotServices:
    """``config``: the configuration already loaded by the start-up checks, so it is parsed once.

    ``relays``: how many processes on this server run a relay (gunicorn's workers). Pacing is per
    process, so each paces a channel at its share of the rate, and together they keep to Slack's.
    """
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
    holder = RuntimeHolder(
        settings.config_dir,
        lambda loaded, previous: resolve_directory(client, loaded, previous),
        config,
        settle_seconds=settings.config_settle_seconds,
        names_retry_max_seconds=settings.slack_names_retry_max_seconds,
    )
    share = max(1, relays)
    rate, burst = settings.slack_channel_rate / share, max(1.0, settings.slack_channel_burst / share)
    relay = OutboxRelay(
        storage.outbox,
        # Paced, the relay meets a 429 by pausing that channel: its client must not sleep through it.
        client if rate == 0 else make_web_client(settings, wait_out_429=False),
        worker_id(),
        clock=clock,
        poll_seconds=relay_poll_seconds,
        late_post_wait=dt.timedelta(seconds=settings.slack_late_post_wait),
        lease=dt.timedelta(seconds=settings.delivery_lease),
        send_allowance=settings.slack_timeout + 1,
        channel_rate=rate,
        channel_burst=burst,
    )
    silencing = Silencing(
        holder,
        storage.silences,
        storage.requests,
        storage.outbox,
        relay.notify,
        clock,
        refresh=dt.timedelta(seconds=settings.silences_refresh),
    )
    services = BotServices(
        settings=settings,
        engine=engine,
        storage=storage,
        client=client,
        holder=holder,
        relay=relay,
        intake=Intake(holder, storage.intake, relay, clock, silencing, held=storage.held),
        alerts=AlertIntake(holder, storage.intake, storage.requests, relay, clock, workspace_of(client), silencing),
        silencing=silencing,
        commands=Commands(holder, storage.requests, silencing),
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


def workspace_of(client: WebClient) -> Callable[[], str]:
    """The bot's team id (auth.test), asked once: receivers record alerts under it, as Slack events are."""
    found: list[str] = []

    def team_id() -> str:
        if not found:
            found.append(str(client.auth_test().get("team_id") or ""))
        return found[0]

    return team_id


def build_receivers(settings: Settings, services: BotServices) -> AlertReceivers:
    """The /alerts/... paths; stops start-up when a configured receiver has no secret in the environment."""
    missing = missing_secret_line(settings, services.config.routing.receivers)
    if missing:
        raise StartupError(missing)
    return AlertReceivers(settings, lambda: services.config.routing.receivers, services.alerts, services.clock)


def create_app(settings: Settings, services: BotServices) -> App:
    from handlers import register_all

    bolt_logger = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _TokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenNotice())
    app = App(
        signing_secret=settings.signing_secret.value or None,
        client=services.client,  # carries the token
        # Route and commit before answering Slack: an acknowledged event is durable.
        process_before_response=True,
        logger=bolt_logger,
    )
    register_all(
        app,
        intake=services.intake,
        commands_service=services.commands,
        lifecycle=services.lifecycle,
        home_view=services.home,
        silencing=services.silencing,
    )

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        event_id = body.get("event_id") if isinstance(body, dict) else None
        log.error("listener failed for %s (event %s): %s", kind, event_id, error, exc_info=error)

    return app


class _TokenNotice(logging.Filter):
    """Drop bolt's "As you gave `client` as well, `token` will be unused" warning.

    bolt reads SLACK_BOT_TOKEN from the environment itself even when it is given
    a client, and then warns that the token it found is unused; the client it
    was given carries that same token, so the warning says nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def count_tick(report: TickReport) -> None:
    from bot.telemetry.metrics import SCHEDULE_OCCURRENCES

    for outcome, occurrences in (("posted", report.posted), ("skipped", report.skipped)):
        for occurrence in occurrences:
            SCHEDULE_OCCURRENCES.labels(occurrence.schedule.kind, "claimed").inc()
            SCHEDULE_OCCURRENCES.labels(occurrence.schedule.kind, outcome).inc()


def refusals_since(engine: Engine, since: dt.datetime) -> list[Refusal]:
    from bot.storage.delivery_reports import permanent_failures

    return permanent_failures(engine, since=since)


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        event_ids=dt.timedelta(hours=settings.retain_event_ids_hours),
        sent_deliveries=dt.timedelta(days=settings.retain_sent_deliveries_days),
        schedule_claims=dt.timedelta(days=settings.retain_schedule_claims_days),
        requests=dt.timedelta(days=settings.retain_requests_days) if settings.retain_requests_days else None,
    )


def scheduler_for(services: BotServices) -> Ticker:
    policy = retention_policy(services.settings)
    ticker = build_scheduler(
        services.holder,
        services.storage,
        services.storage.outbox,
        services.nudges,
        services.relay.notify,
        services.clock,
        worker_id(),
        refusals=lambda since: refusals_since(services.engine, since),
        muted=services.storage.silences.muted_between,
        prune=lambda now: prune(services.storage.database, now, policy),
    )
    ticker.on_report = count_tick
    return ticker


def start_in_process_scheduler(services: BotServices) -> BackgroundScheduler:
    return start_timer(scheduler_for(services))


def run_scheduler_forever(services: BotServices, stop: threading.Event) -> None:
    timer = start_in_process_scheduler(services)
    log.info("scheduler running")
    try:
        stop.wait()
    finally:
        timer.shutdown(wait=False)

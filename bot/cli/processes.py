"""`finops-bot serve`, `socket` and `demo`: the bot talking to Slack."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config.models import BotConfig
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="serve the Events API, slash commands and interactivity over HTTP")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default: all interfaces)")
    serve.add_argument("--workers", type=int, help="worker processes (default: $WEB_CONCURRENCY or 2)")
    serve.add_argument("--threads", type=int, default=8, help="threads per worker (default: 8)")
    serve.set_defaults(func=run_serve)

    socket_mode = subparsers.add_parser("socket", help="connect over Socket Mode (needs SLACK_APP_TOKEN)")
    socket_mode.set_defaults(func=run_socket)

    scheduler = subparsers.add_parser(
        "scheduler", help="post duty reminders, calendar reminders and the weekly digest (Procfile clock:)"
    )
    scheduler.set_defaults(func=run_scheduler)

    demo = subparsers.add_parser("demo", help="run the real app against a local Slack simulator and show the channel")
    demo.add_argument("--interactive", action="store_true", help="type messages and /finops commands yourself")
    demo.add_argument("--feed", help="a JSONL feed of Slack messages to replay instead of the bundled sample")
    demo.set_defaults(func=run_demo)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def preflight(settings: Settings, *required: str) -> str | BotConfig:
    """Everything that would stop start-up, checked before any server starts.

    Returns the loaded config (handed on to the services, so it is parsed once) or an error line.
    """
    from bot.config.loader import ConfigError, load_config
    from bot.storage.db import database_url, make_engine, schema_status

    try:
        settings.require(*required)
    except SettingsError as error:
        return str(error)
    try:
        config = load_config(settings.config_dir).config
    except ConfigError as error:
        return f"invalid config, not starting:\n{error}"
    engine = make_engine(database_url(settings.database_url))
    try:
        status = schema_status(engine)
    finally:
        engine.dispose()
    if not status.is_current:
        return (
            f"database schema is at {status.current or 'nothing'}, this version needs {status.head}: "
            "run `finops-bot db upgrade`"
        )
    return config


def ready_settings(*required: str) -> tuple[Settings, BotConfig] | int:
    """Settings and config that passed every start-up check, or the exit code after saying why not."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    checked = preflight(settings, *required)
    if isinstance(checked, str):
        print(f"finops-bot: {checked}", file=sys.stderr)
        return 1
    return settings, checked


def run_serve(args: argparse.Namespace) -> int:
    from bot.web.server import serve

    ready = ready_settings("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    if isinstance(ready, int):
        return ready
    settings, config = ready
    serve(
        settings,
        config=config,
        port=args.port or settings.port,
        workers=args.workers or settings.web_concurrency,
        threads=args.threads,
        host=args.host,
    )
    return 0


def run_socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_services, create_app

    ready = ready_settings("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    if isinstance(ready, int):
        return ready
    settings, config = ready
    services = build_services(settings, config=config)
    app = create_app(settings, services)
    if services.config.routing.scheduler.in_process:
        from bot.app import start_in_process_scheduler

        start_in_process_scheduler(services)
    try:
        SocketModeHandler(app, settings.app_token.value).start()
    finally:
        services.close()
    return 0


def run_scheduler(args: argparse.Namespace) -> int:
    import signal
    import threading

    from bot.app import build_services, run_scheduler_forever

    ready = ready_settings("SLACK_BOT_TOKEN")
    if isinstance(ready, int):
        return ready
    settings, config = ready
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    services = build_services(settings, config=config)
    try:
        run_scheduler_forever(services, stop)
    finally:
        services.close()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from bot.devtools.demo import run_demo as demo

    try:
        config_dir = Settings.from_env().config_dir
    except SettingsError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return 2
    return demo(config_dir, interactive=args.interactive, feed=args.feed)

"""`finops-bot serve`, `socket` and `demo`: the bot talking to Slack."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.cli.common import EXIT_FAILURE, add_config_dir
from bot.config.models import BotConfig
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# What the long-running commands need from the environment, said in their --help (README: Settings).
_NEEDS = (
    "Needs {tokens} in the environment (your Slack app's; README: Installing in Slack), and DATABASE_URL "
    "unless the SQLite file ./finops-bot.db will do; run `finops-bot db upgrade` first. "
    "`finops-bot demo` runs the bot without Slack."
)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the Events API, slash commands and interactivity over HTTP",
        description="Serve Slack's Events API, /finops and the buttons over HTTP, and the /alerts/... receivers. "
        + _NEEDS.format(tokens="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
    )
    serve.add_argument("--port", type=port_number, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default: all interfaces)")
    serve.add_argument("--workers", type=positive_count, help="worker processes (default: $WEB_CONCURRENCY or 2)")
    serve.add_argument("--threads", type=positive_count, default=8, help="threads per worker (default: 8)")
    add_config_dir(serve)
    serve.set_defaults(func=run_serve)

    socket_mode = subparsers.add_parser(
        "socket",
        help="connect over Socket Mode (needs SLACK_APP_TOKEN)",
        description="Connect to Slack over Socket Mode, for a bot Slack cannot reach over HTTP. "
        + _NEEDS.format(tokens="SLACK_BOT_TOKEN and SLACK_APP_TOKEN"),
    )
    add_config_dir(socket_mode)
    _add_health_port(socket_mode)
    socket_mode.set_defaults(func=run_socket)

    scheduler = subparsers.add_parser(
        "scheduler",
        help="post duty reminders, calendar reminders and the weekly digest (Procfile clock:)",
        description="Post duty reminders, calendar reminders and the weekly digest. "
        + _NEEDS.format(tokens="SLACK_BOT_TOKEN"),
    )
    add_config_dir(scheduler)
    _add_health_port(scheduler)
    scheduler.set_defaults(func=run_scheduler)

    demo = subparsers.add_parser(
        "demo",
        help="run the real app against a local Slack simulator and show the channel",
        description="Run the real bot against a local stand-in for Slack and print the channel as it goes; "
        "needs no Slack app, tokens or database.",
    )
    demo.add_argument(
        "--interactive",
        action="store_true",
        help="type messages and /finops commands yourself (a line starting alert: is posted by an app)",
    )
    demo.add_argument(
        "--feed",
        metavar="FILE|-",
        help="replay only this JSONL feed of Slack messages ('-': stdin), instead of the bundled sample "
        "(its alerts, /finops commands and the Take it press on the first reply)",
    )
    demo.add_argument(
        "--database-url",
        metavar="URL",
        help="keep what the demo routed in this database (e.g. sqlite:///demo.db), to try export, digest "
        "--dry-run and suggest-routing on it afterwards (default: a temporary SQLite file, removed at the end; "
        "$DATABASE_URL is never used, so a demo cannot write into the bot's own database)",
    )
    add_config_dir(demo)
    demo.set_defaults(func=run_demo)


def _add_health_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--health-port",
        type=port_number,
        default=None,
        metavar="PORT",
        help="serve /healthz, /readyz and /metrics on this port (default: $HEALTH_PORT; none when unset)",
    )
    parser.add_argument("--health-host", default="0.0.0.0", help="address for --health-port (default: all interfaces)")


def port_number(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is out of range: a port is 1-65535")
    return port


def positive_count(raw: str) -> int:
    """A number of workers or threads: 0 was taken for "the default" and -1 reached gunicorn, which said
    only "Value must be positive"."""
    try:
        count = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{count} is too few: give 1 or more")
    return count


def configure_logging(settings: Settings) -> None:
    from bot.logs import configure

    configure(settings.log_level, settings.log_format)


def preflight(settings: Settings, *required: str, receivers: bool = False) -> tuple[str, int] | BotConfig:
    """Everything that would stop start-up, checked before any server starts.

    Returns the loaded config (handed on to the services, so it is parsed once) or an error line and exit code.
    ``receivers``: also the secrets of the receivers routing.yaml configures (``serve``, before gunicorn
    forks: a worker that fails to boot prints gunicorn's traceback, not our one line).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config.loader import ConfigError, load_config
    from bot.storage.db import (
        DatabaseUrlError,
        database_url,
        describe_database_error,
        make_engine,
        schema_status,
        sqlite_file_missing,
    )

    try:
        settings.require(*required)
    except SettingsError as error:
        return f"{error}{where_to_find(settings, required)}", EXIT_FAILURE
    try:
        config = load_config(settings.config_dir).config
    except ConfigError as error:
        return f"invalid config in {settings.config_dir}, not starting:\n{error}", EXIT_FAILURE
    if receivers:
        from bot.receivers.http import missing_secret_line

        missing_secret = missing_secret_line(settings, config.routing.receivers)
        if missing_secret is not None:
            return missing_secret, EXIT_FAILURE
    missing = sqlite_file_missing(settings.database_url)
    if missing is not None:
        return f"no database at {missing}: run `finops-bot db upgrade` to create it, or set DATABASE_URL", EXIT_FAILURE
    try:
        engine = make_engine(database_url(settings.database_url))
    except DatabaseUrlError as error:
        return str(error), EXIT_FAILURE
    try:
        status = schema_status(engine)
    except SQLAlchemyError as error:
        return describe_database_error(error, settings.database_url), EXIT_FAILURE
    finally:
        engine.dispose()
    if not status.is_current:
        return status.message(), EXIT_FAILURE
    slack = check_slack(settings)
    return slack if slack is not None else config


# Where each Slack setting is found in the app's settings at api.slack.com, said when one is missing.
SLACK_SETTING_SOURCES = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-..., under OAuth & Permissions)",
    "SLACK_SIGNING_SECRET": "the Signing Secret (under Basic Information)",
    "SLACK_APP_TOKEN": "an app-level token with connections:write (xapp-..., under Basic Information)",
}


def where_to_find(settings: Settings, required: tuple[str, ...]) -> str:
    """The end of the missing-settings line: which of the Slack app's values they are, and that the demo
    needs none (a first `serve` named the variables but not where a new user gets them)."""
    values = {"SLACK_BOT_TOKEN": settings.bot_token, "SLACK_SIGNING_SECRET": settings.signing_secret}
    values["SLACK_APP_TOKEN"] = settings.app_token
    missing = [name for name in required if name in values and not values[name]]
    if not missing:  # present but malformed: the error itself says what is wrong
        return ""
    sources = " and ".join(SLACK_SETTING_SOURCES[name] for name in missing)
    return f": {sources} of your Slack app (README, Installing in Slack); `finops-bot demo` runs the bot without Slack"


def check_slack(settings: Settings) -> tuple[str, int] | None:
    """One auth.test call: Slack reachable and the bot token accepted, or one line on what to fix."""
    from slack_sdk.errors import SlackApiError

    from bot.app import make_web_client

    try:
        make_web_client(settings, timeout=10).auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        return f"Slack refused the bot token ({code}): {slack_refusal_fix(code)}", EXIT_FAILURE
    except OSError as error:
        reason = getattr(error, "reason", None) or error
        return (
            f"Slack unreachable at {settings.slack_api_url} ({reason}): check the network, proxy or SLACK_API_URL",
            EXIT_FAILURE,
        )
    return None


def ready_settings(
    args: argparse.Namespace,
    *required: str,
    prepare: Callable[[Settings], Settings] | None = None,
    receivers: bool = False,
) -> tuple[Settings, BotConfig] | int:
    """Settings and config that passed every start-up check, or the exit code after saying why not.

    ``prepare`` adjusts the settings before the checks import anything (serve's metrics directory).
    """
    from bot.config.locate import ConfigDirError, locate_config_dir

    try:
        settings = Settings.from_env()
        config_dir, shipped = locate_config_dir(
            getattr(args, "config_dir", None), settings.config_dir if settings.config_dir_explicit else None
        )
    except (SettingsError, ConfigDirError) as error:
        print(f"finops-bot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    settings = replace(settings, config_dir=config_dir)
    if prepare is not None:
        settings = prepare(settings)
    configure_logging(settings)
    if shipped:
        log.warning(
            "no config of yours found (--config-dir, $FINOPS_CONFIG_DIR, ./config): running the example shipped "
            "in %s; write your own with `finops-bot init`",
            config_dir,
        )
    checked = preflight(settings, *required, receivers=receivers)
    if isinstance(checked, tuple):
        message, code = checked
        print(f"finops-bot: {message}", file=sys.stderr)
        return code
    return settings, checked


def run_serve(args: argparse.Namespace) -> int:
    from bot.web.multiprocess import prepare_metrics_dir
    from bot.web.server import listen_problem, serve

    # Before anything imports prometheus-client, so the workers gunicorn forks share their metrics.
    ready = ready_settings(args, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", prepare=prepare_metrics_dir, receivers=True)
    if isinstance(ready, int):
        return ready
    settings, config = ready
    port = args.port or settings.port
    problem = listen_problem(args.host, port)
    if problem is not None:
        print(f"finops-bot: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    serve(
        settings,
        config=config,
        port=port,
        workers=args.workers or settings.web_concurrency,
        threads=args.threads,
        host=args.host,
    )
    return 0


def run_socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app

    ready = ready_settings(args, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    if isinstance(ready, int):
        return ready
    settings, config = ready
    stop = _stop_on_signals()
    services = _start_services(settings, config)
    if isinstance(services, int):
        return services
    health = _serve_health(args, settings, services)
    app = create_app(settings, services)
    if services.config.routing.scheduler.in_process:
        from bot.app import start_in_process_scheduler

        start_in_process_scheduler(services)
    handler = SocketModeHandler(app, settings.app_token.value)
    try:
        handler.connect()
        log.info("socket mode connected")
        stop.wait()  # SIGTERM or SIGINT: close the connection, let the relay flush, exit 0
        log.info("socket mode stopping")
    finally:
        handler.close()
        if health is not None:
            health.shutdown()
        services.close()
    return 0


def _stop_on_signals():
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def _start_services(settings: Settings, config: BotConfig):
    """The bot's services, or the exit code after one line on why Slack or the database refused."""
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import StartupError, build_services
    from bot.storage.db import describe_database_error

    try:
        return build_services(settings, config=config)
    except StartupError as error:
        print(f"finops-bot: {error}", file=sys.stderr)
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        print(f"finops-bot: Slack refused the bot token ({code}): {slack_refusal_fix(code)}", file=sys.stderr)
    except SQLAlchemyError as error:
        print(f"finops-bot: {describe_database_error(error, settings.database_url)}", file=sys.stderr)
    except OSError as error:
        print(
            f"finops-bot: Slack unreachable at {settings.slack_api_url} ({error}): check the network or SLACK_API_URL",
            file=sys.stderr,
        )
    return EXIT_FAILURE


def slack_refusal_fix(code: str | None) -> str:
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive"):
        return "set SLACK_BOT_TOKEN to the app's current Bot User OAuth Token (xoxb-...)"
    if code == "missing_scope":
        return "add the scopes listed in the README to the app and reinstall it"
    return "see the README's Slack setup"


def _serve_health(args: argparse.Namespace, settings: Settings, services):
    """/healthz, /readyz and /metrics on --health-port ($HEALTH_PORT), when one is given."""
    import datetime as dt

    from bot.web.health import Probes, serve_health

    port = getattr(args, "health_port", None) or settings.health_port
    if not port:
        return None
    probes = Probes(services, max_pending_age=dt.timedelta(seconds=settings.ready_max_pending_age))
    server = serve_health(probes, args.health_host, port)
    print(f"finops-bot: health on port {port}", flush=True)
    return server


def run_scheduler(args: argparse.Namespace) -> int:
    from bot.app import run_scheduler_forever

    ready = ready_settings(args, "SLACK_BOT_TOKEN")
    if isinstance(ready, int):
        return ready
    settings, config = ready
    stop = _stop_on_signals()
    services = _start_services(settings, config)
    if isinstance(services, int):
        return services
    health = _serve_health(args, settings, services)
    try:
        run_scheduler_forever(services, stop)
    finally:
        if health is not None:
            health.shutdown()
        services.close()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from bot.cli.common import CommandError, stdin_lines, stdin_text
    from bot.cli.common import config_dir as locate
    from bot.devtools.demo import run_demo as demo

    config_dir = locate(args)
    if args.feed is not None and args.feed != "-":
        problem = _feed_problem(Path(args.feed))
        if problem:
            raise CommandError(f"demo --feed {args.feed}: {problem}", EXIT_FAILURE)
    # stdin is read before the simulator and the bot start, so input that is not text costs nothing.
    feed_text = stdin_text("demo --feed -") if args.feed == "-" and not args.interactive else None
    typed = stdin_lines("demo --interactive") if args.interactive else None
    return demo(
        config_dir,
        interactive=args.interactive,
        feed=args.feed,
        feed_text=feed_text,
        typed=typed,
        database_url=args.database_url,
    )


def _feed_problem(path: Path) -> str | None:
    """Why a feed file cannot be replayed, in a few words, or None."""
    if not path.exists():
        return "no such file; give a JSONL file with one Slack message per line"
    if path.is_dir():
        return "is a directory; give a JSONL file with one Slack message per line"
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte {error.start}); save the feed as UTF-8 JSONL"
    except OSError as error:
        return f"cannot read it ({error.strerror}); check its permissions"
    return None

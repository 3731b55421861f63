"""Runtime settings, read from the environment only when a command asks for them.

Secrets are kept in ``Secret`` wrappers whose ``repr``/``str`` never show the
value, so a settings object can be logged or shown in a traceback safely.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_SNS_CERT_HOST_PATTERN = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
DEFAULT_GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
WEBHOOK_SECRET_PREFIX = "FINOPS_WEBHOOK_SECRET_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class SettingsError(Exception):
    """A setting is missing or malformed. The message is one line naming it."""


@dataclass(frozen=True)
class Secret:
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')" if self.value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class Settings:
    bot_token: Secret
    signing_secret: Secret
    app_token: Secret
    slack_api_url: str
    database_url: str | None
    config_dir: Path
    port: int
    log_level: str
    web_concurrency: int
    # Seconds a request (headers and body) may take to arrive before its connection is dropped.
    request_read_timeout: float = 5.0
    # A changed config file is loaded once its contents have stayed the same this long.
    config_settle_seconds: float = 1.0
    # Slack names that failed to resolve are tried again with backoff doubling up to this.
    slack_names_retry_max_seconds: float = 60.0
    # Seconds a Slack Web API call may take before the client gives up on it.
    slack_timeout: float = 10.0
    # After a post timed out (it may still land), seconds to wait before looking for it and posting again.
    slack_late_post_wait: float = 30.0
    # Seconds this process answers "is this alert silenced?" from the silences it last read (0: read for
    # every message). A silence set or ended elsewhere (the CLI, another instance) applies within this.
    silences_refresh: float = 1.0
    # On SIGTERM, seconds to keep sending queued replies before releasing the rest to the next process.
    shutdown_grace: float = 8.0
    # Seconds a process's claim on a delivery lasts (renewed every third of it while the process runs).
    delivery_lease: float = 15.0
    # Posts a second per channel, and how many may go at once after a quiet spell (Slack takes about one
    # chat.postMessage a second per channel, with short bursts). Shared by serve's workers; 0: no pacing.
    slack_channel_rate: float = 1.0
    slack_channel_burst: float = 3.0
    # Alert receivers (issue 14). Secrets stay out of routing.yaml.
    pubsub_token: Secret = Secret("")
    azure_token: Secret = Secret("")
    azure_basic_auth: Secret = Secret("")  # "user:password"
    webhook_secrets: Mapping[str, Secret] = field(default_factory=dict)  # source -> HMAC secret
    sns_cert_host_pattern: str = DEFAULT_SNS_CERT_HOST_PATTERN  # tests point it at a local HTTPS host
    google_jwks_url: str = DEFAULT_GOOGLE_JWKS_URL  # tests point it at a local key set
    log_format: str = "text"
    # PROMETHEUS_MULTIPROC_DIR: where gunicorn's workers share metrics (serve makes one when unset).
    metrics_dir: Path | None = None
    # /readyz fails while the oldest pending delivery is older than this (READY_MAX_PENDING_AGE, seconds).
    ready_max_pending_age: int = 300
    # socket/scheduler: serve /healthz, /readyz, /metrics on this port (HEALTH_PORT; 0: none).
    health_port: int = 0
    # True when FINOPS_CONFIG_DIR named the directory (then it must exist); else
    # ./config or the example shipped in the package (bot.config.locate).
    config_dir_explicit: bool = False
    # Retention (``bot.storage.retention``): how long short-lived data is kept.
    # Here rather than in routing.yaml: it is a deployment's storage policy, the
    # same for every workspace, read by `finops-bot db prune` without a config.
    retain_event_ids_hours: int = 48
    retain_sent_deliveries_days: int = 7
    retain_schedule_claims_days: int = 35
    retain_requests_days: int = 730  # 0: the audit trail is kept for ever

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"  # WebClient joins method names onto the base URL
        return cls(
            bot_token=Secret(env.get("SLACK_BOT_TOKEN", "")),
            signing_secret=Secret(env.get("SLACK_SIGNING_SECRET", "")),
            app_token=Secret(env.get("SLACK_APP_TOKEN", "")),
            slack_api_url=api_url,
            database_url=env.get("DATABASE_URL") or None,
            config_dir=Path(env.get("FINOPS_CONFIG_DIR") or "config"),
            port=_port_setting(env, "PORT", 3000),
            log_level=_choice(env, "LOG_LEVEL", LOG_LEVELS, "INFO"),
            log_format=_choice(env, "LOG_FORMAT", LOG_FORMATS, "text"),
            metrics_dir=Path(env["PROMETHEUS_MULTIPROC_DIR"]) if env.get("PROMETHEUS_MULTIPROC_DIR") else None,
            ready_max_pending_age=_int_setting(env, "READY_MAX_PENDING_AGE", 300),
            health_port=_port_setting(env, "HEALTH_PORT", 0),
            web_concurrency=_int_setting(env, "WEB_CONCURRENCY", 2),
            request_read_timeout=_float_setting(env, "FINOPS_REQUEST_READ_TIMEOUT_SECONDS", 5.0),
            config_settle_seconds=_float_setting(env, "FINOPS_CONFIG_SETTLE_SECONDS", 1.0),
            slack_names_retry_max_seconds=_float_setting(env, "FINOPS_SLACK_NAMES_RETRY_MAX_SECONDS", 60.0),
            slack_timeout=_float_setting(env, "FINOPS_SLACK_TIMEOUT_SECONDS", 10.0),
            slack_late_post_wait=_float_setting(env, "FINOPS_SLACK_LATE_POST_WAIT_SECONDS", 30.0),
            silences_refresh=_number_setting(
                env, "FINOPS_SILENCES_REFRESH_SECONDS", 1.0, "a number of seconds", "0 (off) or more", _finite
            ),
            shutdown_grace=_float_setting(env, "FINOPS_SHUTDOWN_GRACE_SECONDS", 8.0),
            delivery_lease=_float_setting(env, "FINOPS_DELIVERY_LEASE_SECONDS", 15.0),
            slack_channel_rate=_rate_setting(env, "FINOPS_SLACK_CHANNEL_RATE", 1.0),
            slack_channel_burst=_count_setting(env, "FINOPS_SLACK_CHANNEL_BURST", 3.0),
            pubsub_token=Secret(env.get("FINOPS_PUBSUB_TOKEN", "")),
            azure_token=Secret(env.get("FINOPS_AZURE_TOKEN", "")),
            azure_basic_auth=Secret(env.get("FINOPS_AZURE_BASIC_AUTH", "")),
            webhook_secrets={
                name[len(WEBHOOK_SECRET_PREFIX) :].lower().replace("_", "-"): Secret(value)
                for name, value in env.items()
                if name.startswith(WEBHOOK_SECRET_PREFIX) and value
            },
            sns_cert_host_pattern=env.get("FINOPS_SNS_CERT_HOST_PATTERN") or DEFAULT_SNS_CERT_HOST_PATTERN,
            google_jwks_url=env.get("FINOPS_GOOGLE_JWKS_URL") or DEFAULT_GOOGLE_JWKS_URL,
            config_dir_explicit=bool(env.get("FINOPS_CONFIG_DIR")),
            retain_event_ids_hours=_int_setting(env, "FINOPS_RETAIN_EVENT_IDS_HOURS", 48, minimum=2),
            retain_sent_deliveries_days=_int_setting(env, "FINOPS_RETAIN_SENT_DELIVERIES_DAYS", 7, minimum=0),
            retain_schedule_claims_days=_int_setting(env, "FINOPS_RETAIN_SCHEDULE_CLAIMS_DAYS", 35, minimum=8),
            retain_requests_days=_requests_days(env),
        )

    def webhook_secret(self, source: str) -> Secret:
        """The HMAC secret of a webhook source: FINOPS_WEBHOOK_SECRET_<SOURCE>, '-' written as '_'."""
        return self.webhook_secrets.get(source.lower().replace("_", "-"), Secret(""))

    def require(self, *names: str) -> None:
        """Stop start-up with one line naming every missing setting (all at once, not one per attempt), or
        a Slack token not of its kind."""
        values = {**self._tokens(), "SLACK_SIGNING_SECRET": self.signing_secret}
        missing = [name for name in names if not values[name]]
        if len(missing) == 1:
            raise SettingsError(f"missing setting: {missing[0]} must be set in the environment")
        if missing:
            raise SettingsError(f"missing settings: {' and '.join(missing)} must be set in the environment")
        for name in names:
            problem = token_problem(name, values[name].value)
            if problem is not None:
                raise SettingsError(f"malformed setting: {problem}")

    def check_tokens(self) -> None:
        """Stop with one line on a Slack token that is set but is not of its kind (check-config, which
        runs where the tokens are rightly unset too)."""
        self.require(*(name for name, token in self._tokens().items() if token))

    def _tokens(self) -> dict[str, Secret]:
        return {"SLACK_BOT_TOKEN": self.bot_token, "SLACK_APP_TOKEN": self.app_token}


# A Slack token's prefix says its kind; an error may name the kind and prefix, never the token.
# Token rotation prefixes an expiring token with "xoxe.".
_TOKEN_KINDS = (
    ("xoxe.xoxb-", "a bot token"),
    ("xoxb-", "a bot token"),
    ("xoxe.xoxp-", "a user token"),
    ("xoxp-", "a user token"),
    ("xapp-", "an app-level token"),
    ("xoxe-", "a refresh token"),
)
# Setting -> (the kind it holds, what to set it to).
_TOKEN_WANTED = {
    "SLACK_BOT_TOKEN": ("a bot token", "the app's Bot User OAuth Token (xoxb-..., under OAuth & Permissions)"),
    "SLACK_APP_TOKEN": ("an app-level token", "an app-level token (xapp-...)"),
}


def token_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be the Slack token ``name`` holds, in words that never show it; None if it can.

    Only the prefix is checked, so tests and the demo run on fake tokens such as ``xoxb-test``."""
    if name not in _TOKEN_WANTED or not value:
        return None
    kind, wanted = _TOKEN_WANTED[name]
    if any(c.isspace() or c in "\"'`" for c in value):
        return f"{name} has quotes or white space in it: set {wanted} alone, as Slack shows it"
    prefix, found = next(((p, k) for p, k in _TOKEN_KINDS if value.startswith(p)), ("", None))
    if found == kind:
        return None
    if found is None:
        return f"{name} must be {wanted}"
    home = next((f", which goes in {other}" for other, (k, _) in _TOKEN_WANTED.items() if k == found), "")
    return f"{name} holds {found} ({prefix}...{home}); it must be {wanted}"


def _int_setting(env: Mapping[str, str], name: str, default: int, minimum: int | None = None) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"malformed setting: {name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"malformed setting: {name} must be at least {minimum}, got {value}")
    return value


def _requests_days(env: Mapping[str, str]) -> int:
    name = "FINOPS_RETAIN_REQUESTS_DAYS"
    days = _int_setting(env, name, 730, minimum=0)
    # The digest compares a week with the one before, and people look back a month: less would surprise.
    if 0 < days < MIN_REQUEST_DAYS:
        raise SettingsError(
            f"malformed setting: {name} must be 0 (keep for ever) or at least {MIN_REQUEST_DAYS}, got {days}"
        )
    return days


MIN_REQUEST_DAYS = 35


def _float_setting(env: Mapping[str, str], name: str, default: float) -> float:
    return _number_setting(env, name, default, "a number of seconds", "more than 0", lambda v: v > 0)


def _rate_setting(env: Mapping[str, str], name: str, default: float) -> float:
    return _number_setting(env, name, default, "a number per second", "0 (off) or more", lambda v: 0 <= v < INF)


def _count_setting(env: Mapping[str, str], name: str, default: float) -> float:
    return _number_setting(env, name, default, "a number", "at least 1", lambda v: 1 <= v < INF)


INF = float("inf")


def _finite(value: float) -> bool:
    return 0 <= value < INF


def _number_setting(
    env: Mapping[str, str], name: str, default: float, kind: str, bound: str, within: Callable[[float], bool]
) -> float:
    """A float setting: ``default`` when unset, else a number ``within`` its bound (NaN never is)."""
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"malformed setting: {name} must be {kind}, got {raw!r}") from None
    if not within(value):
        raise SettingsError(f"malformed setting: {name} must be {bound}, got {raw!r}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    value = raw.upper() if choices[0].isupper() else raw.lower()
    if value not in choices:
        raise SettingsError(f"malformed setting: {name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def _port_setting(env: Mapping[str, str], name: str, default: int) -> int:
    port = _int_setting(env, name, default)
    if not 0 <= port < 65536:
        raise SettingsError(f"malformed setting: {name} must be a port number 1-65535, got {port}")
    return port


def share_metrics_dir(path: Path) -> None:
    """Tell prometheus-client (in this process and the workers it forks) where to keep multi-process metrics.

    prometheus-client reads PROMETHEUS_MULTIPROC_DIR itself, so the setting is
    passed on through the environment; this is the one place that writes it.
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)

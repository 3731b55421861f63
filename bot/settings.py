"""Runtime settings, read from the environment only when a command asks for them.

Secrets are kept in ``Secret`` wrappers whose ``repr``/``str`` never show the
value, so a settings object can be logged or shown in a traceback safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_SNS_CERT_HOST_PATTERN = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
DEFAULT_GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
WEBHOOK_SECRET_PREFIX = "FINOPS_WEBHOOK_SECRET_"


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
    # On SIGTERM, seconds to keep sending queued replies before releasing the rest to the next process.
    shutdown_grace: float = 8.0
    # Seconds a process's claim on a delivery lasts (renewed every third of it while the process runs).
    delivery_lease: float = 15.0
    # Alert receivers (issue 14). Secrets stay out of routing.yaml.
    pubsub_token: Secret = Secret("")
    azure_token: Secret = Secret("")
    azure_basic_auth: Secret = Secret("")  # "user:password"
    webhook_secrets: Mapping[str, Secret] = field(default_factory=dict)  # source -> HMAC secret
    sns_cert_host_pattern: str = DEFAULT_SNS_CERT_HOST_PATTERN  # tests point it at a local HTTPS host
    google_jwks_url: str = DEFAULT_GOOGLE_JWKS_URL  # tests point it at a local key set

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
            port=_int_setting(env, "PORT", 3000),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            web_concurrency=_int_setting(env, "WEB_CONCURRENCY", 2),
            request_read_timeout=_float_setting(env, "FINOPS_REQUEST_READ_TIMEOUT_SECONDS", 5.0),
            config_settle_seconds=_float_setting(env, "FINOPS_CONFIG_SETTLE_SECONDS", 1.0),
            slack_names_retry_max_seconds=_float_setting(env, "FINOPS_SLACK_NAMES_RETRY_MAX_SECONDS", 60.0),
            slack_timeout=_float_setting(env, "FINOPS_SLACK_TIMEOUT_SECONDS", 10.0),
            slack_late_post_wait=_float_setting(env, "FINOPS_SLACK_LATE_POST_WAIT_SECONDS", 30.0),
            shutdown_grace=_float_setting(env, "FINOPS_SHUTDOWN_GRACE_SECONDS", 8.0),
            delivery_lease=_float_setting(env, "FINOPS_DELIVERY_LEASE_SECONDS", 15.0),
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
        )

    def webhook_secret(self, source: str) -> Secret:
        """The HMAC secret of a webhook source: FINOPS_WEBHOOK_SECRET_<SOURCE>, '-' written as '_'."""
        return self.webhook_secrets.get(source.lower().replace("_", "-"), Secret(""))

    def require(self, *names: str) -> None:
        """Stop start-up with one line naming the first missing setting."""
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
        }
        for name in names:
            if not values[name]:
                raise SettingsError(f"missing setting: {name} must be set in the environment")
        if self.app_token and "SLACK_APP_TOKEN" in names and not self.app_token.value.startswith("xapp-"):
            raise SettingsError("malformed setting: SLACK_APP_TOKEN must be an app-level token (xapp-...)")


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"malformed setting: {name} must be a whole number, got {raw!r}") from None


def _float_setting(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"malformed setting: {name} must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"malformed setting: {name} must be more than 0, got {raw!r}")
    return value

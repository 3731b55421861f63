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
            config_dir_explicit=bool(env.get("FINOPS_CONFIG_DIR")),
        )

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

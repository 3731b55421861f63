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
    # Retention (``bot.storage.retention``): how long short-lived data is kept.
    # Here rather than in routing.yaml: it is a deployment's storage policy, the
    # same for every workspace, read by `finops-bot db prune` without a config.
    retain_event_ids_hours: int = 48
    retain_sent_deliveries_days: int = 7
    retain_schedule_claims_days: int = 35

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
            retain_event_ids_hours=_int_setting(env, "FINOPS_RETAIN_EVENT_IDS_HOURS", 48, minimum=2),
            retain_sent_deliveries_days=_int_setting(env, "FINOPS_RETAIN_SENT_DELIVERIES_DAYS", 7, minimum=0),
            retain_schedule_claims_days=_int_setting(env, "FINOPS_RETAIN_SCHEDULE_CLAIMS_DAYS", 35, minimum=8),
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

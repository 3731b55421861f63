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

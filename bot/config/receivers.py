"""The ``receivers:`` section of routing.yaml: where cloud alerts come in and where they are posted.

Secrets are not here: they come from the environment through ``bot.settings``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.config.models_base import Frozen

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
TOPIC_ARN_PATTERN = r"^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$"


class SnsReceiver(Frozen):
    channel: str
    # Subscriptions are confirmed, and notifications accepted, only for these topics.
    topic_arns: tuple[str, ...] = Field(min_length=1)


class PubsubReceiver(Frozen):
    channel: str
    # OIDC: the audience set on the push subscription and its service account's email.
    audience: str | None = None
    service_account: str | None = None
    # Accept ?token=<FINOPS_PUBSUB_TOKEN> when the push subscription has no authentication.
    allow_url_token: bool = False


class AzureReceiver(Frozen):
    channel: str
    # How the Action Group authenticates: ?token=<FINOPS_AZURE_TOKEN> and/or basic auth (FINOPS_AZURE_BASIC_AUTH).
    auth: tuple[Literal["token", "basic"], ...] = Field(default=("token",), min_length=1)


class WebhookFields(Frozen):
    """Dotted paths into the webhook's JSON body ("alert.summary", "items.0.cost")."""

    text: str
    title: str | None = None
    amount: str | None = None
    currency: str | None = None
    id: str | None = None  # the sender's own alert id: a later post with it repeats the first
    link: str | None = None
    scope: dict[str, str] = Field(default_factory=dict)  # scope name -> path, e.g. {account: "labels.account_id"}
    status: str | None = None  # "resolved", "ok", "closed"... there: the alert cleared (bot.receivers.webhook)


class WebhookReceiver(Frozen):
    source: str = Field(pattern=SOURCE_PATTERN)  # POST /alerts/webhook/<source>; FINOPS_WEBHOOK_SECRET_<SOURCE>
    channel: str
    fields: WebhookFields
    # A header the sender puts its own delivery id in ("X-Request-Id"): a retry carrying the same one is
    # dropped. Without it, a retry is recognised by its signed content (timestamp and body).
    delivery_header: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")


class ReceiversConfig(Frozen):
    max_body_kb: int = Field(default=256, gt=0, le=4096)
    replay_window_seconds: int = Field(default=300, gt=0, le=3600)
    aws_sns: SnsReceiver | None = None
    gcp_pubsub: PubsubReceiver | None = None
    azure: AzureReceiver | None = None
    webhooks: tuple[WebhookReceiver, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.aws_sns or self.gcp_pubsub or self.azure or self.webhooks)

    def channels(self) -> tuple[str, ...]:
        found = [r.channel for r in (self.aws_sns, self.gcp_pubsub, self.azure) if r is not None]
        return tuple(dict.fromkeys(found + [w.channel for w in self.webhooks]))

    def scope_names(self) -> tuple[str, ...]:
        """The scope names the webhooks map (`fields.scope`): alert attributes a silence can match on."""
        return tuple(dict.fromkeys(name for webhook in self.webhooks for name in webhook.fields.scope))


class SilencesConfig(Frozen):
    # A watched-channel message under a silence: recorded, then a quiet thread reply
    # that tags nobody ("quiet_reply") or no reply at all ("no_reply").
    slack_messages: Literal["quiet_reply", "no_reply"] = "quiet_reply"

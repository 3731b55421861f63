"""The ``/alerts/...`` paths of the ``serve`` process: authenticate, parse, hand over, answer.

Every answer is JSON. A refused request gets a 4xx (5xx only when a provider's
key or certificate cannot be fetched, so the provider retries), is counted by
receiver and reason, and is logged with its reason only — never a secret, a
token or the body.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

from bot.config.receivers import ReceiversConfig
from bot.domain.alerts import Alert
from bot.receivers import azure, pubsub, sns, webhook
from bot.receivers.common import Rejected
from bot.settings import Settings
from bot.telemetry.metrics import RECEIVER_ACCEPTED, RECEIVER_REJECTED

log = logging.getLogger(__name__)

PREFIX = "/alerts/"
PATHS = {
    "/alerts/aws/sns": "aws_sns",
    "/alerts/gcp/pubsub": "gcp_pubsub",
    "/alerts/azure": "azure",
}
WEBHOOK_PREFIX = "/alerts/webhook/"


class AlertSink(Protocol):
    """The alert intake service as the receivers see it."""

    def accept(self, alert: Alert, channel: str) -> Mapping[str, Any]: ...


@dataclass
class Counters:
    """Requests accepted and refused, by receiver (and reason). Thread-safe; also counted for /metrics.

    Label values come from this code only (receiver names, refusal reasons, intake actions),
    never from the request, so the metrics' series stay few.
    """

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[tuple[str, str]] = Counter()

    def accept(self, receiver: str, outcome: str = "accepted") -> None:
        with self._lock:
            self.accepted[receiver] += 1
        RECEIVER_ACCEPTED.labels(receiver, outcome.replace(" ", "_")).inc()

    def reject(self, receiver: str, reason: str) -> None:
        with self._lock:
            self.rejected[(receiver, reason)] += 1
        RECEIVER_REJECTED.labels(receiver, reason).inc()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "accepted": dict(self.accepted),
                "rejected": {f"{receiver}:{reason}": n for (receiver, reason), n in self.rejected.items()},
            }


class AlertReceivers:
    """One WSGI callable for every receiver path."""

    def __init__(
        self,
        settings: Settings,
        config: Callable[[], ReceiversConfig],
        sink: AlertSink,
        clock: Callable[[], dt.datetime],
        fetch: sns.Fetch = sns.https_get,
    ):
        self.settings = settings
        self.config = config
        self.sink = sink
        self.clock = clock
        self.fetch = fetch
        self.certificates = sns.CertificateCache(settings.sns_cert_host_pattern, fetch)
        self._verifier: pubsub.TokenVerifier | None = None
        self.counters = Counters()

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(PREFIX)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        receiver = PATHS.get(path) or ("webhook" if path.startswith(WEBHOOK_PREFIX) else "unknown")
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise Rejected(405, "method_not_allowed", "receivers accept POST only")
            config = self.config()
            body = self._body(environ, config.max_body_kb * 1024)
            headers = _headers(environ)
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING") or "").items()}
            answer = self._dispatch(receiver, path, config, body, headers, query)
        except Rejected as refusal:
            self.counters.reject(receiver, refusal.reason)
            log.warning("receiver %s refused a request to %s: %s (%s)", receiver, path, refusal.reason, refusal.detail)
            return _json(start_response, refusal.status, {"error": refusal.reason, "detail": refusal.detail})
        except Exception as error:  # storage or Slack down, channel unknown: not recorded, so ask for a retry
            self.counters.reject(receiver, "unavailable")
            log.error("receiver %s could not take an alert: %s: %s", receiver, type(error).__name__, error)
            return _json(start_response, 503, {"error": "unavailable", "detail": "not recorded; retry later"})
        self.counters.accept(receiver, str(answer.get("action") or "accepted"))
        return _json(start_response, 200, {"ok": True, **answer})

    def _body(self, environ: dict, limit: int) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Rejected(400, "bad_length", "Content-Length is not a number") from None
        if length > limit:
            raise Rejected(413, "body_too_large", f"the body is over the {limit // 1024} KiB limit")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        if not body:
            raise Rejected(400, "empty_body", "the request has no body")
        return body

    def _dispatch(
        self,
        receiver: str,
        path: str,
        config: ReceiversConfig,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
    ) -> Mapping[str, Any]:
        now = self.clock()
        if receiver == "aws_sns" and config.aws_sns is not None:
            outcome = sns.receive(body, headers, config.aws_sns.topic_arns, self.certificates, now)
            if outcome.confirm_url:
                self._confirm(outcome.confirm_url)
            if outcome.alert is None:
                log.info("receiver aws_sns: %s", outcome.note)
                return {"action": outcome.note}
            return self.sink.accept(outcome.alert, config.aws_sns.channel)
        if receiver == "gcp_pubsub" and config.gcp_pubsub is not None:
            settings = config.gcp_pubsub
            auth = pubsub.PubsubAuth(
                settings.audience,
                settings.service_account,
                self.settings.pubsub_token.value if settings.allow_url_token else "",
            )
            pubsub.authenticate(headers, query, auth, self._token_verifier() if settings.audience else None)
            alert = pubsub.receive(body)
            if alert is None:
                return {"action": "ignored", "reason": "no threshold exceeded"}
            return self.sink.accept(alert, settings.channel)
        if receiver == "azure" and config.azure is not None:
            methods = config.azure.auth
            azure.authenticate(
                headers,
                query,
                azure.AzureAuth(
                    self.settings.azure_token.value if "token" in methods else "",
                    self.settings.azure_basic_auth.value if "basic" in methods else "",
                ),
            )
            return self.sink.accept(azure.receive(body), config.azure.channel)
        if receiver == "webhook":
            source = path[len(WEBHOOK_PREFIX) :]
            hook = next((w for w in config.webhooks if w.source == source), None)
            if hook is None:
                raise Rejected(404, "unknown_source", "no webhook with this source under receivers.webhooks")
            secret = self.settings.webhook_secret(source).value
            webhook.verify(headers, body, secret, now.timestamp(), config.replay_window_seconds)
            fields = webhook.FieldMap(**hook.fields.model_dump())
            delivery = webhook.delivery_id(source, headers, body, hook.delivery_header)
            return self.sink.accept(webhook.receive(source, body, fields, delivery), hook.channel)
        raise Rejected(404, "unknown_receiver", "no receiver is configured at this path")

    def _token_verifier(self) -> pubsub.TokenVerifier:
        if self._verifier is None:
            self._verifier = pubsub.TokenVerifier(self.settings.google_jwks_url)
        return self._verifier

    def _confirm(self, url: str) -> None:
        try:
            sns.confirm_subscription(url, self.fetch)
        except Exception as error:
            raise Rejected(
                502, "confirmation_failed", f"cannot confirm the subscription: {type(error).__name__}"
            ) from None


def missing_secrets(settings: Settings, config: ReceiversConfig) -> list[tuple[str, str]]:
    """Environment settings the configured receivers need and do not have: (variable, what needs it)."""
    missing = []
    if config.gcp_pubsub and config.gcp_pubsub.allow_url_token and not settings.pubsub_token:
        missing.append(("FINOPS_PUBSUB_TOKEN", "receivers.gcp_pubsub.allow_url_token"))
    if config.azure and "token" in config.azure.auth and not settings.azure_token:
        missing.append(("FINOPS_AZURE_TOKEN", "receivers.azure.auth: token"))
    if config.azure and "basic" in config.azure.auth and ":" not in settings.azure_basic_auth.value:
        missing.append(("FINOPS_AZURE_BASIC_AUTH", "receivers.azure.auth: basic"))
    for index, hook in enumerate(config.webhooks):
        if not settings.webhook_secret(hook.source):
            variable = "FINOPS_WEBHOOK_SECRET_" + hook.source.upper().replace("-", "_")
            missing.append((variable, f"receivers.webhooks[{index}] (source {hook.source})"))
    return missing


def missing_secret_line(settings: Settings, config: ReceiversConfig) -> str | None:
    """One line naming the first missing receiver secret, or None: serve does not start without it."""
    missing = missing_secrets(settings, config)
    if not missing:
        return None
    variable, needed_by = missing[0]
    more = (
        f" (and {len(missing) - 1} more receiver setting{'s' if len(missing) > 2 else ''})" if len(missing) > 1 else ""
    )
    return f"missing setting: {variable} must be set in the environment: {needed_by} in routing.yaml needs it{more}"


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _json(start_response: Callable, status: int, payload: Mapping[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "")
    reason = reason or {
        405: "Method Not Allowed",
        413: "Payload Too Large",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

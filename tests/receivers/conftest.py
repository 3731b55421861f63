"""The real ``serve`` process with every receiver configured, provider endpoints on loopback.

SNS: a local CA signs a TLS certificate for 127.0.0.1; the bot trusts that CA
through ``SSL_CERT_FILE`` (OpenSSL's own setting) and the trusted host pattern
is pointed at 127.0.0.1 — the only override; the verification code is the
production one. Pub/Sub: Google's key set is served from a local key.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.receivers.local_http import Files, serving
from tests.receivers.signing import TOPIC_ARN, GoogleIssuer, SnsSigner, certificate, key_pem, new_key, pem
from tests.slack.harness import SHIPPED_CONFIG, Harness, copy_config, start_harness, stop_harness

AUDIENCE = "https://finops-bot.example.com/alerts/gcp/pubsub"
SERVICE_ACCOUNT = "budget-push@finops-prod.iam.gserviceaccount.com"
SECRETS = {
    "FINOPS_PUBSUB_TOKEN": "pubsub-url-token-5f1c",
    "FINOPS_AZURE_TOKEN": "azure-url-token-9a2e",
    "FINOPS_AZURE_BASIC_AUTH": "finops:azure-basic-7d3b",
    "FINOPS_WEBHOOK_SECRET_KUBECOST": "whsec-kubecost-0e4f",
}
CERT_PATH = "/SimpleNotificationService-local.pem"

RECEIVERS_YAML = f"""
receivers:
  max_body_kb: 64
  replay_window_seconds: 300
  aws_sns:
    channel: "#cost-alerts"
    topic_arns: [{TOPIC_ARN}]
  gcp_pubsub:
    channel: "#cost-alerts"
    audience: {AUDIENCE}
    service_account: {SERVICE_ACCOUNT}
    allow_url_token: true
  azure:
    channel: "#cost-alerts"
    auth: [token, basic]
  webhooks:
    - source: kubecost
      channel: "#cost-alerts"
      delivery_header: X-Kubecost-Delivery
      fields:
        text: message
        amount: totalCost
        id: id
        scope: {{namespace: labels.namespace, account: labels.account, cost-center: labels.cost-center}}
"""


@dataclass
class Receivers:
    harness: Harness
    base: str  # http://127.0.0.1:<port>
    sns: SnsSigner
    sns_files: Files  # what the bot fetched over HTTPS (certificate, SubscribeURL)
    sns_base: str
    google: GoogleIssuer

    def post(self, path: str, body: bytes | dict, headers: dict | None = None) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def posts(self) -> list:
        """Top-level posts the bot made in #cost-alerts (not thread replies)."""
        channel = self.harness.alerts
        return [
            call
            for call in self.harness.sim.calls("chat.postMessage")
            if call.ok and call.params.get("channel") == channel and not call.params.get("thread_ts")
        ]


def _tls_context(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    ca_key = new_key()
    ca = certificate(ca_key, "finops-bot test CA", ca=True)
    server_key = new_key()
    server = certificate(server_key, "127.0.0.1", issuer_key=ca_key, issuer=ca, hosts=("127.0.0.1", "localhost"))
    (tmp / "ca.pem").write_bytes(pem(ca))
    (tmp / "server.pem").write_bytes(pem(server) + key_pem(server_key))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "server.pem")
    return context, tmp / "ca.pem"


@contextmanager
def running_receivers(tmp: Path, database: str, edit: Callable[[Path], None] | None = None) -> Iterator[Receivers]:
    """The bot with every receiver configured on ``database``, and the provider endpoints it talks to.

    ``edit(config_dir)`` changes the config further (owners.yaml); the workspace then holds what it names.
    """
    tls, ca_file = _tls_context(tmp)
    signing_key = new_key()
    sns_files = Files()
    sns_files.content[CERT_PATH] = pem(certificate(signing_key, "sns.amazonaws.com"))
    sns_files.content["/"] = b"<ConfirmSubscriptionResponse/>"
    google = GoogleIssuer(new_key())
    jwks_files = Files()
    jwks_files.content["/oauth2/v3/certs"] = json.dumps(google.jwks()).encode()

    def add_receivers(config_dir: Path) -> None:
        with (config_dir / "routing.yaml").open("a", encoding="utf-8") as routing:
            routing.write(RECEIVERS_YAML)
        if edit is not None:
            edit(config_dir)

    with serving(sns_files, tls) as sns_base, serving(jwks_files) as jwks_base:
        env = {
            **SECRETS,
            "SSL_CERT_FILE": str(ca_file),
            "FINOPS_SNS_CERT_HOST_PATTERN": r"127\.0\.0\.1",
            "FINOPS_GOOGLE_JWKS_URL": f"{jwks_base}/oauth2/v3/certs",
            "LOG_LEVEL": "INFO",
        }
        config_dir = copy_config(tmp, add_receivers)
        harness = start_harness(tmp, database, config_dir, env, seed_from=config_dir if edit else SHIPPED_CONFIG)
        base = harness.bot.url.removesuffix("/slack/events")
        try:
            yield Receivers(harness, base, SnsSigner(signing_key, sns_base + CERT_PATH), sns_files, sns_base, google)
        finally:
            stop_harness(harness)


@pytest.fixture(scope="module")
def receivers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receivers]:
    tmp = tmp_path_factory.mktemp("receivers")
    with running_receivers(tmp, f"sqlite:///{tmp / 'bot.db'}") as running:
        yield running

"""Pub/Sub push: OIDC tokens checked against a local key set, the URL token, the envelope, budget data."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from bot.receivers import pubsub
from bot.receivers.common import Rejected
from tests.receivers.local_http import Files, serving
from tests.receivers.signing import GoogleIssuer, budget_data, new_key, push_envelope

AUDIENCE = "https://finops-bot.example.com/alerts/gcp/pubsub"
ACCOUNT = "budget-push@finops-prod.iam.gserviceaccount.com"
ISSUER = GoogleIssuer(new_key())


@pytest.fixture(scope="module")
def verifier() -> Iterator[pubsub.TokenVerifier]:
    files = Files()
    files.content["/oauth2/v3/certs"] = json.dumps(ISSUER.jwks()).encode()
    with serving(files) as base:
        yield pubsub.TokenVerifier(f"{base}/oauth2/v3/certs")


OIDC = pubsub.PubsubAuth(AUDIENCE, ACCOUNT, url_token="")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_token_from_the_push_service_account_passes(verifier: pubsub.TokenVerifier) -> None:
    pubsub.authenticate(bearer(ISSUER.token(AUDIENCE, ACCOUNT)), {}, OIDC, verifier)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: ISSUER.token("https://other.example/", ACCOUNT), "wrong_audience"),
        (lambda: ISSUER.token(AUDIENCE, "someone@evil.example"), "wrong_service_account"),
        (lambda: ISSUER.token(AUDIENCE, ACCOUNT, email_verified=False), "wrong_service_account"),
        (lambda: ISSUER.token(AUDIENCE, ACCOUNT, issued=time.time() - 7200), "expired_token"),
        (lambda: ISSUER.token(AUDIENCE, ACCOUNT, iss="https://evil.example"), "bad_token"),
        (lambda: GoogleIssuer(new_key()).token(AUDIENCE, ACCOUNT), "bad_token"),
        (lambda: GoogleIssuer(new_key(), kid="other").token(AUDIENCE, ACCOUNT), "bad_token"),
        (lambda: "not.a.jwt", "bad_token"),
    ],
)
def test_bad_tokens_are_refused(token, reason: str, verifier: pubsub.TokenVerifier) -> None:
    with pytest.raises(Rejected) as refused:
        pubsub.authenticate(bearer(token()), {}, OIDC, verifier)
    assert refused.value.reason == reason
    assert refused.value.status in (401, 403)


def test_no_credentials_at_all_is_unauthenticated(verifier: pubsub.TokenVerifier) -> None:
    with pytest.raises(Rejected, match="unauthenticated"):
        pubsub.authenticate({}, {}, OIDC, verifier)


def test_url_token_when_allowed() -> None:
    auth = pubsub.PubsubAuth(None, None, url_token="s3cret-token")
    pubsub.authenticate({}, {"token": "s3cret-token"}, auth, None)
    with pytest.raises(Rejected) as refused:
        pubsub.authenticate({}, {"token": "guess"}, auth, None)
    assert "s3cret" not in str(refused.value)


def test_url_token_not_allowed_means_refused() -> None:
    with pytest.raises(Rejected):
        pubsub.authenticate({}, {"token": ""}, pubsub.PubsubAuth(None, None, url_token=""), None)


def test_budget_notification_becomes_an_alert() -> None:
    alert = pubsub.receive(json.dumps(push_envelope(budget_data(0.9))).encode())
    assert alert is not None
    assert (alert.source, alert.kind, alert.amount, alert.currency) == ("gcp-budget", "budget", 9012.5, "USD")
    assert alert.delivery_id == "2070443601311540"
    assert alert.scope == {"budget": "data-platform-monthly", "billing_account": "01D4EE-079462-DFD6EC"}
    assert "90%" in alert.title and "data-platform-monthly" in alert.title


def test_same_threshold_later_in_the_day_is_the_same_alert() -> None:
    first = pubsub.receive(json.dumps(push_envelope(budget_data(0.9, cost=9012.5), "1")).encode())
    later = pubsub.receive(json.dumps(push_envelope(budget_data(0.9, cost=9400.0), "2")).encode())
    higher = pubsub.receive(json.dumps(push_envelope(budget_data(1.0, cost=10100.0), "3")).encode())
    assert first and later and higher
    assert first.fingerprint() == later.fingerprint() != higher.fingerprint()


def test_below_every_threshold_is_no_alert() -> None:
    assert pubsub.receive(json.dumps(push_envelope(budget_data(None))).encode()) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "malformed_json"),
        (b"[]", "malformed_json"),
        (json.dumps({"subscription": "x"}).encode(), "malformed_envelope"),
        (json.dumps({"message": {"data": "!!!", "messageId": "1"}}).encode(), "malformed_envelope"),
        (json.dumps({"message": {"data": base64.b64encode(b"{}").decode()}}).encode(), "malformed_envelope"),
        (json.dumps(push_envelope(b"plain text")).encode(), "malformed_json"),
        (json.dumps(push_envelope({"hello": "world"})).encode(), "not_a_budget_notification"),
    ],
)
def test_malformed_envelopes_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as refused:
        pubsub.receive(body)
    assert (refused.value.status, refused.value.reason) == (400, reason)

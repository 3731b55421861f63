"""GCP Pub/Sub push: the envelope, its base64 data, Cloud Billing budget notifications.

A push request is authenticated by the OIDC token Pub/Sub attaches (RS256,
Google's keys from their JWKS URL, our audience, the push service account's
verified email) or, for subscriptions without authentication, by a secret
``token`` query parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from bot.receivers.common import Alert, Rejected, as_mapping, json_object, parse_money, same_secret, text_field

GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


@dataclass(frozen=True)
class PubsubAuth:
    audience: str | None  # OIDC: the audience set on the push subscription
    service_account: str | None  # OIDC: the push subscription's service account email
    url_token: str  # the secret ``token`` query parameter; "" when not allowed


class TokenVerifier:
    """Google OIDC tokens: signature from the JWKS (keys cached by the client), audience, issuer, email."""

    def __init__(self, jwks_url: str = GOOGLE_JWKS_URL):
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def verify(self, token: str, audience: str, service_account: str) -> None:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise Rejected(502, "keys_unavailable", "cannot fetch Google's token signing keys") from None
        except jwt.PyJWTError:
            raise Rejected(401, "bad_token", "the bearer token is malformed or signed by an unknown key") from None
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=audience,
                options={"require": ["exp", "iat", "aud", "iss"]},
            )
        except jwt.InvalidAudienceError:
            raise Rejected(401, "wrong_audience", "the token's audience is not receivers.gcp_pubsub.audience") from None
        except jwt.ExpiredSignatureError:
            raise Rejected(401, "expired_token", "the bearer token has expired") from None
        except jwt.PyJWTError as error:
            raise Rejected(401, "bad_token", f"the bearer token does not verify ({type(error).__name__})") from None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise Rejected(401, "bad_token", "the token was not issued by Google")
        if claims.get("email") != service_account or claims.get("email_verified") is not True:
            raise Rejected(
                403, "wrong_service_account", "the token's email is not receivers.gcp_pubsub.service_account"
            )


def authenticate(
    headers: Mapping[str, str], query: Mapping[str, str], auth: PubsubAuth, verifier: TokenVerifier | None
) -> None:
    authorization = headers.get("authorization") or ""
    if authorization[:7].lower() == "bearer " and auth.audience and auth.service_account and verifier is not None:
        verifier.verify(authorization[7:].strip(), auth.audience, auth.service_account)
        return
    if auth.url_token and same_secret(query.get("token"), auth.url_token):
        return
    raise Rejected(401, "unauthenticated", "no valid OIDC token or URL token")


def receive(body: bytes) -> Alert | None:
    """The alert in a push request; None for a budget notification below every threshold."""
    envelope = json_object(body, "push envelope")
    message = envelope.get("message")
    if not isinstance(message, dict):
        raise Rejected(400, "malformed_envelope", "push envelope: 'message' is missing")
    message_id = message.get("messageId") or message.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise Rejected(400, "malformed_envelope", "push envelope: 'message.messageId' is missing")
    raw = text_field(message, "data", "push envelope message")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Rejected(400, "malformed_envelope", "push envelope: 'message.data' is not base64") from None
    attributes = as_mapping(message.get("attributes"))
    notification = json_object(data, "message data")
    return budget_alert(notification, attributes, message_id)


def budget_alert(data: Mapping[str, Any], attributes: Mapping[str, Any], message_id: str) -> Alert | None:
    name = data.get("budgetDisplayName")
    cost = parse_money(data.get("costAmount"))
    budget = parse_money(data.get("budgetAmount"))
    if not isinstance(name, str) or cost is None or budget is None:
        raise Rejected(
            400, "not_a_budget_notification", "message data lacks budgetDisplayName, costAmount or budgetAmount"
        )
    threshold = data.get("alertThresholdExceeded")
    if threshold is None:
        return None  # Cloud Billing sends these several times a day; nothing was crossed
    currency = str(data.get("currencyCode") or "USD")
    basis = "forecasted" if data.get("forecastThresholdExceeded") is not None else "actual"
    percent = f"{float(threshold) * 100:g}%" if isinstance(threshold, int | float) else str(threshold)
    # The notification names no project: the budget is what says whose it is; the billing account pays.
    scope = {"budget": name, "billing_account": str(attributes.get("billingAccountId") or "")}
    budget_id = str(attributes.get("budgetId") or name)
    interval = str(data.get("costIntervalStart") or "")
    return Alert(
        receiver="gcp_pubsub",
        source="gcp-budget",
        kind="budget",
        delivery_id=message_id,
        alert_key=f"{budget_id}:{interval}:{json.dumps(threshold)}",
        title=f"GCP budget {name} passed {percent} of its amount",
        text=(
            f"Google Cloud budget {name}: {basis} cost {cost:,.2f} {currency} "
            f"of a {budget:,.2f} {currency} budget (threshold {percent})."
        ),
        amount=cost,
        currency=currency,
        scope={k: v for k, v in scope.items() if v},
    )

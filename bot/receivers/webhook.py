"""Signed JSON webhooks (Kubecost, Vantage, CloudZero, Datadog, an in-house tool).

The sender signs ``<timestamp>.<raw body>`` with HMAC-SHA256 and the source's
secret and sends::

    X-Finops-Timestamp: 1764556800            (Unix seconds)
    X-Finops-Signature: sha256=<hex digest>

A timestamp outside the replay window is refused, and so is any signature that
does not match. Fields are picked out of the JSON by dotted paths from config.

Two identities: the *delivery* (one request; a retry of it is dropped) is the
sender's delivery header when one is configured (``delivery_header``), else
the signed content (timestamp and body); the *alert* (``fields.id``) stays the
same across later notifications, which go to the first post's thread.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.receivers.common import Alert, Rejected, body_digest, json_object, parse_money
from bot.routing.amounts import headline

TIMESTAMP_HEADER = "x-finops-timestamp"
SIGNATURE_HEADER = "x-finops-signature"


@dataclass(frozen=True)
class FieldMap:
    text: str
    title: str | None = None
    amount: str | None = None
    currency: str | None = None
    id: str | None = None
    link: str | None = None
    scope: Mapping[str, str] = field(default_factory=dict)  # scope name -> dotted path
    status: str | None = None


# A mapped status saying the alert's condition cleared (Alertmanager's "resolved", Grafana's "ok"...).
RESOLVED_STATUSES = frozenset({"resolved", "ok", "closed", "recovered", "inactive", "normal"})


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(headers: Mapping[str, str], body: bytes, secret: str, now_seconds: float, window_seconds: float) -> None:
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not raw_timestamp or not signature:
        raise Rejected(401, "unsigned", "X-Finops-Timestamp and X-Finops-Signature are required")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise Rejected(400, "bad_timestamp", "X-Finops-Timestamp is not Unix seconds") from None
    if abs(now_seconds - timestamp) > window_seconds:
        raise Rejected(401, "expired_timestamp", "the timestamp is outside the replay window")
    if not secret or not hmac.compare_digest(sign(secret, raw_timestamp, body).encode(), signature.strip().encode()):
        raise Rejected(401, "bad_signature", "the HMAC signature does not match")


def pick(data: Any, path: str | None) -> Any:
    if not path:
        return None
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def delivery_id(source: str, headers: Mapping[str, str], body: bytes, delivery_header: str | None = None) -> str:
    """The identity of one delivery: the same request sent again (a retry) carries the same one.

    The sender's own delivery id when ``delivery_header`` names one and it is present; else the signed
    content, timestamp and body, so a later notification with the same body is still a new delivery.
    """
    if delivery_header:
        given = headers.get(delivery_header.lower(), "").strip()
        if given:
            # Kept whole: a long id is hashed rather than cut, so two ids never share a key.
            return f"{source}:{given if len(given) <= 64 else body_digest(given.encode())}"
    signed = headers.get(TIMESTAMP_HEADER, "").strip().encode() + b"." + body
    return f"{source}:{body_digest(signed)}"


def receive(source: str, body: bytes, fields: FieldMap, delivery: str | None = None) -> Alert:
    """``delivery``: ``delivery_id(...)`` of this request; without it, the body's digest."""
    data = json_object(body, "webhook body")
    text = pick(data, fields.text)
    if not isinstance(text, str) or not text.strip():
        raise Rejected(400, "missing_field", f"the mapped text field '{fields.text}' is missing or empty")
    alert_id = pick(data, fields.id)
    title = pick(data, fields.title)
    scope = {}
    for name, path in fields.scope.items():
        value = pick(data, path)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            scope[name] = str(value)
    amount = parse_money(pick(data, fields.amount))
    currency = pick(data, fields.currency)
    currency = currency.strip().upper() if isinstance(currency, str) and currency.strip() else None
    if currency is None:
        # The payload declares no currency: the text's own figure says it ("spent €2.388,12"), so the
        # amount posted and the amount routed are one reading. A text stating none leaves US dollars.
        stated = headline(text)
        if stated is not None:
            currency = stated.currency
            amount = stated.amount if amount is None else amount
    link = pick(data, fields.link)
    status = pick(data, fields.status)
    key = str(alert_id) if isinstance(alert_id, str | int) and str(alert_id) else body_digest(body)
    return Alert(
        receiver="webhook",
        source=source,
        kind="notification",
        delivery_id=delivery or f"{source}:{body_digest(body)}",
        alert_key=key,
        # Without a mapped title the header reads "Kubecost alert", not the path's lower-case "kubecost alert".
        title=str(title) if isinstance(title, str) else f"{source[:1].upper()}{source[1:]} alert",
        text=text.strip()[:3000],
        amount=amount,
        currency=currency,
        scope=scope,
        link=link if isinstance(link, str) else None,
        resolved=isinstance(status, str) and status.strip().casefold() in RESOLVED_STATUSES,
    )

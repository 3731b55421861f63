"""What every receiver shares: the alert value, rejections, secrets compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from bot.domain.alerts import Alert
from bot.routing.amounts import parse_figure

__all__ = [
    "Alert",
    "Rejected",
    "basic_credentials",
    "body_digest",
    "json_object",
    "parse_money",
    "same_secret",
    "text_field",
]


class Rejected(Exception):
    """A request the receiver refuses. ``reason`` is a short stable code; ``detail`` never holds a secret."""

    def __init__(self, status: int, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.status = status
        self.reason = reason
        self.detail = detail


_MONEY = re.compile(r"(-?[\d,]*\.?\d+)")


def parse_money(value: Any, currency: str | None = None) -> float | None:
    """12.5, "12.5", "$1,234.56", "9,512.40", "1.234,56" (in euros), "1234.56 USD" -> a float, its
    thousands grouping read as the router reads it in text; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        figure = parse_figure(value, (currency or "USD").upper())
        if figure is not None:
            return figure
        match = _MONEY.search(value)
        if match:
            try:
                return float(match.group(1).replace(",", ""))
            except ValueError:
                return None
    return None


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "malformed_json", f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise Rejected(400, "malformed_json", f"{what} is not a JSON object")
    return data


def text_field(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise Rejected(400, "malformed_envelope", f"{what}: '{key}' is missing or not a string")
    return value


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an unset expected secret never matches."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def basic_credentials(authorization: str | None) -> str | None:
    """'user:password' from an ``Authorization: Basic`` header, or None."""
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        return base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]

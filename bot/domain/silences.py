"""Silences: "this alert is known, stop tagging people about it until then".

A silence is a set of ``key=value`` matchers (``source=kubecost,account=1234*``)
with an end time, who set it and why. An alert matches when every matcher's key
is among the alert's attributes and its value matches (case-insensitive,
``*`` and ``?`` as wildcards). Keys on both sides are spelt by ``match_key``
(a webhook's scope ``cost-center`` or ``CostCenter`` is ``cost_center``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.suggestions import did_you_mean

# What every alert and watched-channel message is matched on.
ALERT_KEYS = ("source", "kind", "receiver", "topic", "persona", "channel", "fingerprint")
# The scope keys the built-in receivers set; a webhook's are its own `fields.scope` names.
RECEIVER_SCOPE_KEYS = (
    "account", "linked_account", "region", "service", "billing_account", "subscription", "resource_group", "budget",
)  # fmt: skip
MATCH_KEYS_HINT = "source, kind, receiver, topic, persona, channel, account, project, subscription, namespace..."
MAX_DURATION = dt.timedelta(days=90)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.I)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Word breaks inside a name: "costCenter", "CostCenter", "AWSAccount" (before the last capital of a run).
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


class SilenceError(ValueError):
    """A matcher or a duration that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Silence:
    id: int
    matchers: Mapping[str, str]
    reason: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    expired_at: dt.datetime | None = None  # ended early by someone
    expired_by: str | None = None
    muted: int = 0  # alerts it has muted so far

    def active(self, now: dt.datetime) -> bool:
        return self.expired_at is None and now < self.expires_at

    def matches(self, attributes: Mapping[str, str]) -> bool:
        return matches(self.matchers, attributes)

    @property
    def label(self) -> str:
        return format_matchers(self.matchers)


@dataclass(frozen=True)
class MutedCount:
    """How many alerts one silence muted over a period (the digest's "Muted" lines)."""

    silence_id: int
    label: str
    reason: str
    created_by: str
    muted: int


def match_key(name: str) -> str:
    """The matcher key for a name, as a silence and an alert's attributes both spell it: lower case,
    words joined by underscores ("cost-center", "Cost Center", "CostCenter" -> "cost_center")."""
    return _NOT_KEY.sub("_", _CAMEL.sub("_", name.strip()).lower()).strip("_")


def parse_matchers(text: str, scope_keys: Iterable[str] | None = None) -> dict[str, str]:
    """``source=kubecost,account=123`` -> {"source": "kubecost", "account": "123"}.

    ``scope_keys``: the scope names webhooks may map, accepted beside ``ALERT_KEYS`` and
    ``RECEIVER_SCOPE_KEYS``; any other key is refused, since no alert would ever match it.
    None accepts any well-formed key. Keys are spelt by ``match_key``, as alerts' attributes are:
    ``cost-center=1234`` matches a webhook's ``cost-center`` or ``CostCenter`` scope.
    """
    known = None if scope_keys is None else match_keys(scope_keys)
    matchers: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        typed, sep, value = part.partition("=")
        typed, value = typed.strip(), value.strip()
        key = match_key(typed)
        if not sep or not value:
            raise SilenceError(f"'{part}' is not key=value (keys: {MATCH_KEYS_HINT})")
        if not _KEY.match(key):
            raise SilenceError(f"'{typed}' is not a matcher key (keys: {MATCH_KEYS_HINT})")
        if known is not None and key not in known:
            raise SilenceError(
                f"unknown matcher key '{typed}'{did_you_mean(key, known)}; keys: {', '.join(known)}"
                ", and the names a webhook maps in routing.yaml (fields.scope)"
            )
        matchers[key] = value
    if not matchers:
        raise SilenceError(f"a silence needs at least one key=value matcher (keys: {MATCH_KEYS_HINT})")
    return matchers


def match_keys(scope_keys: Iterable[str] = ()) -> tuple[str, ...]:
    """Every key an alert can be matched on: the fixed ones, then the scope names, sorted."""
    scopes = {match_key(key) for key in (*RECEIVER_SCOPE_KEYS, *scope_keys)} - set(ALERT_KEYS)
    return (*ALERT_KEYS, *sorted(scopes))


def format_matchers(matchers: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(matchers.items()))


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` (up to 90 days)."""
    match = _DURATION.match(text or "")
    if not match:
        raise SilenceError(f"'{text}' is not a duration such as 30m, 12h, 7d or 2w")
    seconds = float(match.group(1)) * _UNITS[match.group(2)[0].lower()]
    duration = dt.timedelta(seconds=seconds)
    if duration <= dt.timedelta(0):
        raise SilenceError("a silence must last some time")
    if duration > MAX_DURATION:
        raise SilenceError("a silence lasts at most 90 days; set a new one when it ends")
    return duration


def matches(matchers: Mapping[str, str], attributes: Mapping[str, str]) -> bool:
    for key, pattern in matchers.items():
        value = attributes.get(key)
        if value is None or not fnmatch.fnmatchcase(value.lower(), pattern.lower()):
            return False
    return True


def first_match(silences: list[Silence], attributes: Mapping[str, str], now: dt.datetime) -> Silence | None:
    for silence in silences:
        if silence.active(now) and silence.matches(attributes):
            return silence
    return None

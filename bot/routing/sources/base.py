"""The shape of one alert source: how it is recognised, what it identifies, how it states amounts.

A source module declares data, not code paths: the markers that recognise its
format, the identifiers it carries (account, project, subscription, resource
group, cluster, namespace, budget, service, its own alert id...) and the labels
that tell its headline amount from a threshold or a baseline. The repeat
fingerprint, the owner resolver and the amount ranker all read this table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

# What an amount is: the figure a reader acts on differs by alert kind.
AmountKind = Literal["impact", "actual", "forecast", "savings", "commitment", "change", "baseline"]
# Ranks of a figure: the headline beats a neutral figure beats a baseline (threshold, budget, expected).
HEADLINE, NEUTRAL, BASELINE = 3, 2, 1

IdKind = Literal[
    "account",  # AWS account id, 12 digits: where the spend happened
    # The account that owns the monitor or budget, named apart from where the
    # spend happened (an AWS anomaly's accountId): in an Organization it is the
    # management account, so its team owns the alert only when nothing else does.
    "payer_account",
    "account_name",
    "project",  # GCP project id or number
    "subscription",  # Azure subscription id
    "subscription_name",
    "resource_group",
    "cluster",
    "namespace",  # value "cluster/namespace" when the cluster is known, else "namespace"
    "tag",  # "key=value"
    "budget",
    "service",
    "alert_id",  # the source's own id for this alert (anomaly id, monitor id, ARN...)
    "name",  # another name the alert is about (cost report, view, monitor, policy)
]
# Names a team's globs (owners.yaml `names:`) are matched against.
NAME_KINDS: frozenset[str] = frozenset(
    {"account_name", "project", "subscription_name", "resource_group", "cluster", "namespace", "budget", "name"}
)


@dataclass(frozen=True)
class Identifier:
    kind: IdKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.value}"


@dataclass(frozen=True)
class Label:
    """Text left of an amount (lower case) and what it makes the amount."""

    text: str
    rank: int
    kind: AmountKind | None = None


@dataclass(frozen=True)
class Pattern:
    """An identifier found by a regex; group ``v`` is the value.

    ``loose`` patterns read free text ("cluster prod-eu"): there an unquoted
    value counts only when it looks like an identifier (has a digit or a
    hyphen), so "cluster cost" is not a cluster named "cost". A value in
    backticks, quotes, asterisks or underscores (group ``q``) always counts.
    """

    kind: IdKind
    regex: re.Pattern[str]
    loose: bool = False

    def find(self, text: str) -> Iterator[str]:
        for match in self.regex.finditer(text):
            value = match.group("v").strip().strip(".,;:")
            if not value:
                continue
            if self.loose and not match.groupdict().get("q") and not _LOOKS_LIKE_ID.search(value):
                continue
            yield value


_LOOKS_LIKE_ID = re.compile(r"[\d-]")


def pattern(kind: IdKind, regex: str, *, loose: bool = False, flags: int = 0) -> Pattern:
    return Pattern(kind, re.compile(regex, flags), loose)


def json_string(kind: IdKind, *keys: str) -> Pattern:
    """``"key": "value"`` for any of ``keys`` (case-insensitive keys)."""
    names = "|".join(re.escape(k) for k in keys)
    return pattern(kind, rf'"(?i:{names})"\s*:\s*"(?P<v>[^"\n]{{1,200}})"')


Extractor = Callable[[str], Iterator[Identifier]]


@dataclass(frozen=True)
class AlertSource:
    """One alert format. ``markers``: any of these substrings (case-sensitive) recognises it."""

    id: str
    name: str
    markers: tuple[str, ...]
    identifiers: tuple[Pattern, ...] = ()
    # Functions for identifiers a regex cannot read alone (a namespace row with its cluster).
    extractors: tuple[Extractor, ...] = ()
    labels: tuple[Label, ...] = ()  # left of an amount: "total impact", "threshold"
    right_labels: tuple[Label, ...] = ()  # right of an amount: "$512.30 spent"
    json_keys: Mapping[str, Label] = field(default_factory=dict)  # lower-case JSON key -> label
    # "Current Spend: 48200": a bare number after one of these is an amount in
    # the currency the alert declares ("Currency Type: EUR").
    fields: tuple[Label, ...] = ()
    kind: AmountKind | None = None  # what its headline usually is

    def recognises(self, text: str) -> bool:
        return any(marker in text for marker in self.markers)

    def read(self, text: str) -> Iterator[Identifier]:
        for found in self.identifiers:
            for value in found.find(text):
                yield Identifier(found.kind, value)
        for extract in self.extractors:
            yield from extract(text)


def keys(*entries: tuple[str, int, AmountKind | None]) -> dict[str, Label]:
    return {key.lower(): Label(key.lower(), rank, kind) for key, rank, kind in entries}

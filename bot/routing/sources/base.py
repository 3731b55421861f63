"""The shape of one alert source: how it is recognised, what it identifies, how it states amounts.

A source module declares data, not code paths: the markers that recognise its
format, the identifiers it carries (account, project, subscription, resource
group, cluster, namespace, budget, service, its own alert id...) and the labels
that tell its headline amount from a threshold or a baseline. The repeat
fingerprint, the owner resolver and the amount ranker all read this table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from re import _parser  # type: ignore[attr-defined]  # the parser behind re.compile
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
    # A piece of text every match contains (``required_literal``): a text
    # without it is not scanned. ``folded``: compared lower-cased. ``anchored``:
    # every match starts with it, so only its occurrences are tried.
    literal: str = ""
    folded: bool = False
    anchored: bool = False

    def find(self, text: str, lowered: str | None = None) -> Iterator[str]:
        """Values found in ``text``; ``lowered`` is ``text.lower()`` when the
        text is ASCII (else None: a case-insensitive literal is not checked)."""
        literal = self.literal
        matches: Iterable[re.Match[str]]
        if not literal:
            matches = self.regex.finditer(text)
        else:
            written = lowered if self.folded else text
            if written is None:
                matches = self.regex.finditer(text)
            elif literal not in written:
                return
            elif self.anchored:
                matches = self._at_literal(text, written)
            else:
                matches = self.regex.finditer(text)
        for match in matches:
            value = match.group("v").strip().strip(".,;:")
            if not value:
                continue
            if self.loose and not match.groupdict().get("q") and not _LOOKS_LIKE_ID.search(value):
                continue
            yield value

    def _at_literal(self, text: str, written: str) -> Iterator[re.Match[str]]:
        """``self.regex.finditer(text)``, tried only where the literal starts.

        A pattern opening with ``\\b`` or a look-behind gives the regex engine
        no prefix to skip to, so its scan tries every character; ``str.find``
        skips to the literal every match starts with. A match tried at an
        index sees the text before it, as in the scan, and the next one is
        looked for from its end, as finditer does.
        """
        find = written.find
        match_at = self.regex.match
        literal = self.literal
        end = 0
        at = find(literal)
        while at != -1:
            match = match_at(text, at)
            if match is not None:
                yield match
                end = match.end()
            at = find(literal, max(at + 1, end))


_LOOKS_LIKE_ID = re.compile(r"[\d-]")


def pattern(kind: IdKind, regex: str, *, loose: bool = False, flags: int = 0) -> Pattern:
    compiled = re.compile(regex, flags)
    literal, folded, anchored = required_literal(compiled)
    return Pattern(kind, compiled, loose, literal, folded, anchored)


# Shorter literals are found in almost every text: not worth a check.
_MIN_LITERAL = 3


def required_literal(regex: re.Pattern[str]) -> tuple[str, bool, bool]:
    """The longest run of literal characters every match of ``regex`` contains,
    whether it is compared lower-cased (it has case-insensitive letters), and
    whether every match starts with it (nothing but zero-width checks before).

    Only the pattern's top-level sequence is read (with the groups that are
    always taken): zero-width assertions (``\\b``, lookarounds) are skipped, any
    repeat, class or alternative ends a run. Every character of such a run is
    in every match, in order and adjacent, so a text without the run has no
    match. ("", False, False) when no run is long enough; non-ASCII letters in
    a case-insensitive run end it, since lower-casing is exact only for ASCII.
    """
    runs: list[list[tuple[str, bool]]] = [[]]

    def walk(items: Iterable[tuple[object, object]], ignorecase: bool) -> None:
        for op, arg in items:
            if op is _parser.LITERAL and isinstance(arg, int) and (arg < 128 or not ignorecase):
                runs[-1].append((chr(arg), ignorecase))
            elif op is _parser.AT or op in (_parser.ASSERT, _parser.ASSERT_NOT):
                continue  # zero-width: the characters around it stay adjacent
            elif op is _parser.SUBPATTERN and isinstance(arg, tuple):
                _, add, remove, body = arg
                case = (ignorecase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
                walk(body, case)
            else:
                runs.append([])

    walk(_parser.parse(regex.pattern, regex.flags), bool(regex.flags & re.IGNORECASE))
    best = max(runs, key=len)
    if len(best) < _MIN_LITERAL:
        return "", False, False
    folded = any(case and ch.lower() != ch.upper() for ch, case in best)
    text = "".join(ch for ch, _ in best)
    anchored = best is runs[0]
    return (text.lower() if folded else text), folded, anchored


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
    # Identifiers in wording only this format uses ("Budget <name> has reached 90%"): a match also
    # recognises the format in a text that carries none of its markers (a forwarded e-mail).
    wording: tuple[Pattern, ...] = ()

    def recognises(self, text: str) -> bool:
        return any(map(text.__contains__, self.markers))

    def read(self, text: str, lowered: str | None = None) -> Iterator[Identifier]:
        """Identifiers in ``text``; ``lowered`` as in ``Pattern.find``."""
        yield from self.worded(text, lowered)
        for found in self.identifiers:
            for value in found.find(text, lowered):
                yield Identifier(found.kind, value)
        for extract in self.extractors:
            yield from extract(text)

    def worded(self, text: str, lowered: str | None = None) -> Iterator[Identifier]:
        """Identifiers in the format's own wording: any makes the text this format."""
        for found in self.wording:
            for value in found.find(text, lowered):
                yield Identifier(found.kind, value)


def keys(*entries: tuple[str, int, AmountKind | None]) -> dict[str, Label]:
    return {key.lower(): Label(key.lower(), rank, kind) for key, rank, kind in entries}

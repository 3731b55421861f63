"""The alert-source table: one module per alert format.

``SOURCES`` lists every format; ``GENERIC`` applies to any message. Three
readers share the table:

* ``read_alert`` - which formats a message is in and the identifiers it
  carries (accounts, projects, subscriptions, resource groups, clusters,
  namespaces, tags, budgets, services, the source's own alert id), for the
  repeat fingerprint and the owner resolver;
* ``LABELS``, ``RIGHT_LABELS``, ``JSON_KEYS``, ``FIELDS`` - every source's
  amount labels merged, for the amount ranker (``bot.routing.amounts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick, MatchKind

from bot.routing.sources import (
    aws_anomaly,
    aws_budgets,
    aws_commitments,
    azure_anomaly,
    azure_budget,
    cloudhealth,
    cloudzero,
    datadog,
    gcp_budget,
    generic,
    kubecost,
    vantage,
)
from bot.routing.sources.base import (
    BASELINE,
    HEADLINE,
    NAME_KINDS,
    NEUTRAL,
    AlertSource,
    AmountKind,
    Identifier,
    IdKind,
    Label,
)

__all__ = [
    "BASELINE",
    "FIELDS",
    "GENERIC",
    "HEADLINE",
    "JSON_KEYS",
    "LABELS",
    "NAME_KINDS",
    "NEUTRAL",
    "RIGHT_LABELS",
    "SOURCES",
    "AlertFacts",
    "AlertSource",
    "AmountKind",
    "IdKind",
    "Identifier",
    "Label",
    "read_alert",
]

GENERIC: AlertSource = generic.SOURCE
SOURCES: tuple[AlertSource, ...] = (
    aws_anomaly.SOURCE,
    aws_budgets.SOURCE,
    aws_commitments.SOURCE,
    gcp_budget.SOURCE,
    azure_budget.SOURCE,
    azure_anomaly.SOURCE,
    kubecost.SOURCE,
    vantage.SOURCE,
    cloudzero.SOURCE,
    cloudhealth.SOURCE,
    datadog.SOURCE,
)
# Which identifiers say which alert this is (for repeats): not the service or
# a tag alone, which many different alerts share.
IDENTITY_KINDS = frozenset(
    {
        "alert_id",
        "budget",
        "account",
        "payer_account",
        "project",
        "subscription",
        "resource_group",
        "cluster",
        "namespace",
        "service",
        "name",
    }
)
_IDENTITY_NAMES = {"payer_account": "account"}
_SCAN_CHARS = 20_000


@dataclass(frozen=True)
class AlertFacts:
    sources: tuple[str, ...]  # ids of the formats recognised, table order
    identifiers: tuple[Identifier, ...]  # first-seen order, no repeats

    def of(self, kind: IdKind) -> tuple[str, ...]:
        return tuple(i.value for i in self.identifiers if i.kind == kind)

    @property
    def identity(self) -> tuple[str, ...]:
        """What makes two alerts the same alert, amounts and dates aside."""
        # An account is the same account whichever role it plays, so fingerprints stay as they were.
        return tuple(
            f"{_IDENTITY_NAMES.get(i.kind, i.kind)}:{i.value.lower()}"
            for i in self.identifiers
            if i.kind in IDENTITY_KINDS
        )


# Every source's markers in one Aho-Corasick automaton: one pass over the text
# finds which are present, where testing each marker with `in` took a scan each.
_MARKERS = tuple(dict.fromkeys(marker for source in SOURCES for marker in source.markers))
_MARKER_INDEX = {marker: index for index, marker in enumerate(_MARKERS)}
_SOURCE_MARKERS = tuple(frozenset(_MARKER_INDEX[m] for m in source.markers) for source in SOURCES)
_MARKER_SCAN = AhoCorasick(_MARKERS, matchkind=MatchKind.Standard)


def recognise(text: str) -> tuple[AlertSource, ...]:
    """The sources whose markers ``text`` contains (``AlertSource.recognises``), table order."""
    # Overlapping matches: every marker that occurs is reported, even one
    # inside or across another ("Anomaly Detected" within "Cost Anomaly Detected").
    present = {found[0] for found in _MARKER_SCAN.find_matches_as_indexes(text, overlapping=True)}
    if not present:
        return ()
    return tuple(
        source for source, markers in zip(SOURCES, _SOURCE_MARKERS, strict=True) if not markers.isdisjoint(present)
    )


# Sources that a wording of their own recognises without a marker, tried on texts no marker claimed.
_WORDED = tuple(source for source in SOURCES if source.wording)


def read_alert(text: str) -> AlertFacts:
    """The formats ``text`` is in and every identifier they (and plain text) carry."""
    text = text[:_SCAN_CHARS]
    recognised = recognise(text)
    lowered = text.lower() if text.isascii() else None
    found: dict[Identifier, None] = {}
    for source in recognised:
        found.update(dict.fromkeys(source.read(text, lowered)))
    worded = []
    for source in _WORDED:
        if source not in recognised:
            identifiers = dict.fromkeys(source.worded(text, lowered))
            if identifiers:
                worded.append(source)
                found.update(identifiers)
    if worded:
        recognised = tuple(source for source in SOURCES if source in recognised or source in worded)
    # A format that says an account is the payer's (the monitor's) is believed over the
    # bare 12 digits plain text sees, unless it also names that account where spend happened.
    payers = {i.value for i in found if i.kind == "payer_account"} - {i.value for i in found if i.kind == "account"}
    for identifier in GENERIC.read(text, lowered):
        if not (identifier.kind == "account" and identifier.value in payers):
            found.setdefault(identifier)
    return AlertFacts(tuple(s.id for s in recognised), tuple(found))


def _merged(attribute: str) -> dict[str, Label]:
    merged: dict[str, Label] = {}
    for source in (GENERIC, *SOURCES):
        value = getattr(source, attribute)
        labels = value.values() if isinstance(value, dict) else value
        for label in labels:
            first = merged.setdefault(label.text, label)
            if first.rank != label.rank:
                raise ValueError(f"{source.id}: label {label.text!r} ranked {label.rank}, elsewhere {first.rank}")
    return merged


LABELS: dict[str, Label] = _merged("labels")
RIGHT_LABELS: dict[str, Label] = _merged("right_labels")
JSON_KEYS: dict[str, Label] = _merged("json_keys")
FIELDS: dict[str, Label] = _merged("fields")

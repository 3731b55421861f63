"""The identity of an automated alert, so a repeat links to the first thread instead of tagging again."""

from __future__ import annotations

import hashlib
import re

_IDENTIFIERS = (
    re.compile(r"\b(?:anomaly ?id|anomalyId)\W{0,4}([0-9a-f-]{8,})", re.I),
    re.compile(
        r"\b(?:budget name|budgetDisplayName|budgets?)\W{0,4}([\w .-]{3,60}?)(?:\s{2,}|\n|\"|,| has | budget\b|$)", re.I
    ),
    re.compile(r"\b(\d{12})\b"),  # AWS account
    re.compile(r"\b(?:service|dimensionValue|dimensionalValue)\W{0,4}([A-Za-z][\w .()-]{2,60}?)(?:\n|\"|,|$)", re.I),
    re.compile(r"\bsubscriptions/([0-9a-f-]{36})", re.I),  # Azure subscription
    re.compile(r"\bprojects/([a-z][a-z0-9-]{4,29})\b"),  # GCP project
)


def alert_fingerprint(source_id: str, text: str) -> str:
    """Identity of an automated alert: its source plus account, service, alert id.

    Amounts and dates differ between repeats of the same alert, so when no
    identifiers are found the text without digits stands in for them.
    """
    found = [m.group(1).strip().lower() for pattern in _IDENTIFIERS for m in pattern.finditer(text[:5000])]
    if not found:
        found = [re.sub(r"[\d.,:$%]+", "#", text.lower())[:300]]
    digest = hashlib.sha256("\x1f".join([source_id, *sorted(set(found))]).encode()).hexdigest()
    return digest[:40]

"""The identity of an automated alert, so a repeat links to the first thread instead of tagging again."""

from __future__ import annotations

import hashlib
import re

from bot.routing.sources import read_alert

_NUMBERS = re.compile(r"[\d.,:$€£¥₹%]+")


def alert_fingerprint(source_id: str, text: str) -> str:
    """Identity of an automated alert: its Slack source plus the identifiers the
    alert-source table reads (alert id, account, project, subscription, budget,
    cluster, namespace, service...).

    Amounts and dates differ between repeats of the same alert, so when no
    identifiers are found the text without digits stands in for them.
    """
    facts = read_alert(text[:5000])
    found = list(facts.identity)
    if not found:
        found = [_NUMBERS.sub("#", text.lower())[:300]]
    digest = hashlib.sha256("\x1f".join([source_id, *facts.sources, *sorted(set(found))]).encode()).hexdigest()
    return digest[:40]

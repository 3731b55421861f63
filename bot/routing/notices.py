"""Notices that report without asking: a message about cloud cost that needs nobody.

The topic vocabulary says what a message is about; it cannot say that the
matter is closed or was never open. These notices tag nobody, whatever topic
words they carry, unless they also ask something:

* closed or recovered: "[Recovered] … back within range", "already marked as
  expected. No action.", "resolved", "false positive", "costs unchanged";
* a routine status that crossed no line: "nothing to flag", "in line with
  forecast", "within limits", "the invoice has been paid", "you have used 40% of your budget"
  (a figure under 100% with no threshold, alert, excess or forecast breach),
  a GCP budget notification whose payload has no ``alertThresholdExceeded``
  (Pub/Sub sends one on every update, the key only once a threshold is crossed);
* news that is not a cost matter: a merge or release cheered, a job opening,
  a study group, an invoice for the office catering.
"""

from __future__ import annotations

import re
from collections.abc import Set

from bot.routing import lexicon

# The patterns below are lower-case, read the lower-cased text, and open on
# their words, not on an assertion, so the regex engine skips ahead to the
# letters they start with; the word boundary before a match is checked after
# (``_found``). Matching with IGNORECASE or a leading \b costs many times more.
# An ask: a question mark ending a sentence, or the words of a request.
_ASK = re.compile(
    r"\?(?:\s|$|[)\"'*_~])|(?:please|pls|plz|can (?:we|you|someone|anyone|i)\b|could (?:we|you|someone)\b|who\b"
    r"|should we\b|needs? to\b|let me know|lmk\b|take a look|look into|investigate)"
)
_CLOSED = re.compile(
    r"(?:\[(?:recovered|resolved|ok)\]|recovered\b|back (?:within|below|under|to normal|in range)"
    r"|resolved\b|all clear\b|false (?:positive|alarm)\b|marked as expected\b"
    r"|no action(?:\s+(?:is\s+)?(?:needed|required|necessary))?\s*(?:[.!]|$)|no action (?:needed|required)\b"
    r"|nothing to do\b|closing the loop\b|no (?:thresholds?|limits?) (?:were\s+)?(?:crossed|exceeded|breached)\b"
    r"|nothing (?:was\s+)?(?:crossed|exceeded)\b|unchanged\b|no incidents\b)"
)
_NEWS = re.compile(
    r"(?:merged|nice work|great work|good job|kudos|congrats|congratulations|job opening|job posting"
    r"|we(?:'re| are) hiring|now hiring|open (?:role|position)|study group|meetup|new version|now running"
    r"|sync(?:ed)? succeeded|blog post|give it a read|great talk|conference|early[- ]bird|webinar|podcast"
    r"|newsletter|slides are up|recording is up)\b"
)
# A routine status: it says where things stand and that they are fine.
_STATUS = re.compile(
    r"(?:nothing to (?:flag|report|see)|in line with (?:the\s+)?(?:forecast|budget|plan|expectations|last)"
    r"|within (?:the\s+)?(?:limits?|budget|forecast|plan|range|the free tier)|on track(?! to)|(?:has|have) been paid"
    r"|was paid|paid in full|(?:data )?refreshed|no (?:material )?changes?\b|flat (?:week|month|day) over"
    r"|(?:is|are) attached|see attached|attached (?:is|are))"
)
# "40% of your budget", "used 62.5% of the monthly budget": a share below 100%.
_SHARE_OF_BUDGET = re.compile(
    r"(?<!\d)(?P<pct>\d{1,2}(?:[.,]\d+)?)\s?%\s+of\s+(?:your|the|its|their|our|this|a)?\s*"
    r"(?:(?:monthly|quarterly|annual|yearly|weekly|total)\s+)?budget"
)
# What makes a budget figure an alert rather than a status: "has reached 50% of
# its budget" is a threshold alert firing, "you have used 40%" a status.
_CROSSED = re.compile(
    r"exceed|\bover\b(?!\s+(?:week|month|day|year|time|the (?:last|past)))|above|greater than|threshold"
    r"|\balert|alarm|breach|crossed|overspend|overrun|spike|anomal"
    r"|increase|doubled|tripled|jump|\breach(?:ed|es)?\b|\bhit\b|\bhits\b|on track to|trending|\bwarn"
    # Ahead of the calendar: "92% of the monthly budget and it's only the 20th" burns faster than the month.
    r"|\bonly (?:the )?\d{1,2}(?:st|nd|rd|th)\b|\bahead of (?:pace|plan|schedule)\b"
)
_GCP_THRESHOLD = re.compile(r'"(?:alertThresholdExceeded|forecastThresholdExceeded)"\s*:')
# A word each pattern cannot match without: a set test decides whether to run it.
_CLOSED_WORDS = frozenset(
    {
        "recovered",
        "resolved",
        "back",
        "clear",
        "false",
        "marked",
        "action",
        "nothing",
        "closing",
        "unchanged",
        "incidents",
    }
)
_NEWS_WORDS = frozenset(
    {
        "merged",
        "work",
        "job",
        "kudos",
        "congrats",
        "congratulations",
        "hiring",
        "open",
        "study",
        "meetup",
        "running",
        "succeeded",
        "blog",
        "read",
        "talk",
        "early",
        "webinar",
        "podcast",
        "newsletter",
        "slides",
        "recording",
    }
)
_STATUS_WORDS = frozenset(
    {"nothing", "line", "within", "track", "paid", "refreshed", "change", "changes", "flat", "attached"}
)
_EVERYDAY_WORDS = frozenset(
    {
        "catering",
        "office",
        "lunch",
        "dinner",
        "offsite",
        "swag",
        "snacks",
        "furniture",
        "hotel",
        "flight",
        "flights",
        "travel",
        "parking",
        "gym",
        "pizza",
        "ticket",
        "tickets",
        "reimbursement",
        "coffee",
    }
)
_LINE_WORDS = frozenset({"threshold", "thresholds", "limit", "limits"})
_GATE = _CLOSED_WORDS | _NEWS_WORDS | _STATUS_WORDS | _EVERYDAY_WORDS | {"budget"}
_WORD = re.compile(r"[^\W_]+")
# Purchases that are no cloud's: the catering invoice, the offsite budget.
_EVERYDAY = re.compile(
    r"(?:catering|office manager|office supplies|team lunch|team dinner|offsite|swag|snacks|furniture"
    r"|hotel|flights?|travel|parking|gym|pizza|conference tickets?|reimbursement|coffee machine)\b"
)
_CLOUD = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(t) for t in sorted({t.lower() for t in lexicon.CLOUD_TERMS}, key=len, reverse=True))
    + r"|cloud)(?![\w-])"
)


def informational(text: str, words: Set[str] | None = None) -> str | None:
    """Why ``text`` is a notice that needs nobody, or None when it may need someone.

    ``words``: the message's words, lower-cased, when the caller has them."""
    if words is None:
        words = set(_WORD.findall(text.lower()))
    # A set test first: the patterns run only on the few messages holding a word they need.
    if _GATE.isdisjoint(words) and not _gate_pairs(words):
        return None
    lowered = text.lower()
    reason = _reason(text, lowered, words)
    if reason is None or _ASK.search(lowered):
        return None
    return reason


def _gate_pairs(words: Set[str]) -> bool:
    """Gates of two words: "no thresholds crossed", "new version", "conference tickets"."""
    return ("no" in words and not _LINE_WORDS.isdisjoint(words)) or ("new" in words and "version" in words)


def _found(pattern: re.Pattern[str], lowered: str) -> bool:
    """A match of ``pattern`` that starts a word ("resolved", not "unresolved")."""
    for match in pattern.finditer(lowered):
        start = match.start()
        if start == 0 or not lowered[start - 1].isalnum():
            return True
    return False


def _reason(text: str, lowered: str, words: Set[str]) -> str | None:
    if "budget" in words and '"budgetDisplayName"' in text and not _GCP_THRESHOLD.search(text):
        return "A routine GCP budget update (no threshold in the payload was crossed): no one tagged"
    if not (_CLOSED_WORDS.isdisjoint(words) and not _gate_pairs(words)) and _found(_CLOSED, lowered):
        return "A notice that the matter is closed or back to normal, asking nothing: no one tagged"
    if not (_NEWS_WORDS.isdisjoint(words) and not _gate_pairs(words)) and _found(_NEWS, lowered):
        return "News (a merge, a release, an opening), not a cost request: no one tagged"
    if not _STATUS_WORDS.isdisjoint(words) and _found(_STATUS, lowered) and not _CROSSED.search(lowered):
        return "A routine status (in line, within limits, paid, refreshed), nothing crossed: no one tagged"
    if "budget" in words and "%" in text and _routine_share(lowered):
        return "A routine budget status with no threshold crossed: no one tagged"
    if not _EVERYDAY_WORDS.isdisjoint(words) and _found(_EVERYDAY, lowered) and not _CLOUD.search(lowered):
        return "An everyday purchase (catering, travel, the office), not a cloud cost: no one tagged"
    return None


def _routine_share(text: str) -> bool:
    share = _SHARE_OF_BUDGET.search(text)
    if share is None:
        return False
    return float(share.group("pct").replace(",", ".")) < 100 and not _CROSSED.search(text)

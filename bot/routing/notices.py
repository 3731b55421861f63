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

from bot.routing import lexicon

# An ask: a question mark ending a sentence, or the words of a request.
_ASK = re.compile(
    r"\?(?:\s|$|[)\"'*_~])|\b(?:please|pls|plz|can (?:we|you|someone|anyone|i)|could (?:we|you|someone)|who\b"
    r"|should we|need(?:s)? to|let me know|lmk|take a look|look into|investigate)",
    re.IGNORECASE,
)
_CLOSED = re.compile(
    r"\[(?:recovered|resolved|ok)\]|\brecovered\b|\bback (?:within|below|under|to normal|in range)"
    r"|\bresolved\b|\ball clear\b|\bfalse (?:positive|alarm)\b|\bmarked as expected\b"
    r"|\bno action(?:\s+(?:is\s+)?(?:needed|required|necessary))?\s*(?:[.!]|$)|\bno action (?:needed|required)\b"
    r"|\bnothing to do\b|\bclosing the loop\b|\bno (?:thresholds?|limits?) (?:were\s+)?(?:crossed|exceeded|breached)\b"
    r"|\bnothing (?:was\s+)?(?:crossed|exceeded)\b|\bunchanged\b|\bno incidents\b",
    re.IGNORECASE,
)
_NEWS = re.compile(
    r"\b(?:merged|nice work|great work|good job|kudos|congrats|congratulations|job opening|job posting"
    r"|we(?:'re| are) hiring|now hiring|open (?:role|position)|study group|meetup|new version|now running"
    r"|sync(?:ed)? succeeded|blog post|give it a read|great talk|conference|early[- ]bird|webinar|podcast"
    r"|newsletter|slides are up|recording is up)\b",
    re.IGNORECASE,
)
# A routine status: it says where things stand and that they are fine.
_STATUS = re.compile(
    r"\b(?:nothing to (?:flag|report|see)|in line with (?:the\s+)?(?:forecast|budget|plan|expectations|last)"
    r"|within (?:the\s+)?(?:limits?|budget|forecast|plan|range|the free tier)|on track(?! to)|(?:has|have) been paid"
    r"|was paid|paid in full|(?:data )?refreshed|no (?:material )?changes?\b|flat (?:week|month|day) over"
    r"|(?:is|are) attached|see attached|attached (?:is|are))",
    re.IGNORECASE,
)
# "40% of your budget", "used 62.5% of the monthly budget": a share below 100%.
_SHARE_OF_BUDGET = re.compile(
    r"\b(?P<pct>\d{1,2}(?:[.,]\d+)?)\s?%\s+of\s+(?:your|the|its|their|our|this|a)?\s*"
    r"(?:(?:monthly|quarterly|annual|yearly|weekly|total)\s+)?budget",
    re.IGNORECASE,
)
# What makes a budget figure an alert rather than a status: "has reached 50% of
# its budget" is a threshold alert firing, "you have used 40%" a status.
_CROSSED = re.compile(
    r"exceed|\bover\b(?!\s+(?:week|month|day|year|time|the (?:last|past)))|above|greater than|threshold|\balert|alarm|breach|crossed|overspend|overrun|spike|anomal"
    r"|increase|doubled|tripled|jump|\breach(?:ed|es)?\b|\bhit\b|\bhits\b|on track to|trending|\bwarn",
    re.IGNORECASE,
)
_GCP_THRESHOLD = re.compile(r'"(?:alertThresholdExceeded|forecastThresholdExceeded)"\s*:')
# The words each pattern cannot match without (tested with `in` first).
_CLOSED_HINTS = ("recovered", "resolved", "back within", "back below", "back under", "back to normal", "back in range",
                 "all clear", "false positive", "false alarm", "marked as expected", "no action", "nothing to do",
                 "closing the loop", "no threshold", "no limit", "nothing was", "nothing crossed", "nothing exceeded",
                 "unchanged", "no incidents", "[ok]")  # fmt: skip
_NEWS_HINTS = ("merged", "nice work", "great work", "good job", "kudos", "congrat", "job opening", "job posting",
               "hiring", "open role", "open position", "study group", "meetup", "new version", "now running",
               "succeeded", "blog post", "give it a read", "great talk", "conference", "early", "webinar",
               "podcast", "newsletter", "slides are up", "recording is up")  # fmt: skip
_STATUS_HINTS = ("nothing to", "in line with", "within", "on track", "paid", "refreshed", "no change",
                 "no material", "flat ", "attached")  # fmt: skip
_EVERYDAY_HINTS = ("catering", "office", "team lunch", "team dinner", "offsite", "swag", "snacks", "furniture",
                   "hotel", "flight", "travel", "parking", "gym", "pizza", "conference ticket", "reimbursement",
                   "coffee machine")  # fmt: skip
# Purchases that are no cloud's: the catering invoice, the offsite budget.
_EVERYDAY = re.compile(
    r"\b(?:catering|office manager|office supplies|team lunch|team dinner|offsite|swag|snacks|furniture"
    r"|hotel|flights?|travel|parking|gym|pizza|conference tickets?|reimbursement|coffee machine)\b",
    re.IGNORECASE,
)
_CLOUD = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(t) for t in sorted({t.lower() for t in lexicon.CLOUD_TERMS}, key=len, reverse=True))
    + r"|cloud)(?![\w-])",
    re.IGNORECASE,
)


def informational(text: str) -> str | None:
    """Why ``text`` is a notice that needs nobody, or None when it may need someone."""
    lowered = text.lower()
    # Substring gates first: the patterns run only on the few messages with a
    # word they need, so the rest pay a handful of `in` tests.
    reason = None
    if '"budgetdisplayname"' in lowered and not _GCP_THRESHOLD.search(text):
        reason = "A routine GCP budget update (no threshold in the payload was crossed): no one tagged"
    elif any(word in lowered for word in _CLOSED_HINTS) and _CLOSED.search(text):
        reason = "A notice that the matter is closed or back to normal, asking nothing: no one tagged"
    elif any(word in lowered for word in _NEWS_HINTS) and _NEWS.search(text):
        reason = "News (a merge, a release, an opening), not a cost request: no one tagged"
    elif any(word in lowered for word in _STATUS_HINTS) and _STATUS.search(text) and not _CROSSED.search(text):
        reason = "A routine status (in line, within limits, paid, refreshed), nothing crossed: no one tagged"
    elif "%" in text and "budget" in lowered and _routine_share(text):
        reason = "A routine budget status with no threshold crossed: no one tagged"
    elif any(word in lowered for word in _EVERYDAY_HINTS) and _EVERYDAY.search(text) and not _CLOUD.search(text):
        reason = "An everyday purchase (catering, travel, the office), not a cloud cost: no one tagged"
    if reason is None or _ASK.search(text):
        return None
    return reason


def _routine_share(text: str) -> bool:
    share = _SHARE_OF_BUDGET.search(text)
    if share is None:
        return False
    return float(share.group("pct").replace(",", ".")) < 100 and not _CROSSED.search(text)

"""The headline USD amount stated in a message.

Alerts state several figures (threshold, budgeted amount, expected spend,
actual spend, impact); the headline is the one a reader acts on:

* anomaly -> total impact (or the signed "+$" change), not the expected spend;
* budget -> the actual or forecast spend named, not the threshold or budget;
* recommendation -> the estimated savings;
* otherwise the figure that is not a baseline ("$310k vs $220k plan" -> 310k).

Each candidate is ranked by the nearest label on its left; ties go to the
first one stated. Non-USD currencies (EUR, €, JPY, ¥, A$...), percentages and
units (GB-Mo, credits) are never amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(k|K|m|M|mm|MM|bn|BN|b|B|thousand|million|billion)\b)?"
# Anchored on the currency marker (no optional prefix) so the scan is fast.
_DOLLAR = re.compile(r"\$\s?" + _NUMBER + _SCALE)  # a literal first char: fast scan
_USD_PREFIX = re.compile(r"\bUSD\s?" + _NUMBER + _SCALE)
_SIGNS = ("+", "-", "−")
_SUFFIXED = re.compile(_NUMBER + _SCALE + r"\s?(?:USD\b|US dollars\b|dollars\b)", re.IGNORECASE)
_JSON_NUMBER_KEY = re.compile(r'"(?P<key>[A-Za-z_]+)"\s*:\s*"?(?P<value>-?\d+(?:\.\d+)?)"?')
_JSON_CURRENCY = re.compile(r'"(?:currencyCode|currency|Unit|unit)"\s*:\s*"(?P<code>[A-Za-z]{3})"')
_TEXT_CURRENCY = re.compile(r"\b(?:currency(?: type| code)?)\W{0,4}(?P<code>[A-Z]{3})\b", re.IGNORECASE)

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}

HEADLINE, NEUTRAL, BASELINE = 3, 2, 1

# Left-context labels, checked nearest first. Order inside a rank does not matter.
_LABELS: tuple[tuple[str, int], ...] = (
    ("total impact", HEADLINE),
    ("impact", HEADLINE),
    ("actual amount", HEADLINE),
    ("actual cost", HEADLINE),
    ("actual spend", HEADLINE),
    ("current spend", HEADLINE),
    ("spend to date", HEADLINE),
    ("spent", HEADLINE),
    ("is now", HEADLINE),
    ("forecasted total", HEADLINE),
    ("forecast", HEADLINE),
    ("to reach", HEADLINE),
    ("estimated savings", HEADLINE),
    ("monthly savings", HEADLINE),
    ("annual savings", HEADLINE),
    ("potential savings", HEADLINE),
    ("savings:", HEADLINE),
    ("savings of", HEADLINE),
    ("save ", HEADLINE),
    ("saves ", HEADLINE),
    ("increase by", HEADLINE),
    ("increased by", HEADLINE),
    ("decrease by", HEADLINE),
    ("decreased by", HEADLINE),
    ("cost change", HEADLINE),
    ("total change", HEADLINE),
    ("monthly cost will", HEADLINE),
    ("threshold", BASELINE),
    ("greater than", BASELINE),
    ("exceeds", BASELINE),
    ("exceed", BASELINE),
    ("budgeted amount", BASELINE),
    ("budget amount", BASELINE),
    ("budgeted", BASELINE),
    ("expected", BASELINE),
    ("baseline", BASELINE),
    (" vs", BASELINE),
    ("versus", BASELINE),
    ("compared to", BASELINE),
    ("from", BASELINE),
    ("contribution", BASELINE),
    ("limit", BASELINE),
    ("last week", BASELINE),
    (" to ", NEUTRAL),
    ("last month", BASELINE),
    ("previous", BASELINE),
    ("plan of", BASELINE),
)
_JSON_KEYS: dict[str, int] = {
    "totalimpact": HEADLINE,
    "costamount": HEADLINE,
    "spendingamount": HEADLINE,
    "spentamount": HEADLINE,
    "forecastedtotalforperiod": HEADLINE,
    "actualspend": HEADLINE,
    "estimatedmonthlysavings": HEADLINE,
    "estimatedsavings": HEADLINE,
    "totalactualspend": NEUTRAL,
    "maximpact": BASELINE,
    "totalexpectedspend": BASELINE,
    "budgetamount": BASELINE,
    "budget": BASELINE,
    "notificationthresholdamount": BASELINE,
    "thresholdamount": BASELINE,
    "contribution": BASELINE,
}
# Alternation tried longest first, so "total impact" is one label, not "impact".
_LABEL_RANK = dict(_LABELS)
_LABEL_RE = re.compile("|".join(re.escape(label) for label in sorted(_LABEL_RANK, key=len, reverse=True)))
_LEFT_WINDOW = 72
_RIGHT_RANK = {
    "spent": HEADLINE,
    "in spend": HEADLINE,
    "actual": HEADLINE,
    "so far": HEADLINE,
    "budget": BASELINE,
    "budgeted": BASELINE,
    "threshold": BASELINE,
    "limit": BASELINE,
    "plan": BASELINE,
    "expected": BASELINE,
    "baseline": BASELINE,
}
_RIGHT_LABEL = re.compile(r"(?:/[a-z]+)?\s*\)?\s*(" + "|".join(sorted(_RIGHT_RANK, key=len, reverse=True)) + r")\b")
_CUT = re.compile(r"\n|\. |\||\(|;")


@dataclass(frozen=True)
class AmountCandidate:
    value: float
    rank: int
    position: int


def headline_usd(text: str) -> float | None:
    """The headline USD figure stated in ``text``, or None."""
    candidates = usd_candidates(text)
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.rank, -c.position))
    return round(best.value, 2)


def usd_candidates(text: str) -> list[AmountCandidate]:
    found: list[AmountCandidate] = []
    if "$" in text or "USD" in text or "usd" in text or "Usd" in text or "ollar" in text:
        found.extend(_stated_amounts(text))
    if "{" in text and '"' in text:
        found.extend(_json_amounts(text))
    return found


def _stated_amounts(text: str) -> list[AmountCandidate]:
    if _non_usd_declared(text):
        return []
    found: list[AmountCandidate] = []
    lowered = text.lower() if len(text) < 4096 else _LazyLower(text)
    matches = list(_DOLLAR.finditer(text)) if "$" in text else []
    if "USD" in text:
        matches += _USD_PREFIX.finditer(text)
    for match in matches:
        start = match.start()
        if text[start] == "$" and start > 0 and text[start - 1].isalpha() and text[start - 2 : start] != "US":
            continue  # A$, C$, NZ$, R$: not US dollars (US$ is)
        value = _value(match.group(1), match.group(2))
        if value is None or _is_percentage(text, match.end()):
            continue
        if text[start - 2 : start] == "US":
            start -= 2
        # "+$5,384.23": a signed figure is the change itself (impact, delta).
        signed = text[max(0, start - 2) : start].strip()[-1:] in _SIGNS
        rank = HEADLINE if signed else _rank(lowered, start)
        if rank == NEUTRAL:
            rank = _right_rank(lowered, match.end())
        found.append(AmountCandidate(value, rank, start))
    if "USD" not in text and "usd" not in text and "ollar" not in text:
        return found
    for match in _SUFFIXED.finditer(text):
        value = _value(match.group(1), match.group(2))
        if value is not None:
            found.append(AmountCandidate(value, _rank(lowered, match.start()), match.start()))
    return found


def _json_amounts(text: str) -> list[AmountCandidate]:
    found: list[AmountCandidate] = []
    currency = _JSON_CURRENCY.search(text)
    if currency and currency.group("code").upper() != "USD":
        return found
    for match in _JSON_NUMBER_KEY.finditer(text):
        rank = _JSON_KEYS.get(match.group("key").lower())
        if rank is None:
            continue
        try:
            value = float(match.group("value"))
        except ValueError:
            continue
        found.append(AmountCandidate(abs(value), rank, match.start()))
    return found


class _LazyLower:
    """Lower-cases only the windows looked at, for very long texts."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __getitem__(self, item: slice) -> str:
        return self._text[item].lower()


def _non_usd_declared(text: str) -> bool:
    if "urrency" not in text and "URRENCY" not in text:
        return False
    declared = _TEXT_CURRENCY.search(text)
    return bool(declared and declared.group("code").upper() != "USD")


def _value(number: str, scale: str | None) -> float | None:
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    if scale:
        value *= _SCALES.get(scale.lower(), 1.0)
    return value


def _is_percentage(text: str, end: int) -> bool:
    return text[end : end + 1] == "%"


def _rank(lowered: str, start: int) -> int:
    """Rank from the label nearest to the left of the amount, within its clause.

    A clause ends at a line break, a sentence end, a table cell or a bracket;
    when the amount opens its clause ("Total impact\n$5", "| $5") the label
    may sit in the clause just before.
    """
    window = lowered[max(0, start - _LEFT_WINDOW) : start]
    cut = _last_cut(window, len(window))
    if not any(ch.isalnum() for ch in window[cut:]):
        cut = _last_cut(window, max(cut - 1, 0))
    clause = window[cut:]
    best_rank = NEUTRAL
    for match in _LABEL_RE.finditer(clause):
        best_rank = _LABEL_RANK[match.group(0)]
    return best_rank


def _right_rank(lowered, end: int) -> int:
    """Labels written after the figure: "$512.30 spent", "$1,000 budget"."""
    after = _RIGHT_LABEL.match(lowered[end : end + 24])
    return _RIGHT_RANK[after.group(1)] if after else NEUTRAL


def _last_cut(window: str, end: int) -> int:
    last = None
    for last in _CUT.finditer(window, 0, end):  # noqa: B007 - only the last match is wanted
        pass
    return last.end() if last else 0

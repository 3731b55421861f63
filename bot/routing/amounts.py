"""The headline amount stated in a message, with its currency.

Alerts state several figures (threshold, budgeted amount, expected spend,
actual spend, impact); the headline is the one a reader acts on:

* anomaly -> total impact (or the signed "+$" change), not the expected spend;
* budget -> the actual or forecast spend named, not the threshold or budget;
* recommendation -> the estimated savings;
* otherwise the figure that is not a baseline ("$310k vs $220k plan" -> 310k).

Each candidate is ranked by the nearest label on its left (or right); ties go
to the first one stated. The labels are the alert-source table's
(``bot.routing.sources``): every source contributes the labels, JSON keys and
fields its format uses, the same table the repeat fingerprint reads.

Currencies: "$" is US dollars; "€", "£", "¥", "₹", "C$"/"CA$", "A$"/"AU$",
ISO codes before or after the figure ("EUR 4,000", "18,000 USD") and the
codes payloads declare ("currencyCode", "Unit", "currency", "Currency Type")
are read (``bot.routing.figures`` reads the figures and their currencies; this
module finds them in a message and ranks them). Percentages and units (GB-Mo,
credits, hours) are never amounts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from bot.routing.figures import (
    CODE_AMOUNT,
    CODES,
    DIGIT,
    DOLLAR_AMOUNT,
    DOT_GROUPED,
    DOT_THOUSANDS,
    JSON_CURRENCY,
    JSON_NUMBER_KEY,
    NUMBER,
    PER,
    PER_NAMES,
    RUPEES,
    SUFFIXED,
    SYMBOL_AMOUNT,
    TEXT_CODES,
    WORD_CODES,
    declared_currency,
    figure_before_a_code,
    figure_value,
    json_number_key,
    parse_figure,
    period_after,
    symbol_after_figure,
    symbol_currency,
    unit_after,
)
from bot.routing.money import DEFAULT_RATES, KNOWN_CODES, SYMBOLS, Money, money
from bot.routing.sources import BASELINE, FIELDS, HEADLINE, JSON_KEYS, LABELS, NEUTRAL, RIGHT_LABELS, AmountKind
from bot.routing.trie import trie_pattern, word_pattern

# Words that make an hourly or monthly rate a commitment's ("$35.00/hour" on a Savings Plan).
# Spanish, Portuguese, French and German too: "compromiso de 3 años a 12 $/hora".
_COMMITMENT_WORDS = (
    "savings plan",
    "reserved",
    "reservation",
    "commit",
    "cud",
    "compromis",
    "engagement",
    "zusage",
    "reserva",
    "réserv",
    "reservier",
)
_COMMITMENT_ABBREVIATIONS = (" RI", "RIs", " SP ", "SPs", "CUD")
# ``\b(?P<n>[1-5]|one|three|five)[- ]?(?:yr|year|año|ano|an|jahr|jahre)s?\b``, ignoring case: these three
# open on their words' first letters (``word_pattern``), as a leading ``\b`` makes every position a try.
_TERM = re.compile(
    "(?P<n>" + word_pattern(["1", "2", "3", "4", "5", "one", "three", "five"]) + ")"
    r"(?i:[- ]?(?:yr|year|año|ano|an|jahr|jahre)s?\b)"
)
_TERM_WORDS = {"one": 1, "three": 3, "five": 5}
_ENDS = re.compile(
    word_pattern(
        [
            *("retires?", "retiring", "retired", "expires?", "expiring", "expired", "expiry", "expiration"),
            *("lapses?", "vencen?", "vencem", "caducan?", "expiran?", "expiram", "expirent", "laufen ab", "läuft ab"),
        ]
    )
    + r"\b"
)
# "do not renew automatically" is part of the expiry notice, not a purchase in view.
_BUYS = re.compile(
    word_pattern(
        [
            *("buy", "purchase", "repurchase", "approve", "approval", "sign", "commit to", "recommend", "compra"),
            *("compre", "achat", "achet", "kauf", "aprob", "aprov", "approuv", "genehmig", "renova", "renouvel"),
            "verläng",
            # The look-behinds see the "r" matched before them.
            r"r(?<!not .)(?<!n't .)(?<!auto-.)(?<!auto .)enew(?:al|ing)?\b(?!\s+automatically)",
        ]
    )
)

# The longest label at each position, so "total impact" is one label, not "impact": a trie, not an
# alternation of every label tried at every position.
_LABEL_RE = re.compile(trie_pattern(LABELS))
_LEFT_WINDOW = 72
# On the figure's own line: "$10,000.00\nActual: …" is not a figure "actual".
_RIGHT_LABEL = re.compile(
    r"(?:/[a-z]+)?[ \t]*\)?[ \t]*(" + "|".join(sorted(RIGHT_LABELS, key=len, reverse=True)) + r")\b"
)
_FIELD_RE = re.compile(
    r"\b("
    + "|".join(re.escape(f) for f in sorted(FIELDS, key=len, reverse=True))
    + r")[^\w\n]{0,4}"
    + NUMBER
    + r"(?![\d%.,])",
    re.IGNORECASE,
)
# A clause ends at a line break, ". ", "|", "(" or ";": everything up to the last of them, in one match
# (the greedy ".*" backs off from the end to it) rather than a Python step per cut found.
_TO_LAST_CUT = re.compile(r".*(?:\n|\. |\||\(|;)", re.DOTALL)
# A figure stated in the clause before a candidate (lower case): a label names the nearest figure on its
# right, so a label before it is that figure's ("credits of $5,000 were applied, bill is $12,000").
_STATED_FIGURE = re.compile(
    r"(?:[$€£¥₹]|\b(?:" + CODES.lower() + r"|rs\.?)\s?)\d[\d.,'\u2019]*"
    r"|\d[\d.,'\u2019]*\s?(?:[€£¥₹$]|(?:" + CODES.lower() + r"|dollars|euros?|rupees?)\b)"
)
# What every stated figure holds (lower case): a symbol, a code, "rs" or a currency word. A clause without
# one states none, and its every digit need not start a scan.
_CURRENCY_MARK = re.compile(
    r"[$€£¥₹]|" + trie_pattern([*(code.lower() for code in TEXT_CODES), "rs", "dollars", "euro", "rupee"])
)
# The codes but "USD" and "EUR" (a text without those), in one scan rather than one per code.
_OTHER_CODE = re.compile(trie_pattern(TEXT_CODES[2:]))
# From a figure to the words after it (for ``fullmatch`` between two figures' positions).
_FIGURE_TO_NEXT = r".{0,4}?\d[\d.,'\u2019\u00a0\u202f ]*(?:[kKmMbB]n?)?\s?(?:[A-Za-z]{3}|[€$£¥₹])?"
# Between the old and the new figure of a change: "$3,200 → $4,640", "$3,200 -> $4,640", "$3,200 to $4,640".
_CHANGE_TO = re.compile(_FIGURE_TO_NEXT + r"\)?\s*(?:→|⟶|➔|➜|->|-->|=>|to)\s*\(?")
_CHANGE_WORDS = ("→", "⟶", "➔", "➜", "->", "=>", "to")  # "-->" ends in "->"
# A part of a whole: "$3,050.00 of $3,000.00" (spent of budgeted), "3.050 € von 3.000 €", and with the
# part's verb between them, "$1,200,000 spent of $1,000,000 budget" (the verb is the part's label, not the
# whole's: read as the clause before the whole, it made the budget the spend).
_PART_OF = re.compile(
    _FIGURE_TO_NEXT + r"(?:\s+(?:spent|used|consumed|gastados|dépensés|ausgegeben))?\s+(?:out of|of|de|von)\s+"
)
_PART_OF_WORDS = ("of", "de", "von")  # "out of" ends in "of"
_ALNUM = re.compile(r"[^\W_]")
# ``JSON_NUMBER_KEY`` for the keys the sources name (ASCII letters in any case): a payload's other keys,
# most of them, are passed over by the engine, not one by one in Python.
_JSON_AMOUNT_KEY = json_number_key("(?ai:" + trie_pattern(JSON_KEYS) + ")")
# Ranks by the clause before a figure: alerts of one format put the same label before their figures
# ("total impact: ", "budgeted amount: "), so most clauses are ranked once. Read-only once stored, and
# bounded like the matcher's caches (a stream of unique clauses stops adding, it does not grow).
_CLAUSE_RANKS: dict[str, tuple[int, AmountKind | None]] = {}
_CLAUSE_RANKS_MAX = 4096


class AmountCandidate(NamedTuple):
    # A named tuple, not a dataclass: one is built per figure of every message.
    value: float
    rank: int
    position: int
    currency: str = "USD"
    kind: AmountKind | None = None
    per: str | None = None


def headline(text: str, rates: Mapping[str, float] = DEFAULT_RATES) -> Money | None:
    """The headline figure stated in ``text`` with its currency and USD equivalent, or None."""
    candidates = candidates_in(text)
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.rank, -c.position))
    term = None
    if best.per in ("hour", "month") and _is_commitment(text) and not _only_ends(text):
        found = _TERM.search(text)
        # Without a stated term, the shortest term a commitment is sold for.
        term = (_TERM_WORDS.get(found.group("n").lower()) or int(found.group("n"))) if found else 1
    # Rates below a unit keep their fractions of a cent ("$0.125/hour").
    value = round(best.value, 4) if best.per or best.value < 1 else round(best.value, 2)
    return money(value, best.currency, rates, per=best.per, kind=best.kind, term_years=term)


def _only_ends(text: str) -> bool:
    """An expiry notice ("retires in 1 day") with no purchase in view: the
    commitment ends, nobody is about to spend its total."""
    return bool(_ENDS.search(text)) and not _BUYS.search(text)


def _is_commitment(text: str) -> bool:
    lowered = text.lower()
    # map, not a generator: the tests run in C
    return any(map(lowered.__contains__, _COMMITMENT_WORDS)) or any(map(text.__contains__, _COMMITMENT_ABBREVIATIONS))


def headline_usd(text: str, rates: Mapping[str, float] = DEFAULT_RATES) -> float | None:
    """The headline figure in USD (converted at ``rates``), or None."""
    found = headline(text, rates)
    return found.usd if found else None


def candidates_in(text: str) -> list[AmountCandidate]:
    # Each `in` scans the text: the gates below are ordered and grouped so a
    # long alert pays for as few scans as the USD-only reader did.
    found: list[AmountCandidate] = []
    lowered = text.lower()
    dollar = "$" in text
    symbol = dollar or (not text.isascii() and ("€" in text or "£" in text or "¥" in text or "₹" in text))
    json_like = "{" in text and '"' in text
    code = "usd" in lowered or "eur" in lowered
    if not (code or symbol or json_like):
        # Pounds, yen, rupees, Canadian and Australian dollars by code, in
        # free text only (a payload declares its currency in a key).
        code = _OTHER_CODE.search(text) is not None
    words = "ollar" in lowered or "rupee" in lowered or "Rs" in text
    declared = declared_currency(text) if (symbol or code) and "urrency" in lowered else None
    if symbol or code or words:
        found.extend(_stated_amounts(text, lowered, declared, symbol, code))
    if json_like:
        found.extend(_json_amounts(text))
    if not found and "urrency" in lowered:
        declared = declared or declared_currency(text)
        if declared:
            found.extend(_field_amounts(text, declared))
    if len(found) > 1:
        _rank_changes(text, found)
    return found


def _rank_changes(text: str, found: list[AmountCandidate]) -> None:
    """A change written "$3,200 → $4,640", "$3,200 -> $4,640" or "$3,200 to $4,640": the new value is the
    headline, with the old one's label if it had one ("Forecast: $3,200 → $4,640"); the old value is its
    baseline. Not when the first figure is the change itself ("increased by $500 to $4,640").
    A part of a whole, "$3,050.00 of $3,000.00" (a GCP budget alert's spent of budgeted), is the converse:
    the first figure is the headline, the whole its baseline."""
    found.sort(key=lambda c: c.position)
    for index in range(len(found) - 1):
        old, new = found[index], found[index + 1]
        if old.kind == "change" or old.currency != new.currency or old.per != new.per:
            continue
        between = text[old.position : new.position]
        if not _ends_as_change(between) or _CHANGE_TO.fullmatch(text, old.position, new.position) is None:
            if (
                old.rank <= new.rank
                and _ends_as_part_of(between)
                and _PART_OF.fullmatch(text, old.position, new.position) is not None
            ):
                found[index] = old._replace(rank=max(new.rank, NEUTRAL), kind=new.kind)  # the part takes the label
                found[index + 1] = new._replace(rank=BASELINE, kind="baseline")
            continue
        rank, kind = (old.rank, old.kind) if old.rank > new.rank else (new.rank, new.kind)
        found[index] = old._replace(rank=BASELINE, kind="baseline")
        found[index + 1] = new._replace(rank=max(rank, NEUTRAL), kind=kind)


def _ends_as_change(between: str) -> bool:
    """Whether ``between`` ends as ``_CHANGE_TO`` must (an arrow or "to", blanks, perhaps "("): the
    full match backtracks through every way to read the figure before it fails, so most pairs of
    figures are ruled out by their last characters first."""
    return between.removesuffix("(").rstrip().endswith(_CHANGE_WORDS)


def _ends_as_part_of(between: str) -> bool:
    """Whether ``between`` ends as ``_PART_OF`` must ("of", "de" or "von", then blanks)."""
    return between[-1:].isspace() and between.rstrip().endswith(_PART_OF_WORDS)


def _stated_amounts(text: str, lowered: str, declared: str | None, symbol: bool, code: bool) -> list[AmountCandidate]:
    found: list[AmountCandidate] = []
    for match in (DOLLAR_AMOUNT if text.isascii() else SYMBOL_AMOUNT).finditer(text) if symbol else ():
        start = match.start()
        if text[start] == "$" and (start == 0 or not text[start - 1].isalpha()):
            currency: str | None = "USD"
        else:
            currency, start = symbol_currency(text, start)
        if currency is None:
            continue  # R$ we do not know, a "$" inside a word
        if currency == "USD" and text[match.start()] == "$" and declared and declared != "USD":
            if not declared.endswith("D"):  # "Currency: EUR" with "$": the figure is not in dollars
                continue
            currency = declared  # "Currency: CAD" and "$1,200": Canadian dollars
        candidate = _candidate(text, lowered, match, start, currency, 1)
        if candidate is not None:
            found.append(candidate)
    # The figure-first pattern scans every digit: only when a code, a word or a
    # symbol may follow a figure ("45.000 $", "18 000 €", "4,000 dollars").
    if "Rs" in text:
        for match in RUPEES.finditer(text):
            candidate = _candidate(text, lowered, match, match.start(), "INR", 1)
            if candidate is not None:
                found.append(candidate)
    if not code and "ollar" not in lowered and "rupee" not in lowered and not symbol_after_figure(text):
        return found
    for match in CODE_AMOUNT.finditer(text) if code else ():
        candidate = _candidate(text, lowered, match, match.start(), match.group(1), 2)
        if candidate is not None:
            found.append(candidate)
    if text.isascii() and not figure_before_a_code(lowered):
        return found
    for match in SUFFIXED.finditer(text):
        if match.group("code"):
            currency = match.group("code").upper()
        elif match.group("word"):
            currency = WORD_CODES[match.group("word").lower()]
        else:
            currency = SYMBOLS[match.group("sym").upper()]  # IGNORECASE: "us$" is "US$"
        value = figure_value(match.group(1), match.group(2), currency)
        if value is not None:
            rank, kind = _rank(lowered, match.start())
            period = period_after(text, match.end())
            if period is None:
                period = unit_after(text, match.end())
                if period is not None and rank == NEUTRAL:
                    rank = BASELINE  # "0,09 €/GB": a unit price
            found.append(AmountCandidate(value, rank, match.start(), currency, kind, period))
    return found


def _candidate(text, lowered, match, start: int, currency: str, number_group: int) -> AmountCandidate | None:
    value = figure_value(match.group(number_group), match.group(number_group + 1), currency)
    end = match.end()
    after = text[end : end + 1]
    if value is None or after == "%":
        return None
    # "+$5,384.23": a signed figure is the change itself (impact, delta).
    # A minus is a credit or a decrease, ranked by its label like any figure.
    signed = text[max(0, start - 2) : start].strip()[-1:] == "+"
    rank, kind = (HEADLINE, "change") if signed else _rank(lowered, start)
    if rank == NEUTRAL:
        rank, kind = _right_rank(lowered, end)
    period = None
    # "/hour", " per month", " a month": only then try the rate pattern.
    if after == "/" or (after == " " and text[end + 1 : end + 2] in ("p", "a", "/")):
        per = PER.match(text, end)
        if per:
            word = per.group("per").lower()
            period = PER_NAMES.get(word, word)
            if period == "hour" and currency not in DOT_THOUSANDS and DOT_GROUPED.fullmatch(match.group(number_group)):
                value = float(match.group(number_group))  # "$1.125/hour" is a rate to the tenth of a cent
        else:
            period = unit_after(text, end)
            if period is not None and rank == NEUTRAL:
                rank = BASELINE  # a unit price: the spend it explains, if stated, is the headline
    return AmountCandidate(value, rank, start, currency, kind, period)


def _json_amounts(text: str) -> list[AmountCandidate]:
    found: list[AmountCandidate] = []
    currency = "USD"
    declared = JSON_CURRENCY.search(text)
    if declared:
        currency = declared.group("code").upper()
        if currency not in KNOWN_CODES:
            return found  # "Unit": "Hrs": a usage figure, not money
    matches = list(_JSON_AMOUNT_KEY.finditer(text))
    if any(_in_a_pair_before(text, match.start()) for match in matches):
        # '"note": "amount": 5': a pair read from an earlier quote holds this key, as JSON_NUMBER_KEY reads it.
        matches = [match for match in JSON_NUMBER_KEY.finditer(text) if match.group("key").lower() in JSON_KEYS]
    for match in matches:
        label = JSON_KEYS[match.group("key").lower()]
        quoted = match.group("quoted")
        value = parse_figure(quoted, currency) if quoted is not None else float(match.group("value"))
        if value is not None:
            found.append(AmountCandidate(abs(value), label.rank, match.start(), currency, label.kind))
    return found


def _in_a_pair_before(text: str, quote: int) -> bool:
    """Whether the quote at ``quote`` may open or close the string value of a key-value pair that
    ``JSON_NUMBER_KEY`` reads from an earlier quote (then the pair it opens is not read): yes when the
    blanks and ":" after a key stand before it, or a string of a value after ":" does."""
    before = text.rfind('"', 0, quote)
    if before == -1:
        return False
    between = text[before + 1 : quote]
    if between.strip() == ":":
        return True
    if len(between) > 40 or "\n" in between:
        return False
    head = text[max(0, before - 64) : before].rstrip()
    return head.endswith(":") or (not head and before > 64)


def _field_amounts(text: str, currency: str) -> list[AmountCandidate]:
    """Bare figures after a source's field labels, in the currency the alert declares."""
    found: list[AmountCandidate] = []
    for match in _FIELD_RE.finditer(text):
        label = FIELDS[match.group(1).lower()]
        value = figure_value(match.group(2), None, currency)
        if value is not None:
            found.append(AmountCandidate(value, label.rank, match.start(), currency, label.kind))
    return found


def _rank(lowered, start: int) -> tuple[int, AmountKind | None]:
    """Rank from the label nearest to the left of the amount, within its clause.

    A clause ends at a line break, a sentence end, a table cell or a bracket;
    when the amount opens its clause ("Total impact\n$5", "| $5") the label
    may sit in the clause just before.
    """
    window = lowered[max(0, start - _LEFT_WINDOW) : start]
    cut = _last_cut(window, len(window))
    if _ALNUM.search(window, cut) is None:
        cut = _last_cut(window, max(cut - 1, 0))
    clause = window[cut:]
    known = _CLAUSE_RANKS.get(clause)
    if known is not None:
        return known
    found = _clause_rank(clause)
    if len(_CLAUSE_RANKS) < _CLAUSE_RANKS_MAX:
        _CLAUSE_RANKS[clause] = found
    return found


def _clause_rank(clause: str) -> tuple[int, AmountKind | None]:
    """The rank of the label nearest the end of ``clause`` (lower case), after any figure it states."""
    if DIGIT.search(clause) and _CURRENCY_MARK.search(clause):
        last = None
        for last in _STATED_FIGURE.finditer(clause):  # noqa: B007 - only the last match is wanted
            pass
        if last is not None:
            clause = clause[last.end() :]
    best = None
    for match in _LABEL_RE.finditer(clause):
        best = match
    if best is None:
        return NEUTRAL, None
    label = LABELS[best.group(0)]
    return label.rank, label.kind


def _right_rank(lowered, end: int) -> tuple[int, AmountKind | None]:
    """Labels written after the figure: "$512.30 spent", "$1,000 budget"."""
    after = _RIGHT_LABEL.match(lowered[end : end + 24])
    if not after:
        return NEUTRAL, None
    label = RIGHT_LABELS[after.group(1)]
    return label.rank, label.kind


def _last_cut(window: str, end: int) -> int:
    """Where the clause ending at ``end`` starts: just past the last cut before it, or 0."""
    found = _TO_LAST_CUT.match(window, 0, end)
    return found.end() if found else 0


__all__ = [
    "BASELINE",
    "HEADLINE",
    "NEUTRAL",
    "AmountCandidate",
    "candidates_in",
    "headline",
    "headline_usd",
    "parse_figure",
]

"""Figures as people and payloads write them: numbers with their grouping and scale, and their currency.

Grouping by ",", ".", spaces or apostrophes, Indian lakhs, scale words ("k",
"million", "crore"); currencies by symbol ("$", "€", "C$"), ISO code before or
after the figure, or word ("euros"); a rate's period ("/hour", "per month").
``bot.routing.amounts`` finds the figures a message states with these and ranks
them into its headline.
"""

from __future__ import annotations

import re

from bot.routing.money import KNOWN_CODES, SYMBOLS
from bot.routing.trie import trie_pattern

# Thousands grouped by "," (1,234.56), "." (1.234,56), a space or a narrow
# no-break space (French "18 000 €", "2 700,50 €"), an apostrophe (Swiss
# "CHF 1'234.50"), or Indian lakhs (4,50,000). A sentence's comma or full stop
# may follow the figure ("Rs. 4,25,000, can someone...", "€1.234.").
NUMBER = (
    r"(\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?(?!\d|,\d)|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d{1,3}(?:['\u2019]\d{3})+(?:\.\d{1,2})?(?![\d'\u2019])"
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?(?!\d|\.\d)|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d{1,2})?(?!\d|[.,]\d)"
    r"|\d+(?:[.,]\d+)?)"
)
# Indian scale words: a lakh is 100,000 and a crore 10,000,000 ("Rs 3.2 lakh", "₹2.5 crore").
# Millions and billions in German ("1,2 Mio €", "3 Milliarden Euro"), Spanish ("1,2 millones de euros"),
# French ("1,2 million d'euros", "2 milliards") and Portuguese ("1,2 milhões de euros").
SCALE_WORD_FORMS = (
    "thousand", "million", "billion", "lakh", "lakhs", "lac", "lacs", "crore", "crores", "cr",
    "Mio", "Mrd", "Millionen", "Milliarden", "millones", "millón", "millon", "millions", "milliard", "milliards",
    "milhões", "milhoes", "milhão", "milhao",
)  # fmt: skip
SCALE_WORDS = "|".join(SCALE_WORD_FORMS)
# A figure's scale, as a trie of its letters and words: the engine follows one branch per character after
# every figure, not each of some 35 alternatives in turn. Of the forms starting at a position, at most one
# is followed by the ``\b`` (a longer one goes on with letters where a shorter one ends), so the trie
# matches what their alternation did, ignoring case too.
SCALE = r"(?:\s?(" + trie_pattern(("k", "K", "m", "M", "mm", "MM", "bn", "BN", "b", "B", *SCALE_WORD_FORMS)) + r")\b)?"
# ISO codes read in free text ("EUR 4,000", "18,000 USD"): every currency with a built-in rate
# (bot.config.currencies); payloads' declared codes ("currencyCode": "CHF") may be any ISO 4217 code.
TEXT_CODES = (
    "USD", "EUR", "GBP", "JPY", "INR", "CAD", "AUD", "CHF", "SEK", "NOK", "DKK", "PLN", "BRL", "MXN", "SGD",
    "HKD", "NZD", "CNY", "ZAR", "KRW", "ILS",
)  # fmt: skip
CODES = "|".join(TEXT_CODES)
# Anchored on the currency marker (no optional prefix) so the scan is fast; the
# letters before a "$" (A$, CA$, US$) are read afterwards.
SYMBOL_AMOUNT = re.compile(r"[$€£¥₹]\s?" + NUMBER + SCALE)
# The same in ASCII text, where "$" is the only symbol: the engine scans for one opening character several
# times faster than for a class.
DOLLAR_AMOUNT = re.compile(r"\$\s?" + NUMBER + SCALE)
# Rupees written "Rs", "Rs." or "Rs:" before the figure ("Rs. 4,25,000").
RUPEES = re.compile(r"\bRs[.:]?\s?" + NUMBER + SCALE)
# The code first and its ``\b`` as a look-behind after it: a pattern opening with literals is found by
# the engine's C scan for their first letters, where a leading ``\b`` makes it try every position.
CODE_AMOUNT = re.compile(r"(" + CODES + r")(?<!\w...)\s?" + NUMBER + SCALE)
SUFFIXED = re.compile(
    NUMBER
    + SCALE
    # "Mio. €", "millones de euros", "millions d'euros": an abbreviation's dot, the language's "of".
    + r"\.?\s?(?:de\s+|d['\u2019]\s?)?(?:(?P<code>"
    + CODES
    + r")\b|(?P<word>US dollars|dollars|euros?|rupees?)\b|(?P<sym>€|£|¥|₹|US\$|\$)(?!\s?\d))",
    re.IGNORECASE,
)
WORD_CODES = {"us dollars": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "rupee": "INR", "rupees": "INR"}
# A number, or a string holding a figure as people write it ("9,512.40", "1.234,56", "$1,200").


def json_number_key(key: str) -> re.Pattern[str]:
    """A JSON key that ``key`` matches, with its number or the string holding its figure."""
    return re.compile(r'"(?P<key>' + key + r')"\s*:\s*(?:(?P<value>-?\d+(?:\.\d+)?)\b|"(?P<quoted>[^"\n]{1,40})")')


JSON_NUMBER_KEY = json_number_key("[A-Za-z_]+")
_PLAIN_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_FIGURE_STRING = re.compile(
    r"\s*(?P<minus>-)?\s*(?:[$€£¥₹]|[A-Z]{3}\s?)?" + NUMBER + r"\s*(?:[A-Z]{3})?\s*", re.IGNORECASE
)
JSON_CURRENCY = re.compile(r'"(?:currencyCode|currency|Unit|unit)"\s*:\s*"(?P<code>[A-Za-z]{3})"')
# ``\b(?:currency(?: type| code)?)\W{0,4}(?P<code>[A-Z]{3})\b`` ignoring case, opening with a class of the
# first letter's two cases (as ``CODE_AMOUNT``: a scan for "c" in C, not an attempt at every position).
_TEXT_CURRENCY = re.compile(r"[cC](?<!\w.)(?i:urrency(?: type| code)?\W{0,4}(?P<code>[A-Z]{3})\b)")
PER = re.compile(
    r"\s?(?:/|per |an? |por |pro |par )\s?(?P<per>hour|hr|h|hora|heure|stunde|std|month|mo|day|week|wk|year|yr|annum)\b",
    re.IGNORECASE,
)
PER_NAMES = {
    "hr": "hour",
    "h": "hour",
    "hora": "hour",
    "heure": "hour",
    "stunde": "hour",
    "std": "hour",
    "mo": "month",
    "wk": "week",
    "yr": "year",
    "annum": "year",
}
# Currencies written with "." for thousands and "," for decimals ("€1.200,50").
DOT_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")
# One dot, digits after it, and only digits and commas before it.
_DOT_DECIMAL = re.compile(r"[\d,]*\.\d+")
DOT_THOUSANDS = frozenset({"EUR", "BRL", "DKK", "NOK", "SEK", "TRY", "IDR", "PLN", "CZK", "ARS", "CLP", "COP"})

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "lakh": 1e5,
    "lakhs": 1e5,
    "lac": 1e5,
    "lacs": 1e5,
    "crore": 1e7,
    "crores": 1e7,
    "cr": 1e7,
    "mio": 1e6,
    "millionen": 1e6,
    "millones": 1e6,
    "millón": 1e6,
    "millon": 1e6,
    "millions": 1e6,
    "milhões": 1e6,
    "milhoes": 1e6,
    "milhão": 1e6,
    "milhao": 1e6,
    "mrd": 1e9,
    "milliarden": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
}


def period_after(text: str, end: int) -> str | None:
    """The period of a rate whose currency follows its figure ("12 $/hora", "12 € pro Stunde")."""
    after = text[end : end + 1]
    if after == "/" or (after == " " and text[end + 1 : end + 2] in ("p", "a", "/")):
        per = PER.match(text, end)
        if per:
            word = per.group("per").lower()
            return PER_NAMES.get(word, word)
    return None


_SCALED_FIGURE_END = re.compile(r"\d\s?(?:[kKmMbB]|bn|BN|mm|MM|" + SCALE_WORDS + r")\.?\s?$")


# A unit price: a figure per unit of usage ("$0.09/GB", "$0.20 per 1M requests", "€4 per user"). It says
# what a unit costs, not what was spent, so it heads a message only when no other figure does.
UNIT_PRICE = re.compile(
    r"\s?(?:/|per |a |por |pro |par )\s?(?P<unit>(?:(?:\d[\d,.]*\s?[kKmM]?|one|a|million|thousand)\s?)?"
    r"(?:gb-?(?:month|mo|hour|hr)|gi?b|ti?b|mi?b|requests?|reqs?|calls?|invocations?|quer(?:y|ies)|tokens?|users?|seats?"
    r"|vcpus?(?:-hours?)?|cpus?|cores?|nodes?|licen[cs]es?|transactions?|events?|messages?|million|thousand"
    r"|(?<=\d)[mk]))(?![\w-])",
    re.IGNORECASE,
)


def unit_after(text: str, end: int) -> str | None:
    """The unit of a unit price whose figure ends at ``end`` ("GB", "1M requests"), or None."""
    after = text[end : end + 1]
    if after != "/" and not (after == " " and text[end + 1 : end + 2] in ("p", "a", "/", "P")):
        return None
    found = UNIT_PRICE.match(text, end)
    return " ".join(found.group("unit").split()) if found else None


def symbol_after_figure(text: str) -> bool:
    # An ASCII text holds no symbol but "$": the others are not looked for.
    for symbol in ("$",) if text.isascii() else ("€", "£", "$", "¥", "₹"):
        at = text.find(symbol, 1)
        while at > 0:
            # "5 US$": the symbol's letters stand between the figure and the "$".
            start = at - 2 if symbol == "$" and at > 2 and text[at - 2 : at] == "US" else at
            before = text[start - 1] if text[start - 1] != " " or start < 2 else text[start - 2]
            if before.isdigit():
                return True
            if (before.isalpha() or before == ".") and _SCALED_FIGURE_END.search(text, max(0, start - 16), start):
                return True  # "1,2 Mio €", "3 Milliarden €"
            at = text.find(symbol, at + 1)
    return False


# What a figure with a currency after it ("18,000 USD", "4k euros", "45.000 $")
# must end in, lower-cased (the ASCII ones: a text with "€" is not ASCII); and
# how far before it the figure's last digit can be: a scale word ("thousand",
# 8 letters), two spaces and the "US " of "US dollars". A code ends a word
# ("eur" in "europe" is none); "euro" and "rupee" may take an "s".
_SUFFIX_CODES = tuple(code.lower() for code in TEXT_CODES)
_SUFFIX_WORDS = ("euro", "dollars", "rupee")
_SUFFIX_REACH = 16
DIGIT = re.compile(r"\d")


def figure_before_a_code(lowered: str) -> bool:
    """Whether ``SUFFIXED`` can match at all in an ASCII text.

    Its scan tries every digit of the text (a JSON payload has hundreds), yet
    payloads name their currency away from any figure ("Unit": "USD"): a few
    literal searches rule the scan out. Only for ASCII text, where lower-casing
    keeps positions and IGNORECASE means exactly ``str.lower``. A code counts only
    where ``SUFFIXED`` could end on it, followed by no letter, digit or "_" (a
    word's end); a "$" only when no figure follows it.
    """
    search = DIGIT.search
    for word in _SUFFIX_CODES:
        at = lowered.find(word)
        while at != -1:
            after = lowered[at + 3 : at + 4]
            if not (after.isalnum() or after == "_") and search(lowered, max(0, at - _SUFFIX_REACH), at):
                return True
            at = lowered.find(word, at + 1)
    for word in _SUFFIX_WORDS:
        at = lowered.find(word)
        while at != -1:
            if search(lowered, max(0, at - _SUFFIX_REACH), at):
                return True
            at = lowered.find(word, at + 1)
    at = lowered.find("$")
    while at != -1:
        after = lowered[at + 1 : at + 3]
        if not (after[:1].isdigit() or (after[:1].isspace() and after[1:].isdigit())) and search(
            lowered, max(0, at - _SUFFIX_REACH), at
        ):
            return True
        at = lowered.find("$", at + 1)
    return False


def symbol_currency(text: str, start: int) -> tuple[str | None, int]:
    """The currency of the symbol at ``start`` and where the written figure begins."""
    symbol = text[start]
    if symbol != "$":
        return SYMBOLS[symbol], start
    if start == 0 or not text[start - 1].isalpha():
        return "USD", start
    prefix_start = start
    while prefix_start > 0 and start - prefix_start < 3 and text[prefix_start - 1].isalpha():
        prefix_start -= 1
    if prefix_start > 0 and text[prefix_start - 1].isalnum():
        return None, start
    return SYMBOLS.get(text[prefix_start:start].upper() + "$"), prefix_start


def parse_figure(written: str, currency: str = "USD") -> float | None:
    """A figure written alone, as a payload's string field holds it: "9,512.40", "1.234,56", "$1,200",
    "1234.56 USD", "-12.5", "1.125" (grouping read as in text, for ``currency``, except in a bare
    number); None when it is not one."""
    if _PLAIN_NUMBER.fullmatch(written):
        return float(written)  # a machine's number ("1.125", "20412.88"): its dot is a decimal point
    match = _FIGURE_STRING.fullmatch(written)
    if match is None:
        return None
    value = figure_value(match.group(2), None, currency)
    return -value if value is not None and match.group("minus") else value


def declared_currency(text: str) -> str | None:
    declared = _TEXT_CURRENCY.search(text) or JSON_CURRENCY.search(text)
    if declared is None:
        return None
    code = declared.group("code").upper()
    return code if code in KNOWN_CODES else None


def figure_value(number: str, scale: str | None, currency: str) -> float | None:
    if "'" in number or "\u2019" in number:
        number = number.replace("'", "").replace("\u2019", "")  # Swiss "1'234.50"
    if number.isdigit():
        pass  # the common case, no separators at all
    elif "." not in number and " " not in number and not _DECIMAL_COMMA.fullmatch(number) and number.isascii():
        number = number.replace(",", "")  # "12,340" or "4,50,000"
    elif _DOT_DECIMAL.fullmatch(number) and ("," in number or len(number) - number.index(".") != 4):
        # "5,841.43", "636.71": the most common shapes in alerts. ``_separated`` reads a dot as grouping
        # thousands only with three digits after it and no comma before it, so here the dot is a decimal point.
        number = number.replace(",", "")
    else:
        number = _separated(number, currency)
    try:
        value = float(number)
    except ValueError:
        return None
    if scale:
        value *= _SCALES.get(scale.lower(), 1.0)
    return value


def _separated(number: str, currency: str) -> str:
    number = number.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if (
        "." in number
        and DOT_GROUPED.fullmatch(number)
        and (currency in DOT_THOUSANDS or "," in number or not number.startswith("0"))
    ):
        # "€1.200,50", "USD 1.234,56", "$3.200" in a Spanish message: a figure
        # is stated to the cent, so three digits after the only dot group thousands.
        number = number.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(number):
        number = number.replace(",", ".")  # "2 700,50 €", "12,5 €"
    else:
        number = number.replace(",", "")
    return number

"""Folding, tokenising and stemming shared by the matcher and who-owns.

Terms from the config and words from messages go through the same functions,
so "Anomalies", "anomalous" and "ANOMALY" all meet at one stem. Stemming is the
Snowball algorithm of the word's language (PyStemmer), with a short
list of English exceptions where Snowball would join two senses or split one.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import Stemmer  # PyStemmer: the Snowball stemmers, compiled

from bot.config.languages import SNOWBALL_LANGUAGES

# camelCase JSON keys ("totalImpact", "alertThresholdExceeded") read as words.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")

# Words this short are left as they are: "its", "ads", "aws" are not inflections.
MIN_STEM = 3
# Nothing longer is stemmed: no term is this long, and Snowball's work grows
# with the word (a 40,000-letter "word" is an attack, not a word).
MAX_STEM = 40


# English words whose Snowball stem would merge two senses or split one.
_EN_EXCEPTIONS: dict[str, str] = {
    # "-ment" keeps its own sense: a commitment is not a git commit, a payment
    # not "pay", an agreement not "agree".
    "commitment": "commitment",
    "commitments": "commitment",
    "payment": "payment",
    "payments": "payment",
    "agreement": "agreement",
    "agreements": "agreement",
    "statement": "statement",
    "statements": "statement",
    "deployment": "deployment",
    "deployments": "deployment",
    # Snowball leaves "anomalous" at "anomal" and "anomaly" at "anomali".
    "anomalous": "anomali",
    "anomalously": "anomali",
    # "generous"/"general"/"generate" and "organ"/"organization" stay apart.
    "organization": "organization",
    "organizations": "organization",
    "organisation": "organization",
    "organisations": "organization",
    # Snowball would join these to a word of another sense: "executive" to
    # "execute", "production" to "product", "project" to "projection",
    # "renewable" to "renew", "actually" to "actuals", "clustering" to
    # "cluster", "expensive" to "expense".
    "executive": "executive",
    "executives": "executive",
    "production": "production",
    "projected": "projection",
    "projecting": "projection",
    "projection": "projection",
    "projections": "projection",
    "renewable": "renewable",
    "renewables": "renewable",
    "actually": "actually",
    "clustering": "clustering",
    "expensive": "expensive",
    # "accounting" is not "accounts", "enablement" is not "enabled".
    "accounting": "accounting",
    "enablement": "enablement",
    # "expiry" and "expire" are one word to us.
    "expiry": "expir",
    "expiries": "expir",
    # "news" is not the plural of "new".
    "news": "news",
    # "data" and "date" are not one word.
    "dated": "date",
}

# British "-ise" spellings meet the American "-ize" ones before stemming, so
# "capitalised" and "capitalized", "utilisation" and "utilization" match.
_BRITISH = re.compile(r"is(e|es|ed|ing|ation|ations|er|ers)$")


def _combining_marks() -> re.Pattern[str]:
    """One character class of every combining mark (built once, ~20 ms): a
    regex drops them far faster than a per-character test. Planes 2 to 13
    hold ideographs and unassigned code points, no marks."""
    ranges: list[str] = []
    for first, last in ((0x300, 0x20000), (0xE0000, 0xE1000)):
        start = None
        for code in range(first, last + 1):
            marked = code < last and bool(unicodedata.combining(chr(code)))
            if marked and start is None:
                start = code
            elif not marked and start is not None:
                ranges.append(f"\\U{start:08x}-\\U{code - 1:08x}")
                start = None
    return re.compile("[" + "".join(ranges) + "]")


_COMBINING = _combining_marks()


# Full-width ASCII forms (U+FF01-FF5E: "ＡＷＳ", "＄５，０００"), as East Asian input methods
# type them, read as their ASCII forms: NFKC for those characters only, so the
# amount reader and the source markers see "$5,000", not just the matcher's fold.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_NARROWED = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def narrow_full_width(text: str) -> str:
    """``text`` with full-width ASCII forms made ASCII (cheap unless it has one)."""
    if text.isascii() or _FULL_WIDTH.search(text) is None:
        return text
    return text.translate(_NARROWED)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKC, casefold, combining marks dropped."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return _COMBINING.sub("", decomposed)


def spellings(word: str) -> set[str]:
    """How a message may spell ``word`` (as given and accent-folded; lower case, capitalised, capitals),
    for look-ups of its raw tokens without folding each one."""
    forms = {word.strip(), fold(word.strip())}
    return {variant for form in forms for variant in (form, form.lower(), form.capitalize(), form.upper())}


def split_camel(text: str) -> str:
    return _CAMEL.sub(" ", text)


class _Stemmers(threading.local):
    """Snowball stemmer objects keep state while stemming: one per thread."""

    def __init__(self) -> None:
        self.by_language: dict[str, object] = {}


_THREAD = _Stemmers()


def _snowball(language: str, word: str) -> str:
    stemmers = _THREAD.by_language
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = Stemmer.Stemmer(SNOWBALL_LANGUAGES[language])
    return stemmer.stemWord(word)  # type: ignore[attr-defined]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """English stem of a folded word (Snowball, with the exceptions above)."""
    if len(word) <= MIN_STEM or len(word) > MAX_STEM or not word.isalpha():
        return word
    exception = _EN_EXCEPTIONS.get(word)
    if exception is not None:
        return exception
    if len(word) >= 7:
        word = _BRITISH.sub(r"iz\1", word)
    return _snowball("en", word)


@lru_cache(maxsize=65536)
def _stem_other(language: str, word: str) -> str:
    if len(word) <= MIN_STEM or len(word) > MAX_STEM or not word.isalpha():
        return word
    return _snowball(language, word)


def stemmer_for(language: str) -> Callable[[str], str]:
    """The stem function of a language code ("en", "es", "fr", "de", "pt"...)."""
    if language == "en":
        return stem
    if language not in SNOWBALL_LANGUAGES:
        raise ValueError(f"no Snowball stemmer for language {language!r}")

    def stem_language(word: str) -> str:
        return _stem_other(language, word)

    return stem_language

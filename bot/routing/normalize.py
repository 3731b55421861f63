"""Folding, tokenising and light stemming shared by the matcher and who-owns.

Terms from the config and words from messages go through the same functions,
so "Anomalies", "anomalous" and "ANOMALY" all meet at the stem "anomal".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# camelCase JSON keys ("totalImpact", "alertThresholdExceeded") read as words.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")

# Longest suffixes first. Each strip keeps a stem of at least MIN_STEM chars.
# Inflections only, plus a few derivations that keep the meaning ("tagging",
# "allocation"). "-ment" is not stripped: it changes the sense too often
# ("pay"/"payment", "agree"/"agreement", "state"/"statement", "deploy"/"deployment").
_SUFFIXES: tuple[str, ...] = (
    "izations",
    "isations",
    "ization",
    "isation",
    "ational",
    "ations",
    "izing",
    "ising",
    "ation",
    "ings",
    "ized",
    "ised",
    "ness",
    "ous",
    "ing",
    "ies",
    "ied",
    "ize",
    "ise",
    "ate",
    "als",
    "ers",
    "al",
    "ed",
    "es",
    "er",
    "y",
    "s",
    "e",
)
MIN_STEM = 3
_KEEP_S = ("ss", "us", "is")
_DOUBLE_OK = frozenset("lsz")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKC, casefold, combining marks dropped."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_camel(text: str) -> str:
    return _CAMEL.sub(" ", text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small stemmer: the same rule on both sides is what matters."""
    if len(word) <= MIN_STEM or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        if suffix == "s" and word.endswith(_KEEP_S):
            continue
        base = word[: -len(suffix)]
        if len(base) < MIN_STEM:
            continue
        # "tagging" -> "tagg" -> "tag"; "billing" keeps "bill".
        if (
            suffix in ("ing", "ed", "er", "ers", "ings")
            and len(base) > MIN_STEM
            and base[-1] == base[-2]
            and base[-1] not in _DOUBLE_OK
        ):
            base = base[:-1]
        return base
    return word

"""One-pass term matching whose cost does not grow with the number of terms.

Every configured term (word, phrase or abbreviation) is reduced to a tuple of
stems and stored in a hash keyed by that tuple; a second hash lists, for each
first stem, the phrase lengths that start with it. A message is tokenised once
and each token costs a couple of dict lookups, so 100x more terms means bigger
dicts, not more work per token.

* Case and Unicode folding, word boundaries and inflections come from
  ``bot.routing.normalize`` (the same on both sides).
* Abbreviations written in capitals in the config (``RI``, ``SP``, ``CUD``)
  match only when written in capitals (plural ``RIs`` allowed): "sp" and "ri"
  are too common as lower-case fragments to mean Savings Plan or Reserved
  Instance.
* Typos: a word of six letters or more that is not in the vocabulary is
  corrected when exactly one vocabulary stem is one edit away (symmetric
  deletion index, precomputed). Corrected matches weigh less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.routing.normalize import fold, split_camel, stem

_WORD = re.compile(r"[^\W_]+")
_CAMEL_HINT = re.compile(r"[a-z][A-Z]")

TYPO_MIN_LEN = 6
TYPO_WEIGHT = 0.9
# Common words one edit away from FinOps vocabulary; never "corrected".
_NOT_TYPOS = frozenset(
    {
        "contact", "contacts", "context", "content", "counted", "counter", "resolve",
        "general", "results", "billion", "budgie", "forest", "foreign", "signal",
        "license", "licence", "commit", "expert", "export", "import", "repost",
        "report", "retire", "retry", "credit", "creditor", "audio", "radius",
        "spending", "pending", "sending", "lending", "tending", "ending", "trending",
        "rending", "renting", "renewed", "savings", "saving", "having", "waving",
    }
)
_MAX_TOKEN_CACHE = 200_000


@dataclass(frozen=True)
class Term:
    """One configured term, as matched."""

    text: str  # as written in the config, without its boost
    key: tuple[str, ...]  # stems (or the capitalised abbreviation)
    groups: tuple[str, ...]  # topic ids (or context lexicon names) using it
    boosts: tuple[float, ...]  # per group: "capex^2" weighs twice as much


@dataclass(frozen=True)
class Hit:
    term: Term
    position: int  # token index of the first word
    typo: bool


def split_boost(raw: str) -> tuple[str, float]:
    """ "capex^2" -> ("capex", 2.0); a term without a boost weighs 1."""
    text, caret, boost = raw.strip().rpartition("^")
    if caret and text:
        try:
            value = float(boost)
        except ValueError:
            return raw.strip(), 1.0
        if 0 < value <= 10:
            return text.strip(), value
    return raw.strip(), 1.0


def _is_case_sensitive_abbreviation(word: str) -> bool:
    return 2 <= len(word) <= 4 and word.isalnum() and word.isupper()


class TermIndex:
    """Terms of many groups, matched in one pass over a message's tokens."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        by_key: dict[tuple[str, ...], tuple[str, dict[str, float]]] = {}
        for group, terms in groups.items():
            for raw in terms:
                text, boost = split_boost(raw)
                key = self.term_key(text)
                if not key:
                    continue
                members = by_key.setdefault(key, (text, {}))[1]
                members[group] = max(boost, members.get(group, 0.0))
        self.terms: dict[tuple[str, ...], Term] = {
            key: Term(text=text, key=key, groups=tuple(members), boosts=tuple(members.values()))
            for key, (text, members) in by_key.items()
        }
        lengths: dict[str, set[int]] = {}
        for key in self.terms:
            lengths.setdefault(key[0], set()).add(len(key))
        # Longest phrase first: "reserved instance" beats "reserved".
        self._lengths: dict[str, tuple[int, ...]] = {
            first: tuple(sorted(ls, reverse=True)) for first, ls in lengths.items()
        }
        self._vocabulary = frozenset(stem_ for key in self.terms for stem_ in key)
        self._deletions = self._deletion_index(self._vocabulary)
        self._token_cache: dict[str, tuple[str, bool]] = {}

    @staticmethod
    def term_key(raw: str) -> tuple[str, ...]:
        return tuple(
            word if _is_case_sensitive_abbreviation(word) else stem(fold(word))
            for word in _WORD.findall(split_camel(raw.strip()))
        )

    @staticmethod
    def _deletion_index(vocabulary: Iterable[str]) -> dict[str, tuple[str, ...]]:
        index: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) < TYPO_MIN_LEN or not word.isalpha() or not word.islower():
                continue
            index.setdefault(word, set()).add(word)
            for i in range(len(word)):
                index.setdefault(word[:i] + word[i + 1 :], set()).add(word)
        return {variant: tuple(sorted(words)) for variant, words in index.items()}

    def canonical(self, token: str) -> tuple[str, bool]:
        """(stem used for lookup, whether it is a typo correction) for a raw token."""
        cached = self._token_cache.get(token)
        if cached is not None:
            return cached
        result = self._canonical(token)
        if len(self._token_cache) < _MAX_TOKEN_CACHE:
            self._token_cache[token] = result
        return result

    def _canonical(self, token: str) -> tuple[str, bool]:
        if len(token) <= 5 and token[0].isupper():
            if token in self._vocabulary:
                return token, False
            if token.endswith("s") and token[:-1] in self._vocabulary and token[:-1].isupper():
                return token[:-1], False
        folded = fold(token)
        stemmed = stem(folded)
        if stemmed in self._vocabulary or len(folded) < TYPO_MIN_LEN:
            return stemmed, False
        if not stemmed.isalpha() or folded in _NOT_TYPOS:
            return stemmed, False
        corrected = self._correct(stemmed)
        return (corrected, True) if corrected else (stemmed, False)

    def _correct(self, word: str) -> str | None:
        candidates: set[str] = set(self._deletions.get(word, ()))
        for i in range(len(word)):
            variant = word[:i] + word[i + 1 :]
            candidates.update(self._deletions.get(variant, ()))
            if variant in self._vocabulary and len(variant) >= TYPO_MIN_LEN:
                candidates.add(variant)
        # Typos rarely hit the first letter; requiring it avoids most false friends.
        candidates = {c for c in candidates if c[0] == word[0]}
        return next(iter(candidates)) if len(candidates) == 1 else None

    def tokens(self, text: str) -> list[str]:
        """Words of ``text``; camelCase is split ("totalImpact") unless the whole
        word is a known term ("GuardDuty", "CloudWatch")."""
        words = _WORD.findall(text)
        if not _CAMEL_HINT.search(text):
            return words
        out: list[str] = []
        for word in words:
            if _CAMEL_HINT.search(word) and self.canonical(word)[0] not in self._vocabulary:
                out.extend(_WORD.findall(split_camel(word)))
            else:
                out.append(word)
        return out

    def match(self, text: str) -> list[Hit]:
        """Longest match at each position, left to right, non-overlapping."""
        canonical = self.canonical
        stems: list[str] = []
        typos: list[bool] = []
        for token in self.tokens(text):
            stem_, typo = canonical(token)
            stems.append(stem_)
            typos.append(typo)
        hits: list[Hit] = []
        lengths = self._lengths
        terms = self.terms
        count = len(stems)
        i = 0
        while i < count:
            options = lengths.get(stems[i])
            if options is None:
                i += 1
                continue
            for length in options:
                if i + length > count:
                    continue
                key = (stems[i],) if length == 1 else tuple(stems[i : i + length])
                term = terms.get(key)
                if term is not None:
                    hits.append(Hit(term, i, any(typos[i : i + length])))
                    i += length
                    break
            else:
                i += 1
        return hits

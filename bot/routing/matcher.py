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
* Identifiers are names, not topic words: a hyphenated, underscored or
  camelCase word ending in, or joined to, a software-component part
  ("invoices-ui", "billing_svc_v2", "PaymentController") is one opaque token, so a service
  called "invoices" is not an invoice.
* Typos: a word of six letters or more that is not in the vocabulary is
  corrected when exactly one vocabulary stem is one edit away (symmetric
  deletion index, precomputed). Corrected matches weigh less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.routing.normalize import fold, split_camel, stem

# Letters and digits; "_" splits (JSON keys such as usage_type), "-" splits too
# ("true-up" becomes the phrase "true up" on both sides).
_WORD = re.compile(r"[^\W_]+")
_CAMEL_HINT = re.compile(r"[a-z][A-Z]")
_CAMEL_WORD = re.compile(r"[^\W_]*[a-z][A-Z][^\W_]*")

# Parts that make a compound word the name of a piece of software.
_COMPONENT_PARTS = (
    "ui",
    "api",
    "apis",
    "svc",
    "srv",
    "service",
    "services",
    "app",
    "apps",
    "web",
    "frontend",
    "backend",
    "fe",
    "be",
    "db",
    "worker",
    "workers",
    "job",
    "jobs",
    "cron",
    "repo",
    "sdk",
    "lib",
    "bot",
    "server",
    "client",
    "portal",
    "proxy",
    "daemon",
    "consumer",
    "producer",
    "handler",
    "controller",
    "microservice",
    "ms",
    "fn",
    "func",
    "queue",
    "engine",
    "processor",
    "exporter",
    "operator",
    "widget",
    "component",
    "module",
    "plugin",
    "cli",
    "tests",
    "test",
)
_COMPONENT_SET = frozenset(_COMPONENT_PARTS)
# A component part after a separator ("invoices-ui", "billing_svc_v2"). The
# pattern starts with a literal separator, so a scan costs almost nothing on
# text without one; the rest of the compound is found around each hit.
_COMPONENT_AFTER_SEPARATOR = re.compile("[-_](?:" + "|".join(_COMPONENT_PARTS) + r")(?![^\W_])", re.IGNORECASE)


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "-" or ch == "_"


def _opaque_names(text: str) -> str:
    """Each software identifier in ``text`` as one alphanumeric token that no
    term can equal (terms are alphabetic or capitals); the leading digit keeps
    it away from typo correction."""
    spans: list[tuple[int, int]] = []
    for hit in _COMPONENT_AFTER_SEPARATOR.finditer(text):
        start, end = hit.start(), hit.end()
        if (spans and start < spans[-1][1]) or start == 0 or not text[start - 1].isalnum():
            continue
        while start > 0 and _is_name_char(text[start - 1]):
            start -= 1
        while end < len(text) and _is_name_char(text[end]):
            end += 1
        spans.append((start, end))
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append("0" + "".join(_WORD.findall(text[start:end])))
        last = end
    out.append(text[last:])
    return "".join(out)


TYPO_MIN_LEN = 6
TYPO_WEIGHT = 0.9
# Common words one edit away from FinOps vocabulary; never "corrected".
_NOT_TYPOS = frozenset(
    {
        "contact",
        "contacts",
        "context",
        "content",
        "counted",
        "counter",
        "resolve",
        "general",
        "results",
        "billion",
        "budgie",
        "forest",
        "foreign",
        "signal",
        "license",
        "licence",
        "commit",
        "expert",
        "export",
        "import",
        "repost",
        "report",
        "retire",
        "retry",
        "credit",
        "creditor",
        "audio",
        "radius",
        "spending",
        "pending",
        "sending",
        "lending",
        "tending",
        "ending",
        "trending",
        "rending",
        "renting",
        "renewed",
        "savings",
        "saving",
        "having",
        "waving",
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


def split_term(raw: str) -> tuple[str, float, bool]:
    """ "showback!^1.5" -> ("showback", 1.5, True).

    "^N" is a Lucene-style boost (default 1); a trailing "!" marks a decisive
    term, one unambiguous enough to make a message a FinOps matter by itself.
    """
    text, caret, boost = raw.strip().rpartition("^")
    value = 1.0
    if caret and text:
        try:
            parsed = float(boost)
        except ValueError:
            parsed = 0.0
        if 0 < parsed <= 10:
            value = parsed
        else:
            text = raw.strip()
    else:
        text = raw.strip()
    text = text.strip()
    decisive = text.endswith("!") and len(text) > 1
    return (text[:-1].rstrip() if decisive else text), value, decisive


def split_boost(raw: str) -> tuple[str, float]:
    """ "capex^2" -> ("capex", 2.0); a term without a boost weighs 1."""
    text, boost, _ = split_term(raw)
    return text, boost


def _is_case_sensitive_abbreviation(word: str) -> bool:
    return 2 <= len(word) <= 5 and word.isalnum() and word.isupper()


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
        # Raw token -> lookup stem. Alert payloads repeat the same words, so a
        # long-running stream resolves almost every token with one dict hit.
        self._token_cache: dict[str, str] = {}
        self._typo_tokens: set[str] = set()
        self._split_cache: dict[str, tuple[str, ...]] = {}

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
        stem_ = self._token_cache.get(token)
        if stem_ is None:
            stem_ = self._remember(token)
        return stem_, token in self._typo_tokens

    def _remember(self, token: str) -> str:
        stem_, typo = self._canonical(token)
        if len(self._token_cache) < _MAX_TOKEN_CACHE:
            self._token_cache[token] = stem_
            if typo:
                self._typo_tokens.add(token)
        return stem_

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
        if "-" in text or "_" in text:
            text = _opaque_names(text)
        words = _WORD.findall(text)
        if not _CAMEL_HINT.search(text):
            return words
        humped = set(_CAMEL_WORD.findall(text))
        out: list[str] = []
        for word in words:
            if word in humped:
                parts = self._split_cache.get(word)
                if parts is None:
                    parts = self._split(word)
                out.extend(parts)
            else:
                out.append(word)
        return out

    def _split(self, word: str) -> tuple[str, ...]:
        if self.canonical(word)[0] in self._vocabulary:
            parts: tuple[str, ...] = (word,)
        else:
            parts = tuple(_WORD.findall(split_camel(word)))
            if len(parts) > 1 and any(fold(part) in _COMPONENT_SET for part in parts):
                parts = ("0" + word,)
        if len(self._split_cache) < _MAX_TOKEN_CACHE:
            self._split_cache[word] = parts
        return parts

    def match(self, text: str) -> list[Hit]:
        """Longest match at each position, left to right, non-overlapping."""
        tokens = self.tokens(text)
        cached = self._token_cache.get
        stems = [cached(token) for token in tokens]
        if None in stems:
            remember = self._remember
            stems = [s if s is not None else remember(t) for s, t in zip(stems, tokens, strict=False)]
        hits: list[Hit] = []
        lengths = self._lengths.get
        terms = self.terms
        typo_tokens = self._typo_tokens
        count = len(stems)
        i = 0
        while i < count:
            options = lengths(stems[i])
            if options is None:
                i += 1
                continue
            for length in options:
                if i + length > count:
                    continue
                key = (stems[i],) if length == 1 else tuple(stems[i : i + length])
                term = terms.get(key)
                if term is not None:
                    typo = bool(typo_tokens) and any(t in typo_tokens for t in tokens[i : i + length])
                    hits.append(Hit(term, i, typo))
                    i += length
                    break
            else:
                i += 1
        return hits

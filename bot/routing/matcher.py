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
  called "invoices" is not an invoice (``bot.routing.words``).
* Typos: a word of six letters or more that is not in the vocabulary is
  corrected when exactly one vocabulary stem is one edit away (symmetric
  deletion index, precomputed). Corrected matches weigh less.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import compress, repeat
from itertools import count as count_from
from operator import is_
from typing import NamedTuple

from bot.routing import lexicon
from bot.routing.normalize import fold, split_camel, stemmer_for
from bot.routing.typos import NOT_TYPOS, TYPO_MAX_LEN, TYPO_MIN_LEN, closest_target, deletion_index
from bot.routing.words import CAMEL_HINT, CAMEL_WORD, COMPONENT_SET, WORD, ascii_words, opaque_names

# Dictionary look-ups spent on typo correction in one message, at most. A
# message of thousands of unknown long words (or one 40,000-letter word) costs
# no more than this; its later words are matched as written.
TYPO_WORK_PER_MESSAGE = 4000
# Words seen for the first time (folded, stemmed, perhaps corrected) in one
# message, at most; later new words of that message are only lower-cased. Real
# alerts repeat a few hundred words; only garbage has thousands of new ones.
NEW_WORDS_PER_MESSAGE = 1500
# A clause-final separable prefix ("laufen im Januar ab") is joined to at most
# this many words before it, looking for the clause's verb.
SEPARABLE_WINDOW = 12
_MAX_TOKEN_CACHE = 200_000


@dataclass(frozen=True)
class Term:
    """One configured term, as matched."""

    text: str  # as written in the config, without its boost
    key: tuple[str, ...]  # stems (or the capitalised abbreviation)
    groups: tuple[str, ...]  # topic ids (or context lexicon names) using it
    boosts: tuple[float, ...]  # per group: "capex^2" weighs twice as much
    ident: tuple[str, ...] = ()  # key, prefixed with "@<language>" outside English


class Hit(NamedTuple):
    """One match (a tuple: made for every term found in every message)."""

    term: Term
    position: int  # token index of the first word
    typo: bool
    line_item: bool = False  # followed by a fee word: names a cost line in passing


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
    """Terms of many groups, matched in one pass over a message's tokens.

    ``language`` picks the Snowball stemmer used on both sides (terms and
    message words); ``shorthand`` maps chat abbreviations to the word they
    stand for ("pls" -> "please", "bil" -> "bill"), also on both sides.
    """

    def __init__(
        self,
        groups: Mapping[str, Iterable[str]],
        *,
        language: str = "en",
        shorthand: Mapping[str, str] | None = None,
        separable_prefixes: Iterable[str] = (),
    ) -> None:
        self.language = language
        # Separable verb prefixes, folded, and every spelling a token may have.
        self._prefixes = frozenset(fold(p) for p in separable_prefixes)
        self.prefix_tokens = frozenset(
            form for p in separable_prefixes for form in (p, p.lower(), p.capitalize(), p.upper())
        )
        self._joined_cache: dict[tuple[str, str], Term | None] = {}
        self._stem = stemmer_for(language)
        self._shorthand: dict[str, str] = {fold(k): fold(v) for k, v in (shorthand or {}).items()}
        # Terms of another language get their own identity, so the same stem
        # in two languages is two terms to the router.
        prefix: tuple[str, ...] = () if language == "en" else (f"@{language}",)
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
            key: Term(text=text, key=key, groups=tuple(members), boosts=tuple(members.values()), ident=prefix + key)
            for key, (text, members) in by_key.items()
        }
        # Each word that starts a term -> (its one-word term, the lengths of the
        # phrases it starts by their second word, longest first): "reserved
        # instance" beats "reserved", and a word that starts phrases tries only
        # those going on with the word after it. One look-up per word, and no
        # key of words built unless a phrase may start there.
        phrase_lengths: dict[str, dict[str, set[int]]] = {}
        for key in self.terms:
            if len(key) > 1:
                phrase_lengths.setdefault(key[0], {}).setdefault(key[1], set()).add(len(key))
        self._starts: dict[str, tuple[Term | None, dict[str, tuple[int, ...]] | None]] = {
            key[0]: (
                self.terms.get(key[:1]),
                {second: tuple(sorted(ls, reverse=True)) for second, ls in phrase_lengths[key[0]].items()}
                if key[0] in phrase_lengths
                else None,
            )
            for key in self.terms
        }
        self._vocabulary = frozenset(stem_ for key in self.terms for stem_ in key)
        # Typo targets: every stem, and every word as written in a term (folded),
        # each leading to its stem. Matching a misspelt word against both finds
        # "overprovisoned" (one letter from "overprovisioned") although its stem
        # and the term's stem differ by more.
        targets: dict[str, str] = {}
        for key, term in self.terms.items():
            for stem_ in key:
                targets.setdefault(stem_, stem_)
            words = [fold(w) for w in WORD.findall(split_camel(term.text))]
            if len(words) == len(key):
                for word, stem_ in zip(words, key, strict=True):
                    targets.setdefault(self._shorthand.get(word, word), stem_)
        self._typo_targets = {
            word: stem_
            for word, stem_ in targets.items()
            if TYPO_MIN_LEN <= len(word) <= TYPO_MAX_LEN + 2 and word.isalpha() and word.islower()
        }
        # Built on the first word that needs it, and shared by indexes with the
        # same targets (a config reload, the tests' many routers).
        self._deletions: dict[str, tuple[str, ...]] | None = None
        # Inflections of the common words are not typos either ("contacted").
        self._not_typo_stems = (
            frozenset(self._stem(word) for word in (*NOT_TYPOS, *lexicon.COMMON_WORDS)) - self._vocabulary
        )
        # Raw token -> lookup stem. Alert payloads repeat the same words, so a
        # long-running stream resolves almost every token with one dict hit.
        self._token_cache: dict[str, str] = {}
        self._typo_tokens: set[str] = set()
        self._split_cache: dict[str, tuple[str, ...]] = {}
        # Dictionary look-ups spent on typo candidates since start (a work
        # counter for tests and benchmarks, not a clock).
        self.typo_lookups = 0

    def term_key(self, raw: str) -> tuple[str, ...]:
        shorthand = self._shorthand
        stem_ = self._stem
        key = []
        for word in WORD.findall(split_camel(raw.strip())):
            if _is_case_sensitive_abbreviation(word):
                key.append(word)
                continue
            folded = fold(word)
            key.append(stem_(shorthand.get(folded, folded)))
        return tuple(key)

    def canonical(self, token: str) -> tuple[str, bool]:
        """(stem used for lookup, whether it is a typo correction) for a raw token."""
        stem_ = self._token_cache.get(token)
        if stem_ is None:
            stem_ = self._remember(token, [TYPO_WORK_PER_MESSAGE, NEW_WORDS_PER_MESSAGE])
        return stem_, token in self._typo_tokens

    def _remember(self, token: str, budget: list[int]) -> str:
        """Resolve a token not in the cache, within the message's ``budget``
        ([typo look-ups left, new words left])."""
        if budget[1] <= 0:
            return token.lower()
        budget[1] -= 1
        stem_, typo, complete = self._canonical(token, budget)
        if complete and len(self._token_cache) < _MAX_TOKEN_CACHE and len(token) <= 64:
            self._token_cache[token] = stem_
            if typo:
                self._typo_tokens.add(token)
        elif typo:
            # A correction is remembered even when the token is not cached, so
            # the hit it makes in this message is marked as a typo.
            self._typo_tokens.add(token)
        return stem_

    def _canonical(self, token: str, budget: list[int]) -> tuple[str, bool, bool]:
        """(stem, typo corrected, complete); incomplete when the message's typo
        budget ran out before this token could be checked."""
        if len(token) <= 5 and token[0].isupper():
            if token in self._vocabulary:
                return token, False, True
            if token.endswith("s") and token[:-1] in self._vocabulary and token[:-1].isupper():
                return token[:-1], False, True
        folded = fold(token)
        folded = self._shorthand.get(folded, folded)
        stemmed = self._stem(folded)
        if stemmed in self._vocabulary or not TYPO_MIN_LEN <= len(folded) <= TYPO_MAX_LEN:
            return stemmed, False, True
        if not folded.isalpha() or folded in NOT_TYPOS or stemmed in self._not_typo_stems:
            return stemmed, False, True
        if budget[0] <= 0:
            return stemmed, False, False
        corrected = self._correct(folded, stemmed, budget)
        if corrected is None:
            return stemmed, False, budget[0] > 0
        return corrected, True, True

    def _correct(self, folded: str, stemmed: str, budget: list[int]) -> str | None:
        deletions = self._deletions
        if deletions is None:
            deletions = self._deletions = deletion_index(frozenset(self._typo_targets))
        budget_before = budget[0]
        corrected = closest_target(folded, stemmed, deletions, self._typo_targets, budget)
        self.typo_lookups += budget_before - budget[0]
        return corrected

    def tokens(self, text: str, budget: list[int] | None = None) -> list[str]:
        """Words of ``text``; camelCase is split ("totalImpact") unless the whole
        word is a known term ("GuardDuty", "CloudWatch")."""
        if budget is None:
            budget = [TYPO_WORK_PER_MESSAGE, NEW_WORDS_PER_MESSAGE]
        if "-" in text or "_" in text:
            text = opaque_names(text)
        if text.isascii():
            words, humped = ascii_words(text)
            if not humped:
                return words
        else:
            words = WORD.findall(text)
            if not CAMEL_HINT.search(text):
                return words
            humped = set(CAMEL_WORD.findall(text))
        # Only the humped words are visited (found without a Python-level step
        # per word); the words between them are copied in slices.
        out: list[str] = []
        split_cache = self._split_cache
        done = 0
        for i in compress(count_from(), map(humped.__contains__, words)):
            word = words[i]
            parts = split_cache.get(word)
            if parts is None:
                parts = self._split(word, budget)
            out += words[done:i]
            out += parts
            done = i + 1
        out += words[done:]
        return out

    def _split(self, word: str, budget: list[int]) -> tuple[str, ...]:
        stem_ = self._token_cache.get(word)
        if stem_ is None:
            stem_ = self._remember(word, budget)
        if stem_ in self._vocabulary:
            parts: tuple[str, ...] = (word,)
        else:
            parts = tuple(WORD.findall(split_camel(word)))
            if len(parts) > 1 and any(fold(part) in COMPONENT_SET for part in parts):
                parts = ("0" + word,)
        if len(self._split_cache) < _MAX_TOKEN_CACHE:
            self._split_cache[word] = parts
        return parts

    def separable_hits(self, tokens: list[str], ends: Iterable[int]) -> list[Hit]:
        """Terms made by joining a clause-final separable prefix to a word of its
        clause ("die RIs laufen im Januar ab" -> "ablaufen", "wer schaltet die
        Server ab" -> "abschaltet"), each at the word's position. ``ends`` are the
        token indexes just past each clause, ascending. Capitalised words inside
        a clause are nouns in German and are not joined."""
        if not self._prefixes:
            return []
        hits: list[Hit] = []
        new_hit = tuple.__new__
        cache = self._joined_cache
        start = 0
        for end in ends:
            last = end - 1
            if last > start:
                prefix = fold(tokens[last])
                if prefix in self._prefixes:
                    for i in range(max(start, last - SEPARABLE_WINDOW), last):
                        word = tokens[i]
                        if i > start and not word.islower():
                            continue
                        key = (prefix, word)
                        if key in cache:
                            term = cache[key]
                        else:
                            term = self.terms.get((self._stem(prefix + fold(word)),))
                            if len(cache) < _MAX_TOKEN_CACHE:
                                cache[key] = term
                        if term is not None:
                            hits.append(new_hit(Hit, (term, i, False, False)))
            start = end
        return hits

    def match(self, text: str) -> list[Hit]:
        """Longest match at each position, left to right, non-overlapping."""
        return self.match_tokens(*self.prepare(text))

    def prepare(self, text: str) -> tuple[list[str], list[int]]:
        """A message's tokens and its work budget (shared by every index that
        matches the message)."""
        budget = [TYPO_WORK_PER_MESSAGE, NEW_WORDS_PER_MESSAGE]
        return self.tokens(text, budget), budget

    def match_tokens(self, tokens: list[str], budget: list[int]) -> list[Hit]:
        found = list(map(self._token_cache.get, tokens))
        # all() first: a truth test per word is cheaper than comparing each with None.
        if not all(found) and None in found:
            # Only the new words are resolved, left to right as they come.
            remember = self._remember
            for i in list(compress(count_from(), map(is_, found, repeat(None)))):
                found[i] = remember(tokens[i], budget)
        stems: list[str] = found  # type: ignore[assignment]  # no None left
        hits: list[Hit] = []
        add = hits.append
        new_hit = tuple.__new__  # Hit(term, i, typo) without the Python-level __new__
        table = self._starts
        terms = self.terms
        typo_tokens = self._typo_tokens
        typos = bool(typo_tokens) and not typo_tokens.isdisjoint(tokens)
        count = len(stems)
        last = count - 1
        # The words that can start a term, found without a Python-level loop
        # over every word: most words of an alert start none.
        starts = compress(count_from(), map(table.__contains__, stems))
        i = 0
        for start in starts:
            if start < i:
                continue  # inside the phrase matched before
            i = start
            single, following = table[stems[i]]
            term = None
            if following is not None and i < last:
                # Only the phrases going on with the next word, longest first.
                for length in following.get(stems[i + 1], ()):
                    if i + length <= count:
                        term = terms.get(tuple(stems[i : i + length]))
                        if term is not None:
                            break
            if term is None:
                if single is None:
                    i += 1
                    continue
                term = single
                length = 1
            # Whether a word of the term was a typo correction (set tests, no generator per hit).
            if not typos:
                typo = False
            elif length == 1:
                typo = tokens[i] in typo_tokens
            else:
                typo = not typo_tokens.isdisjoint(tokens[i : i + length])
            add(new_hit(Hit, (term, i, typo, False)))
            i += length
        return hits

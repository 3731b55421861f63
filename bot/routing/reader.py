"""A message's hits: English terms, plus those of each other language it is written in.

The English index holds every topic's terms and the built-in context
vocabularies (``lexicon``); each configured language has its own index (its
terms, context words and stemmer), read only when the message's marker words
say it is written in that language. A term followed by a fee word is marked
as naming a cost line in passing.
"""

from __future__ import annotations

import re

from bot.config.models import Language, RoutingFile
from bot.routing import lexicon
from bot.routing.cost_rises import CostRises
from bot.routing.matcher import Hit, Term, TermIndex, split_term
from bot.routing.normalize import spellings
from bot.routing.seat_counts import TERM as SEAT_TERM
from bot.routing.seat_counts import SeatCounts
from bot.routing.unit_costs import UnitCosts
from bot.routing.words import CAMEL_HINT
from bot.routing.words import words as split_words

# Marker words of other languages are looked for among a message's first words.
LANGUAGE_SAMPLE_WORDS = 40
# A second language counts only with this share of the best one's markers
# (Spanish and Portuguese share "de", "que", "para").
LANGUAGE_MARGIN = 0.6
# Where a clause ends, for a separable verb prefix standing last in it ("… laufen im Januar ab."): one
# character class, linear on any input.
_CLAUSE_PUNCTUATION = re.compile(r"[.,;:!?()\n–—]+")


class TermReader:
    """Built once per configuration; ``read`` is safe to call from many threads."""

    def __init__(self, routing: RoutingFile) -> None:
        groups: dict[str, tuple[str, ...]] = {topic.id: topic.terms for topic in routing.topics}
        groups[lexicon.CLOUD] = lexicon.CLOUD_TERMS
        groups[lexicon.WEAK_CLOUD] = lexicon.WEAK_CLOUD_TERMS
        groups[lexicon.MONEY] = lexicon.MONEY_TERMS
        groups[lexicon.WEAK_MONEY] = lexicon.WEAK_MONEY_TERMS
        groups[lexicon.INFO] = lexicon.INFO_TERMS
        groups[lexicon.ACTION] = lexicon.ACTION_TERMS
        groups[lexicon.REQUEST] = lexicon.REQUEST_TERMS
        groups[lexicon.ANNOUNCE] = lexicon.ANNOUNCE_TERMS
        groups[lexicon.NEUTRAL] = lexicon.NEUTRAL_TERMS
        groups[lexicon.DEFECT] = lexicon.DEFECT_TERMS
        groups[lexicon.OPS] = lexicon.OPS_TERMS
        self.index = TermIndex(groups, shorthand=routing.shorthand)
        # Other languages: their own terms and stemmer, used on a message only
        # when its marker words say it is written in that language.
        self.languages: list[tuple[int, TermIndex]] = []
        self._markers: dict[str, int] = {}
        self._false_friends: dict[int, frozenset[tuple[str, ...]]] = {}
        for bit, (code, language) in enumerate(routing.languages.items()):
            foreign: dict[str, tuple[str, ...]] = {
                topic.id: topic.terms_by_language.get(code, ()) for topic in routing.topics
            }
            for group, words in _context_groups(language).items():
                foreign[group] = words
            self.languages.append(
                (1 << bit, TermIndex(foreign, language=code, separable_prefixes=language.separable_prefixes))
            )
            self._false_friends[1 << bit] = frozenset(self.index.term_key(word) for word in language.false_friends)
            for marker in language.markers:
                # As written, folded, capitalised and in capitals: one dict
                # look-up per word finds them (see languages_of).
                for form in spellings(marker):
                    self._markers[form] = self._markers.get(form, 0) | 1 << bit
        self.seat_counts = SeatCounts(self.index.terms.get(self.index.term_key(SEAT_TERM)))
        self.all_terms: dict[tuple[str, ...], Term] = {
            term.ident: term for index in (self.index, *(i for _, i in self.languages)) for term in index.terms.values()
        }
        # Terms marked "!" in the config, by identity (another language's
        # prefixed with "@<code>").
        self.decisive = frozenset(
            index.term_key(text) if index is self.index else (f"@{index.language}", *index.term_key(text))
            for index, terms in (
                (self.index, [t for topic in routing.topics for t in topic.terms]),
                *(
                    (i, [t for topic in routing.topics for t in topic.terms_by_language.get(i.language, ())])
                    for _, i in self.languages
                ),
            )
            for text, _, decisive in map(split_term, terms)
            if decisive
        )
        unit = routing.unit_costs
        unit_term = self.index.terms.get(self.index.term_key(unit.term)) if unit.term else None
        self.unit_costs = UnitCosts(unit, unit_term, self.decisive)
        rises = routing.cost_rises
        rise_term = self.index.terms.get(self.index.term_key(rises.term)) if rises.term else None
        self.cost_rises = CostRises(rises, rise_term, self.decisive)

    def read(self, text: str) -> tuple[list[Hit], list[str]]:
        """The message's hits and its tokens; a term naming a fee ("the
        Enterprise Support fee") is marked, a cost per business unit reads as
        the unit-economics term (``unit_costs``), a spend told to have risen sharply as the
        cost-anomalies one (``cost_rises``)."""
        tokens, budget = self.index.prepare(text)
        hits = self.seat_counts.hits(self.unit_costs.hits(self._match_tokens(tokens, budget, text), tokens), tokens)
        rises = self.cost_rises
        if rises.term is not None and not rises.cost_forms.isdisjoint(tokens):  # no cost word: no more work
            hits = rises.hits(hits, tokens, text)
        if hits and not _FEE_TOKENS.isdisjoint(tokens):
            hits = [hit._replace(line_item=True) if _names_a_fee(hit, tokens) else hit for hit in hits]
        return hits, tokens

    def _match_tokens(self, tokens: list[str], budget: list[int], text: str = "") -> list[Hit]:
        hits = self.index.match_tokens(tokens, budget)
        if not self.languages:
            return hits
        languages = self.languages_of(tokens)
        if not languages:
            return hits
        # In another language, English typo corrections are false friends
        # ("compramos" is not "compromised"), and so are the listed words.
        ignored: set[tuple[str, ...]] = set()
        found: list[Hit] = []
        for bit, index in self.languages:
            if languages & bit:
                ignored |= self._false_friends[bit]
                if text and not index.prefix_tokens.isdisjoint(tokens):
                    # First: at equal length, a joined verb beats the bare verb's reading.
                    found.extend(index.separable_hits(tokens, self._clause_ends(text, len(tokens))))
                found.extend(index.match_tokens(tokens, budget))
        found.extend(hit for hit in hits if not hit.typo and hit.term.ident not in ignored)
        # One reading per word: the longest term first, English before other
        # languages at equal length (the sort is stable).
        found.sort(key=lambda hit: -len(hit.term.key))
        taken: set[int] = set()
        merged: list[Hit] = []
        for hit in found:
            span = range(hit.position, hit.position + len(hit.term.key))
            if taken.isdisjoint(span):
                taken.update(span)
                merged.append(hit)
        merged.sort(key=lambda hit: hit.position)
        return merged

    def _clause_ends(self, text: str, count: int) -> list[int]:
        """Token indexes just past each clause of ``text`` (which has ``count``
        tokens); only the message's end when the clauses' words do not add up."""
        ends: list[int] = []
        total = 0
        # Without software names or camelCase, a clause's tokens are its words: counted without
        # tokenising it again.
        count_words = (
            _count_words
            if "-" not in text and "_" not in text and not CAMEL_HINT.search(text)
            else lambda clause: len(self.index.tokens(clause))
        )
        for clause in _CLAUSE_PUNCTUATION.split(text):
            total += count_words(clause)
            ends.append(total)
        return ends if total == count else [count]

    def languages_of(self, tokens: list[str]) -> int:
        """Bits of the languages a message is written in: two of a language's
        marker words among its first words (one, in a message of eight words or
        fewer), and nearly as many as the best language has."""
        markers = self._markers
        sample = tokens[:LANGUAGE_SAMPLE_WORDS]
        if markers.keys().isdisjoint(sample):
            return 0
        counts: dict[int, int] = {}
        for bits in filter(None, map(markers.get, sample)):  # the marker words only, picked out in C
            for bit, _ in self.languages:
                if bits & bit:
                    counts[bit] = counts.get(bit, 0) + 1
        if not counts:
            return 0
        needed = max(1 if len(tokens) <= 8 else 2, LANGUAGE_MARGIN * max(counts.values()))
        result = 0
        for bit, count in counts.items():
            if count >= needed:
                result |= bit
        return result


_FEE_TOKENS = frozenset(
    form
    for word in ("fee", "fees", "surcharge", "surcharges", "charge", "charges")
    for form in (word, word.capitalize(), word.upper())
)


def _count_words(clause: str) -> int:
    return len(split_words(clause))


def _names_a_fee(hit: Hit, tokens: list[str]) -> bool:
    after = hit.position + len(hit.term.key)
    return after < len(tokens) and tokens[after].lower() in _FEE_TOKENS


_LANGUAGE_GROUPS = {
    "cloud": lexicon.CLOUD,
    "weak_cloud": lexicon.WEAK_CLOUD,
    "money": lexicon.MONEY,
    "weak_money": lexicon.WEAK_MONEY,
    "request": lexicon.REQUEST,
    "action": lexicon.ACTION,
    "info": lexicon.INFO,
}


def _context_groups(language: Language) -> dict[str, tuple[str, ...]]:
    """A language's configured context words, by built-in lexicon group."""
    return {group: getattr(language.context, field) for field, group in _LANGUAGE_GROUPS.items()}

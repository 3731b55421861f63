"""Topic evidence: what each matched term says, and how strongly, about each topic.

Phrases weigh more than words, abbreviations more than words, a word shared by
several topics less in each, a typo-corrected word less, a fee named in
passing less still; the fifth budget word says less than the first. Each term
also carries the context groups (cloud, money, request...) the message's
context is built from (``bot.routing.context``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config.models import RoutingFile, Topic
from bot.routing import lexicon
from bot.routing.context import DECISIVE_GROUP, mask_of
from bot.routing.matcher import Hit, Term
from bot.routing.typos import TYPO_WEIGHT

PHRASE_BONUS = 0.8
ABBREVIATION_WEIGHT = 2.0
REPEAT_BONUS = 0.1
MAX_REPEAT_BONUS = 0.3
_DECAY = (1.0, 0.6, 0.4, 0.3, 0.25, 0.2)
# A term boosted this much (^2 and up) "settles the topic" (see routing.yaml):
# its topic joins as a second topic at a lower bar, so "mining" or "leaked key"
# adds security to a spend spike that other words explain better.
SIGNAL_BOOST = 2.0
# Ranking credit from other matched topics that would tag the same people:
# "idle cost ... 38% of cluster cost ... rightsizing" is an engineering matter
# (idle, rightsizing) more than a Kubernetes cost-allocation one (finance).
CORROBORATION = 0.3
# A term followed by a fee word names a line item in passing ("the Enterprise
# Support fee went up"): it weighs this much and settles nothing.
LINE_ITEM_WEIGHT = 0.5


@dataclass(slots=True)
class TopicEvidence:
    terms: dict[tuple[str, ...], Term] = field(default_factory=dict)
    weights: list[float] = field(default_factory=list)
    repeats: int = 0
    score: float = 0.0
    signal: bool = False
    line_item: bool = False  # some of its evidence only names a fee
    plain: bool = False  # some of its evidence is more than a fee's name

    @property
    def only_line_items(self) -> bool:
        return self.line_item and not self.plain

    def finish(self) -> None:
        """Diminishing returns: the fifth budget word says less than the first."""
        ordered = sorted(self.weights, reverse=True)
        self.score = (
            sum(w * d for w, d in zip(ordered, _DECAY, strict=False)) + sum(ordered[len(_DECAY) :]) * _DECAY[-1]
        )
        self.score += self.repeats * REPEAT_BONUS

    @property
    def strongest(self) -> float:
        return max(self.weights, default=0.0)


class TopicScorer:
    """Per-term weights and context bits for one configuration; immutable once built (but for the
    clauses' bounded cache of scores, whose entries never change)."""

    def __init__(
        self,
        routing: RoutingFile,
        all_terms: dict[tuple[str, ...], Term],
        decisive: frozenset[tuple[str, ...]],
    ) -> None:
        self.topics: dict[str, Topic] = {topic.id: topic for topic in routing.topics}
        self.order = {topic.id: i for i, topic in enumerate(routing.topics)}
        self.responsible = {topic.id: frozenset(topic.owners.responsible) for topic in routing.topics}
        self.decisive = decisive
        self._all_terms = all_terms
        self.context = self._context_of_terms()
        self.weights = self._term_weights()
        self.masks = {key: mask_of(groups) for key, groups in self.context.items()}
        # Clauses' scores by term signature, filled by ``bot.routing.clauses`` (bounded there): the
        # scorer's only state, and its entries are never changed once stored.
        self.clause_cache: dict[
            tuple[tuple[tuple[str, ...], bool, bool], ...],
            tuple[dict[str, TopicEvidence], dict[str, float], tuple[str, ...]],
        ] = {}

    def _context_of_terms(self) -> dict[tuple[str, ...], frozenset[str]]:
        """Context groups each term carries, including those of its words.

        "AWS Marketplace" is consumed as one marketplace phrase, yet it still
        says "cloud": a phrase inherits the cloud and cost context of the single
        words in it, and their decisiveness, unless it is a collocation with an everyday sense
        ("price tag", "billing service"), which carries no context at all.
        """
        inherited = {lexicon.CLOUD, lexicon.WEAK_CLOUD, lexicon.MONEY, lexicon.WEAK_MONEY}
        single: dict[tuple[str, ...], set[str]] = {}
        for ident, term in self._all_terms.items():
            if len(term.key) == 1:
                single.setdefault(ident, set()).update(g for g in term.groups if g in inherited)
                # A phrase built on a decisive word ("rightsizing
                # recommendation") is as decisive as the word.
                if ident in self.decisive:
                    single[ident].add(DECISIVE_GROUP)
        context: dict[tuple[str, ...], frozenset[str]] = {}
        for ident, term in self._all_terms.items():
            if lexicon.NEUTRAL in term.groups:
                context[ident] = frozenset()
                continue
            groups = {g for g in term.groups if g in lexicon.CONTEXT_GROUPS}
            prefix = ident[: len(ident) - len(term.key)]
            for word in term.key:
                groups |= single.get((*prefix, word), set())
            if ident in self.decisive:
                groups.add(DECISIVE_GROUP)
            context[ident] = frozenset(groups)
        return context

    def _term_weights(self) -> dict[tuple[str, ...], tuple[tuple[str, float, float], ...]]:
        """Per term, the weight it adds to each topic using it.

        Phrases weigh more than words and capital abbreviations more than
        words; a term shared by several topics counts less in each; a term's
        "^N" boost multiplies.
        """
        weights: dict[tuple[str, ...], tuple[tuple[str, float, float], ...]] = {}
        for ident, term in self._all_terms.items():
            key = term.key
            topics = [(g, b) for g, b in zip(term.groups, term.boosts, strict=False) if g in self.topics]
            if not topics:
                continue
            if len(key) == 1:
                base = ABBREVIATION_WEIGHT if key[0].isupper() else 1.0
            else:
                base = 1.0 + PHRASE_BONUS * min(len(key) - 1, 3)
            weights[ident] = tuple((topic_id, base * boost / len(topics), boost) for topic_id, boost in topics)
        # A context phrase consumes its words ("bill tripled" is a cost phrase):
        # it still gives the topics of its single words their evidence, unless
        # it is a collocation with an everyday sense ("price tag").
        for ident, term in self._all_terms.items():
            if ident in weights or len(term.key) < 2 or lexicon.NEUTRAL in term.groups:
                continue
            prefix = ident[: len(ident) - len(term.key)]
            inherited = tuple(w for word in term.key for w in weights.get((*prefix, word), ()))
            if inherited:
                weights[ident] = inherited
        return weights

    def add_evidence(self, evidence: dict[str, TopicEvidence], hit: Hit) -> None:
        ident = hit.term.ident
        weights = self.weights.get(ident)
        if weights is None:
            return
        for topic_id, weight, boost in weights:
            ev = evidence.get(topic_id)
            if ev is None:
                ev = evidence[topic_id] = TopicEvidence()
            if ident in ev.terms:
                if ev.repeats * REPEAT_BONUS < MAX_REPEAT_BONUS:
                    ev.repeats += 1
                continue
            ev.terms[ident] = hit.term
            if hit.line_item:
                ev.line_item = True
                weight *= LINE_ITEM_WEIGHT
            else:
                ev.plain = True
                if boost >= SIGNAL_BOOST:
                    ev.signal = True
            ev.weights.append(weight * TYPO_WEIGHT if hit.typo else weight)

    def corroborated(self, evidence: dict[str, TopicEvidence]) -> dict[str, float]:
        """Scores for ranking: a topic gains from other matched topics that
        would tag exactly the same personas (agreeing evidence on who owns it)."""
        if len(evidence) < 2:
            return {topic_id: ev.score for topic_id, ev in evidence.items()}
        rank: dict[str, float] = {}
        for topic_id, ev in evidence.items():
            owners = self.responsible[topic_id]
            support = 0.0
            if owners:
                for other_id, other in evidence.items():
                    if other_id != topic_id and owners == self.responsible[other_id]:
                        support += other.score
            rank[topic_id] = ev.score + CORROBORATION * support
        return rank

    def matched(self, hits: list[Hit]) -> tuple[str, ...]:
        """Topic terms found, in order, each once."""
        weights = self.weights
        return tuple(dict.fromkeys(h.term.text for h in hits if h.term.ident in weights))

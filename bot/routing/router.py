"""The explainable router: a Slack message in, a routing decision out.

1. The message's text (``slack_text``) is matched once against every topic term
   and the built-in context vocabularies (``matcher``).
2. It is a FinOps matter only with cloud-cost context: a cloud/service word,
   or a cost word or dollar amount together with clear topic evidence. A
   notice that only reports (routine update, weekly report, a decrease) with
   nothing crossed tags nobody.
3. Topics are scored: phrases weigh more than words, abbreviations more than
   words, a word shared by several topics less in each, a typo-corrected word
   less. The best topic's responsible personas are tagged first; another topic
   adds its responsible personas when it is nearly as strong and rests on more
   than one piece of evidence.
4. A clear cost message with no confident topic goes to the fallback persona.
5. Escalations add personas for large stated amounts (converted to USD; a
   commitment's hourly or monthly rate counts as its total over the term).
6. The owning team: the identifiers the alert carries (account, project,
   subscription, namespace, tag, budget...) name the team in owners.yaml
   that owns the scope (``bot.routing.owners``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.config.models import BotConfig, Language, Topic
from bot.routing import lexicon
from bot.routing.alert_owners import with_owner
from bot.routing.amounts import headline
from bot.routing.decision import Decision, PersonaTag, TagRole
from bot.routing.matcher import TYPO_WEIGHT, Hit, Term, TermIndex, split_term
from bot.routing.money import DEFAULT_RATES, Money
from bot.routing.money import format_usd as format_usd
from bot.routing.normalize import fold
from bot.routing.owners import OwnerResolver
from bot.routing.refine import Refiner
from bot.routing.slack_text import MAX_TEXT_CHARS, clean_mrkdwn, message_text
from bot.routing.sources import Identifier

SECONDARY_RATIO = 0.75
PHRASE_BONUS = 0.8
ABBREVIATION_WEIGHT = 2.0
REPEAT_BONUS = 0.1
MAX_REPEAT_BONUS = 0.3
STRENGTH_SCALE = 1.25
_DECAY = (1.0, 0.6, 0.4, 0.3, 0.25, 0.2)
# A second topic on a single term needs a term at least this strong.
SINGLE_TERM_SECONDARY = 2.0
# A term boosted this much (^2 and up) "settles the topic" (see routing.yaml):
# its topic joins as a second topic at a lower bar, so "mining" or "leaked key"
# adds security to a spend spike that other words explain better.
SIGNAL_BOOST = 2.0
SIGNAL_SECONDARY_RATIO = 0.4
# Ranking credit from other matched topics that would tag the same people:
# "idle cost ... 38% of cluster cost ... rightsizing" is an engineering matter
# (idle, rightsizing) more than a Kubernetes cost-allocation one (finance).
CORROBORATION = 0.3
# Several asks in one message (see _asked_topics): clause breaks are sentence
# ends, semicolons, line breaks, and "and"/"also"/"but" before a new ask.
MULTI_ASK_MAX_CHARS = 1200
MAX_CLAUSES = 8
CLAUSE_GROUNDED_SCORE = 1.0
CLAUSE_STATED_SCORE = 1.5
CLAUSE_STRONG_SCORE = 2.0
# A term followed by a fee word names a line item in passing ("the Enterprise
# Support fee went up"): it weighs this much and settles nothing.
LINE_ITEM_WEIGHT = 0.5
# Marker words of other languages are looked for among a message's first words.
LANGUAGE_SAMPLE_WORDS = 40
# A second language counts only with this share of the best one's markers
# (Spanish and Portuguese share "de", "que", "para").
LANGUAGE_MARGIN = 0.6


@dataclass(slots=True)
class _TopicEvidence:
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


class Router:
    """Routes messages with one immutable config; safe to share between threads."""

    def __init__(self, config: BotConfig) -> None:
        self.config = config
        routing = config.routing
        self._topics: dict[str, Topic] = {topic.id: topic for topic in routing.topics}
        self._order = {topic.id: i for i, topic in enumerate(routing.topics)}
        self._responsible = {topic.id: frozenset(topic.owners.responsible) for topic in routing.topics}
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
        self.index = TermIndex(groups, shorthand=routing.shorthand)
        # Other languages: their own terms and stemmer, used on a message only
        # when its marker words say it is written in that language.
        self._languages: list[tuple[int, TermIndex]] = []
        self._markers: dict[str, int] = {}
        self._false_friends: dict[int, frozenset[tuple[str, ...]]] = {}
        for bit, (code, language) in enumerate(routing.languages.items()):
            foreign: dict[str, tuple[str, ...]] = {
                topic.id: topic.terms_by_language.get(code, ()) for topic in routing.topics
            }
            for group, words in _context_groups(language).items():
                foreign[group] = words
            self._languages.append((1 << bit, TermIndex(foreign, language=code)))
            self._false_friends[1 << bit] = frozenset(self.index.term_key(word) for word in language.false_friends)
            for marker in language.markers:
                # As written, folded, capitalised and in capitals: one dict
                # look-up per word finds them (see _languages_of).
                for form in _spellings(marker):
                    self._markers[form] = self._markers.get(form, 0) | 1 << bit
        self._all_terms: dict[tuple[str, ...], Term] = {
            term.ident: term
            for index in (self.index, *(i for _, i in self._languages))
            for term in index.terms.values()
        }
        self._decisive = frozenset(
            index.term_key(text) if index is self.index else (f"@{index.language}", *index.term_key(text))
            for index, terms in (
                (self.index, [t for topic in routing.topics for t in topic.terms]),
                *(
                    (i, [t for topic in routing.topics for t in topic.terms_by_language.get(i.language, ())])
                    for _, i in self._languages
                ),
            )
            for text, _, decisive in map(split_term, terms)
            if decisive
        )
        self._context = self._context_of_terms()
        self._weights = self._term_weights()
        self._masks = {key: _mask_of(groups) for key, groups in self._context.items()}
        self._min_confidence = routing.min_confidence
        self._fallback = routing.fallback_persona
        self._escalations = sorted(routing.escalations, key=lambda e: e.min_amount_usd)
        self._rates = {**DEFAULT_RATES, **routing.currencies.to_usd}
        self.owners = OwnerResolver(config.owners)
        self._has_owners = not self.owners.empty
        self._refine = Refiner(config)

    def _context_of_terms(self) -> dict[tuple[str, ...], frozenset[str]]:
        """Context groups each term carries, including those of its words.

        "AWS Marketplace" is consumed as one marketplace phrase, yet it still
        says "cloud": a phrase inherits the cloud and cost context of the single
        words in it, unless it is a collocation with an everyday sense
        ("price tag", "billing service"), which carries no context at all.
        """
        inherited = {lexicon.CLOUD, lexicon.WEAK_CLOUD, lexicon.MONEY, lexicon.WEAK_MONEY}
        single: dict[tuple[str, ...], set[str]] = {}
        for ident, term in self._all_terms.items():
            if len(term.key) == 1:
                single.setdefault(ident, set()).update(g for g in term.groups if g in inherited)
        context: dict[tuple[str, ...], frozenset[str]] = {}
        for ident, term in self._all_terms.items():
            if lexicon.NEUTRAL in term.groups:
                context[ident] = frozenset()
                continue
            groups = {g for g in term.groups if g in lexicon.CONTEXT_GROUPS}
            prefix = ident[: len(ident) - len(term.key)]
            for word in term.key:
                groups |= single.get((*prefix, word), set())
            if ident in self._decisive:
                groups.add(_DECISIVE_GROUP)
            context[ident] = frozenset(groups)
        return context

    def _match(self, text: str) -> list[Hit]:
        """English hits, plus those of each other language the message is written
        in; a term naming a fee ("the Enterprise Support fee") is marked."""
        return self._match_with_tokens(text)[0]

    def _match_with_tokens(self, text: str) -> tuple[list[Hit], list[str]]:
        tokens, budget = self.index.prepare(text)
        hits = self._match_tokens(tokens, budget)
        if hits and not _FEE_TOKENS.isdisjoint(tokens):
            hits = [hit._replace(line_item=True) if _names_a_fee(hit, tokens) else hit for hit in hits]
        return hits, tokens

    def _match_tokens(self, tokens: list[str], budget: list[int]) -> list[Hit]:
        hits = self.index.match_tokens(tokens, budget)
        if not self._languages:
            return hits
        languages = self._languages_of(tokens)
        if not languages:
            return hits
        # In another language, English typo corrections are false friends
        # ("compramos" is not "compromised"), and so are the listed words.
        ignored: set[tuple[str, ...]] = set()
        found: list[Hit] = []
        for bit, index in self._languages:
            if languages & bit:
                ignored |= self._false_friends[bit]
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

    def _languages_of(self, tokens: list[str]) -> int:
        """Bits of the languages a message is written in: two of a language's
        marker words among its first words (one, in a message of eight words or
        fewer), and nearly as many as the best language has."""
        markers = self._markers
        sample = tokens[:LANGUAGE_SAMPLE_WORDS]
        if markers.keys().isdisjoint(sample):
            return 0
        counts: dict[int, int] = {}
        for token in sample:
            bits = markers.get(token)
            if bits:
                for bit, _ in self._languages:
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

    def _asked_topics(
        self, text: str, hits: list[Hit], tokens: list[str], evidence: dict[str, _TopicEvidence]
    ) -> tuple[str, ...] | None:
        """The topics the clauses of a message that asks something are about,
        in text order (two or more), () when fewer, or None for a message of
        one clause (or too long to be a person's asks).

        Clauses end at sentence ends, semicolons, line breaks, dashes, "&",
        "+", numbered items, "and"/"plus"/"also"/"but", and a comma before a
        new ask. A clause is about its best topic (ahead of any other, not
        named only by a fee) when the clause has a cloud, cost or decisive word
        of its own and one term, or strong evidence without (two terms, a
        phrase, a weighted term). A topic that is no clause's best topic is
        mentioned in passing.
        """
        if len(text) > MULTI_ASK_MAX_CHARS:
            return None
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text)]
        if not breaks or len(breaks) >= MAX_CLAUSES:
            return None
        # The clause of each word, from the number of words in each clause (the
        # message's hits are reused, not matched again per clause).
        edges = [0, *breaks, len(text)]
        firsts: list[int] = []  # index of each clause's first word
        count = 0
        findall = _WORD_RE.findall
        for index in range(len(edges) - 1):
            firsts.append(count)
            count += len(findall(text, edges[index], edges[index + 1]))
        if count != len(tokens):
            return None  # software names or camelCase changed the words: one clause
        by_clause: dict[int, list[Hit]] = {}
        for hit in hits:
            by_clause.setdefault(bisect_right(firsts, hit.position) - 1, []).append(hit)
        if len(by_clause) < 2:
            return None
        about: dict[str, int] = {}  # topic -> first clause about it
        masks = self._masks
        for index, clause_hits in by_clause.items():
            clause_evidence: dict[str, _TopicEvidence] = {}
            mask = 0
            for hit in clause_hits:
                mask |= masks[hit.term.ident]
                self._add_evidence(clause_evidence, hit)
            if not clause_evidence:
                continue
            for ev in clause_evidence.values():
                ev.finish()
            rank = self._corroborated(clause_evidence)
            # A topic named only by a fee ("the support plan fee") is not asked about.
            ordered = sorted(
                (t for t, ev in clause_evidence.items() if not ev.only_line_items),
                key=lambda t: (-rank[t], self._order[t]),
            )
            if not ordered:
                continue
            best = ordered[0]
            if len(ordered) > 1 and rank[ordered[1]] >= rank[best]:
                continue  # two topics tie: the clause settles neither
            score = clause_evidence[best].score
            clause_text = text[edges[index] : edges[index + 1]]
            is_ask = bool(mask & _REQUEST or _QUESTION.search(clause_text + " ") or _ASKS.match(clause_text))
            # A clause that names a cloud service, a cost or a decisive term
            # itself is about its topic on one plain word when it asks ("can
            # you check the idle RDS instances") and on a decisive word or a
            # phrase when it states ("untagged RDS", "overdue AWS invoice");
            # otherwise it takes strong evidence: "is that worth it?", "what
            # model?" or "it's one more read replica" are about nothing new.
            grounded = bool(mask & (_CLOUD | _MONEY | _DECISIVE))
            decisive = not self._decisive.isdisjoint(clause_evidence[best].terms)
            if best in evidence and (
                score >= CLAUSE_STRONG_SCORE
                or (
                    grounded and (is_ask or decisive or score >= CLAUSE_STATED_SCORE) and score >= CLAUSE_GROUNDED_SCORE
                )
            ):
                about.setdefault(best, index)
        if len(about) < 2:
            return ()
        # Text order: the first clause's owners are the primary ones.
        return tuple(sorted(about, key=lambda t: about[t]))

    # ------------------------------------------------------------------ API

    def route(self, message: Mapping, stated: Sequence[Identifier] = ()) -> Decision:
        """``stated``: the scope a receiver parsed out of an alert, ahead of what the text names."""
        text = message_text(message)
        decision = self._decide(text)
        return with_owner(decision, self.owners, text, stated) if self._has_owners else decision

    def route_text(self, text: str) -> Decision:
        if not isinstance(text, str):
            return self._decide("")
        text = clean_mrkdwn(text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS]
        decision = self._decide(text)
        return self._owned(decision, text) if self._has_owners else decision

    def _owned(self, decision: Decision, text: str) -> Decision:
        """The decision with the team owning the alert's scope, if any."""
        return with_owner(decision, self.owners, text)

    # ------------------------------------------------------------------ core

    def _decide(self, text: str) -> Decision:
        if not text.strip():
            return Decision(is_request=False, explanation="Empty message: nothing to route.")
        hits, tokens = self._match_with_tokens(text)
        money = headline(text, self._rates)
        mask = 0
        masks = self._masks
        evidence: dict[str, _TopicEvidence] = {}
        weights = self._weights
        for hit in hits:
            ident = hit.term.ident
            mask |= masks[ident]
            if ident in weights:
                self._add_evidence(evidence, hit)
        for ev in evidence.values():
            ev.finish()
        context = _Context.of(mask, money is not None, "?" in text and bool(_QUESTION.search(text)))
        rank = self._corroborated(evidence)
        ranked = sorted(evidence.items(), key=lambda item: (-rank[item[0]], self._order[item[0]]))

        factor = context.factor
        if factor == 0.0:
            return self._no_route("Not a FinOps request: no cloud or cost context", hits, money)
        if mask & _INFO and not mask & (_ACTION | _REQUEST):
            return self._no_route("Informational update with nothing crossed: no one tagged", hits, money)
        if context.announcement:
            return self._no_route("An announcement (deploy, rollout), not a cost request: no one tagged", hits, money)
        if context.defect_report:
            return self._no_route(
                "A product bug report with no cloud name or amount, not a cost request: no one tagged",
                hits,
                money,
            )
        if ranked:
            top_id, top = ranked[0]
            if context.needs_two_terms and len(top.terms) < 2:
                factor = 0.0
            confidence = round(factor * (1 - math.exp(-top.score / STRENGTH_SCALE)), 3)
            if confidence >= self._min_confidence:
                asked = (
                    self._asked_topics(text, hits, tokens, evidence)
                    if len(ranked) > 1
                    and len(text) <= MULTI_ASK_MAX_CHARS
                    and any(self._responsible[t] != self._responsible[top_id] for t, _ in ranked[1:])
                    and text.count("\n") < MAX_CLAUSES
                    and (mask & _REQUEST or "?" in text or not _ASK_TOKENS.isdisjoint(tokens))
                    else None
                )
                chosen = [*asked] if asked else []
                if top_id not in chosen:
                    chosen.append(top_id)
                for topic_id, ev in ranked[1:]:
                    if topic_id in chosen:
                        continue
                    if (
                        ev.score >= SECONDARY_RATIO * top.score
                        and (len(ev.terms) >= 2 or ev.strongest >= SINGLE_TERM_SECONDARY)
                        and (asked is None or not ev.line_item)
                    ) or (ev.signal and ev.score >= SIGNAL_SECONDARY_RATIO * top.score):
                        chosen.append(topic_id)
                return self._refine.apply(self._topic_decision(chosen, evidence, confidence, money), text, tokens)
        if context.cost_message:
            return self._refine.apply(self._fallback_decision(ranked, self._matched(hits), money), text, tokens)
        return self._no_route("Not a FinOps request: too little cloud-cost evidence", hits, money)

    def _matched(self, hits: list[Hit]) -> tuple[str, ...]:
        """Topic terms found, in order, each once."""
        weights = self._weights
        return tuple(dict.fromkeys(h.term.text for h in hits if h.term.ident in weights))

    def _corroborated(self, evidence: dict[str, _TopicEvidence]) -> dict[str, float]:
        """Scores for ranking: a topic gains from other matched topics that
        would tag exactly the same personas (agreeing evidence on who owns it)."""
        if len(evidence) < 2:
            return {topic_id: ev.score for topic_id, ev in evidence.items()}
        rank: dict[str, float] = {}
        for topic_id, ev in evidence.items():
            owners = self._responsible[topic_id]
            support = 0.0
            if owners:
                for other_id, other in evidence.items():
                    if other_id != topic_id and owners == self._responsible[other_id]:
                        support += other.score
            rank[topic_id] = ev.score + CORROBORATION * support
        return rank

    def _term_weights(self) -> dict[tuple[str, ...], tuple[tuple[str, float, float], ...]]:
        """Per term, the weight it adds to each topic using it.

        Phrases weigh more than words and capital abbreviations more than
        words; a term shared by several topics counts less in each; a term's
        "^N" boost multiplies.
        """
        weights: dict[tuple[str, ...], tuple[tuple[str, float, float], ...]] = {}
        for ident, term in self._all_terms.items():
            key = term.key
            topics = [(g, b) for g, b in zip(term.groups, term.boosts, strict=False) if g in self._topics]
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

    def _add_evidence(self, evidence: dict[str, _TopicEvidence], hit: Hit) -> None:
        ident = hit.term.ident
        weights = self._weights.get(ident)
        if weights is None:
            return
        for topic_id, weight, boost in weights:
            ev = evidence.get(topic_id)
            if ev is None:
                ev = evidence[topic_id] = _TopicEvidence()
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

    def _topic_decision(
        self,
        chosen: list[str],
        evidence: dict[str, _TopicEvidence],
        confidence: float,
        money: Money | None,
    ) -> Decision:
        tags: dict[str, TagRole] = {}
        accountable: dict[str, None] = {}
        consulted: dict[str, None] = {}
        informed: dict[str, None] = {}
        for topic_id in chosen:
            owners = self._topics[topic_id].owners
            for persona in owners.responsible:
                tags.setdefault(persona, "responsible")
            accountable.update(dict.fromkeys(owners.accountable))
            consulted.update(dict.fromkeys(owners.consulted))
            informed.update(dict.fromkeys(owners.informed))
        escalated = self._escalate(tags, money)
        terms = tuple(dict.fromkeys(t.text for topic_id in chosen for t in evidence[topic_id].terms.values()))
        top = self._topics[chosen[0]]
        parts = [
            f"{top.name} (matched {_quoted(t.text for t in evidence[top.id].terms.values())})"
            f" → {', '.join(top.owners.responsible) or 'nobody'} responsible"
        ]
        for topic_id in chosen[1:]:
            extra = [p for p in self._topics[topic_id].owners.responsible if p not in top.owners.responsible]
            parts.append(f"also {self._topics[topic_id].name}" + (f" → {', '.join(extra)}" if extra else ""))
        if escalated:
            parts.append(f"{', '.join(escalated)} escalated (amount ≥ threshold)")
        if money is not None:
            parts.append(money.describe())
        tagged = set(tags)
        return Decision(
            is_request=True,
            tags=tuple(PersonaTag(p, r) for p, r in tags.items()),
            accountable=tuple(p for p in accountable if p not in tagged),
            consulted=tuple(p for p in consulted if p not in tagged),
            informed=tuple(p for p in informed if p not in tagged),
            topics=tuple(chosen),
            matched_terms=terms,
            confidence=confidence,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation="; ".join(parts),
        )

    def _escalate(self, tags: dict[str, TagRole], money: Money | None) -> list[str]:
        added: list[str] = []
        amount = money.escalation_usd if money is not None else None
        if amount is None:
            return added
        for escalation in self._escalations:
            if amount >= escalation.min_amount_usd:
                for persona in escalation.tag:
                    if persona not in tags:
                        tags[persona] = "escalation"
                        added.append(persona)
        return added

    def _fallback_decision(
        self, ranked: list[tuple[str, _TopicEvidence]], matched: tuple[str, ...], money: Money | None
    ) -> Decision:
        tags: dict[str, TagRole] = {self._fallback: "fallback"}
        escalated = self._escalate(tags, money)
        why = "Cost message matching no topic confidently"
        if ranked:
            why += f" (weak hint: {_quoted(matched[:3])})"
        parts = [f"{why} → {self._fallback} (fallback)"]
        if escalated:
            parts.append(f"{', '.join(escalated)} escalated (amount ≥ threshold)")
        if money is not None:
            parts.append(money.describe())
        return Decision(
            is_request=True,
            tags=tuple(PersonaTag(p, r) for p, r in tags.items()),
            topics=(),
            matched_terms=matched,
            confidence=0.3,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation="; ".join(parts),
        )

    def _no_route(self, reason: str, hits: list[Hit], money: Money | None) -> Decision:
        matched = self._matched(hits)
        if matched:
            reason += f" (matched {_quoted(matched[:4])})"
        return Decision(
            is_request=False,
            matched_terms=matched,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation=reason + ".",
        )


_CLOUD, _MONEY, _INFO, _ACTION = 1, 2, 4, 8
_WEAK_CLOUD, _WEAK_MONEY, _REQUEST, _ANNOUNCE, _DECISIVE, _DEFECT = 16, 32, 64, 128, 256, 512


_DECISIVE_GROUP = "__decisive__"
# A question mark that ends a sentence, not one inside a URL's query string.
_QUESTION = re.compile(r"\?+(?:\s|$|[)\"'*_~])")
_MASK_BITS = {
    lexicon.CLOUD: _CLOUD,
    lexicon.MONEY: _MONEY,
    lexicon.INFO: _INFO,
    lexicon.ACTION: _ACTION,
    lexicon.WEAK_CLOUD: _WEAK_CLOUD,
    lexicon.WEAK_MONEY: _WEAK_MONEY,
    lexicon.REQUEST: _REQUEST,
    lexicon.ANNOUNCE: _ANNOUNCE,
    _DECISIVE_GROUP: _DECISIVE,
    lexicon.DEFECT: _DEFECT,
}


_ASK_WORDS = (
    r"(?:who|whom|whose|what|which|when|where|why|how|can|could|should|would|will|is|are|do|does|did"
    r"|please|pls|plz|someone|anyone|separately|also)\b"
)
_CLAUSE_BREAK = re.compile(
    r"(?<=[?!;])\s+|(?<=[.])\s+(?=\S)|\n+|\s+[—–-]+\s+|\s*[&+]\s+|\s+\d\)\s+|\s+\((?=[^)]{0,40}\))"
    r"|,\s*(?:and|plus|also|but)\s+|,?\s+(?:and|plus|but)\s+(?=" + _ASK_WORDS + r")|,\s+(?=" + _ASK_WORDS + r")",
    re.IGNORECASE,
)
# A clause that opens like a question or a request asks, with or without "?".
# An ask without a question mark or a request phrase ("who chases the
# untagged buckets", "owners?" is caught by the "?").
_ASKS = re.compile(
    r"(?:^|[,;.:&+—–-]\s*|\b(?:and|also|but|plus)\s+)(?:who|whom|whose|what|which|how|please|pls|plz"
    r"|(?:can|could|should|would|shall|will|do|does|did|is|are)\s+(?:we|you|i|someone|anyone|somebody|they))\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_]+")
# Words that make a message ask something without "?" or a request phrase
# ("who chases the untagged buckets"); a set test on the tokens, not a regex.
_ASK_TOKENS = frozenset(
    form
    for word in ("who", "whom", "whose", "what", "which", "how", "please", "pls", "plz", "can", "could", "should")
    for form in (word, word.capitalize(), word.upper())
)
_FEE_TOKENS = frozenset(
    form
    for word in ("fee", "fees", "surcharge", "surcharges", "charge", "charges")
    for form in (word, word.capitalize(), word.upper())
)


def _names_a_fee(hit: Hit, tokens: list[str]) -> bool:
    after = hit.position + len(hit.term.key)
    return after < len(tokens) and tokens[after].lower() in _FEE_TOKENS


@dataclass(frozen=True)
class _Context:
    """How sure the message is about cloud cost at all, before any topic.

    ``factor`` scales topic confidence: 1 with a decisive term (Savings Plan,
    chargeback, Glacier), a cloud name with a cost word, or a cloud name in a
    question or ask; 0.9 with a cloud name alone; 0.8 with a cost word alone
    (then the topic needs two terms). Ambiguous words (budget, savings, commit,
    instance, cloud, prod) count only next to a cloud name, a cost word or a
    decisive term, so "budget for the team lunch" or "instance of the class"
    stays chatter.
    """

    factor: float
    needs_two_terms: bool
    cost_message: bool
    announcement: bool
    defect_report: bool

    @staticmethod
    def of(mask: int, has_amount: bool, has_question: bool) -> _Context:
        decisive = bool(mask & _DECISIVE)
        cloud = bool(mask & _CLOUD)
        money = bool(mask & _MONEY) or has_amount
        request = bool(mask & _REQUEST) or has_question
        weak_cloud = bool(mask & _WEAK_CLOUD)
        weak_money = bool(mask & _WEAK_MONEY)
        cloud_context = cloud or (weak_cloud and (money or decisive))
        money_context = money or (weak_money and (cloud or decisive))
        if decisive or (cloud_context and money_context) or (cloud and request):
            factor = 1.0
        elif cloud_context:
            factor = 0.9
        elif money_context or (weak_cloud and (request or weak_money)):
            factor = 0.8
        else:
            factor = 0.0
        return _Context(
            factor=factor,
            needs_two_terms=not (decisive or cloud_context),
            # A stated amount in a question is not enough ("is the gym
            # reimbursement still $50 a month?"); a cost word in one is.
            cost_message=money_context and (cloud_context or decisive or (request and bool(mask & _MONEY))),
            announcement=bool(mask & _ANNOUNCE) and not (decisive or request or has_amount),
            defect_report=bool(mask & _DEFECT) and not (cloud or has_amount),
        )


_LANGUAGE_GROUPS = {
    "cloud": lexicon.CLOUD,
    "weak_cloud": lexicon.WEAK_CLOUD,
    "money": lexicon.MONEY,
    "weak_money": lexicon.WEAK_MONEY,
    "request": lexicon.REQUEST,
    "action": lexicon.ACTION,
    "info": lexicon.INFO,
}


def _spellings(word: str) -> set[str]:
    forms = {word.strip(), fold(word.strip())}
    return {variant for form in forms for variant in (form, form.lower(), form.capitalize(), form.upper())}


def _context_groups(language: Language) -> dict[str, tuple[str, ...]]:
    """A language's configured context words, by built-in lexicon group."""
    return {group: getattr(language.context, field) for field, group in _LANGUAGE_GROUPS.items()}


def _mask_of(groups: frozenset[str]) -> int:
    """Context groups as bits, so a message's context is OR-ed, not set-unioned."""
    mask = 0
    for group in groups:
        mask |= _MASK_BITS.get(group, 0)
    return mask


def _quoted(terms) -> str:
    return ", ".join(f"'{t}'" for t in terms)

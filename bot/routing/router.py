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
from collections.abc import Mapping, Sequence

from bot.config.models import BotConfig
from bot.routing.alert_owners import with_owner
from bot.routing.amounts import headline
from bot.routing.assembly import DecisionAssembler
from bot.routing.budget_questions import BudgetQuestions
from bot.routing.clauses import ASK_TOKENS, MAX_CLAUSES, MULTI_ASK_MAX_CHARS, asked_topics
from bot.routing.context import (
    ACTION,
    CLOUD,
    DECISIVE,
    INFO,
    MONEY,
    QUESTION,
    REQUEST,
    WEAK_CLOUD,
    WEAK_MONEY,
    Context,
)
from bot.routing.decision import Decision, PersonaTag, TagRole
from bot.routing.lexicon import PRACTICE_NAMES
from bot.routing.matcher import Hit
from bot.routing.money import DEFAULT_RATES
from bot.routing.money import format_usd as format_usd
from bot.routing.normalize import fold
from bot.routing.owners import OwnerResolver
from bot.routing.reader import TermReader
from bot.routing.refine import Refiner
from bot.routing.scoring import TopicEvidence, TopicScorer
from bot.routing.slack_text import MAX_TEXT_CHARS, clean_mrkdwn, message_text
from bot.routing.sources import Identifier

__all__ = ["Decision", "PersonaTag", "Router", "TagRole"]

SECONDARY_RATIO = 0.75
STRENGTH_SCALE = 1.25
# A second topic on a single term needs a term at least this strong.
SINGLE_TERM_SECONDARY = 2.0
# A topic whose evidence includes a "^2" term joins as a second topic at this
# share of the best topic's score (see ``scoring.SIGNAL_BOOST``).
SIGNAL_SECONDARY_RATIO = 0.4
# What names a cost or the cloud: without any, a rise ("stars doubled, what happened?") is no spend spike.
_COST_NAMED = MONEY | WEAK_MONEY | CLOUD | DECISIVE
# An AWS account id: twelve digits standing alone.
_ACCOUNT_ID = re.compile(r"(?<![\d.,$€£-])\b\d{12}\b(?![.,]?\d)")


# Evidence by term signature (see _decide): a few thousand distinct signatures
# cover a channel's alert formats and people's usual asks.
SCORED_CACHE_SIZE = 4096
# (context bits, evidence by topic, topics ranked): shared, never changed.
_Scored = tuple[int, dict[str, TopicEvidence], tuple[tuple[str, TopicEvidence], ...]]


class Router:
    """Routes messages with one immutable config; safe to share between threads."""

    def __init__(self, config: BotConfig) -> None:
        self.config = config
        routing = config.routing
        self.reader = TermReader(routing)
        self.index = self.reader.index
        self.scorer = TopicScorer(routing, self.reader.all_terms, self.reader.decisive)
        self._assemble = DecisionAssembler(routing, self.scorer)
        self._min_confidence = routing.min_confidence
        self._rates = {**DEFAULT_RATES, **routing.currencies.to_usd}
        self.owners = OwnerResolver(config.owners)
        self._has_owners = not self.owners.empty
        self._refine = Refiner(config)
        self._budget_questions = BudgetQuestions(routing.budget_questions)
        # The spend-spike topic: its rise words ("doubled", "what happened") say nothing of cost alone.
        self._rise_topic = routing.cost_rises.topic or None
        self._scored: dict[tuple[tuple[tuple[str, ...], bool, bool], ...], _Scored] = {}
        # Topic -> (topics naming the ask, word beginnings that keep the lead): see ``_yielded``.
        self._yields = {
            t.id: (t.yields_to, tuple(fold(k) for k in t.keeps_lead_on), tuple(fold(k) for k in t.shares_lead_on))
            for t in routing.topics
            if t.yields_to
        }
        # Leading topic -> (topics left out beside it, their words that still let them join): see ``_excluded``.
        self._excluded: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for topic in routing.topics:
            for lead in topic.excluded_under:
                self._excluded.setdefault(lead, []).append((topic.id, tuple(fold(k) for k in topic.joins_on)))
        # The reverse: a topic naming the ask -> (subject topic, its words that keep the lead), so a
        # message that scores the ask highest but is about the subject's own matter ("should we make
        # the purchase or first improve the coverage?") is the subject's: see ``_kept``.
        self._subjects: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = {}
        for topic_id, (asks, keeps, shares) in self._yields.items():
            if keeps:
                for ask in asks:
                    self._subjects.setdefault(ask, []).append((topic_id, keeps, shares))

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
        hits, tokens = self.reader.read(text)
        money = headline(text, self._rates)
        scorer = self.scorer
        # The evidence depends only on which terms matched, in which order, and
        # how (typo, fee): messages that differ in ids, amounts and filler
        # words share it. Read-only once stored; bounded like the token cache.
        signature = tuple([(hit[0].ident, hit[2], hit[3]) for hit in hits])
        scored = self._scored.get(signature)
        if scored is None:
            scored = self._score(hits)
            if len(self._scored) < SCORED_CACHE_SIZE:
                self._scored[signature] = scored
        mask, evidence, ranked = scored
        if mask & WEAK_CLOUD and not mask & CLOUD and _ACCOUNT_ID.search(text):
            mask |= CLOUD  # "acct 123456789012": an AWS account id names the cloud
        budget = None if mask & (CLOUD | DECISIVE) else self._budget_questions.reading(evidence, tokens, text)
        if budget:
            mask |= CLOUD  # "are we over budget this month?": in a cost channel, the cloud budget
        if money is not None and money.per == "hour" and money.term_years and not mask & CLOUD:
            # "a 3-year plan at $64.00/hour": an hourly rate committed for years is how clouds price
            # commitments; no office purchase is stated that way.
            mask |= CLOUD
        context = Context.of(mask, money is not None, "?" in text and bool(QUESTION.search(text)))

        assemble = self._assemble
        factor = context.factor
        if factor == 0.0:
            return assemble.no_route("Not a FinOps request: no cloud or cost context", hits, money)
        if mask & INFO and not mask & (ACTION | REQUEST):
            return assemble.no_route("Informational update with nothing crossed: no one tagged", hits, money)
        if budget is False:
            return assemble.no_route(
                "Another budget than the cloud's (what it is for is named): no one tagged", hits, money
            )
        if budget is None and not mask & CLOUD and self._other_spending(hits, tokens):
            return assemble.no_route(
                "Everyday spending with no cloud word (what it is for is named): no one tagged", hits, money
            )
        if context.announcement:
            return assemble.no_route(
                "An announcement (deploy, rollout), not a cost request: no one tagged", hits, money
            )
        if context.defect_report:
            return assemble.no_route(
                "A product bug report with no cloud name or amount, not a cost request: no one tagged",
                hits,
                money,
            )
        if context.ops_report:
            return assemble.no_route(
                "An operations matter (latency, pipeline, deploy) with no cost named: no one tagged", hits, money
            )
        if ranked and not mask & _COST_NAMED and money is None and ranked[0][0] == self._rise_topic:
            return assemble.no_route(
                "A rise with no cost, amount or cloud named, not a spend spike: no one tagged", hits, money
            )
        if ranked:
            top = ranked[0][1]
            if context.needs_two_terms and len(top.terms) < 2:
                factor = 0.0
            confidence = round(factor * (1 - math.exp(-top.score / STRENGTH_SCALE)), 3)
            if confidence >= self._min_confidence:
                chosen = self._chosen(text, hits, tokens, mask, evidence, ranked)
                return self._refine.apply(assemble.topics(chosen, evidence, confidence, money), text, tokens)
        if context.cost_message:
            if not ranked and money is None and self._grounded_only_by_the_practice(hits):
                return assemble.no_route(
                    "About FinOps itself, not a cost matter anyone owns: no one tagged", hits, money
                )
            return self._refine.apply(assemble.fallback(bool(ranked), scorer.matched(hits), money), text, tokens)
        return assemble.no_route("Not a FinOps request: too little cloud-cost evidence", hits, money)

    def _other_spending(self, hits: list[Hit], tokens: list[str]) -> bool:
        masks = self.scorer.masks
        spans = [
            (hit.position, hit.position + len(hit.term.key) - 1)
            for hit in hits
            if masks[hit.term.ident] & (MONEY | WEAK_MONEY)
        ]
        return bool(spans) and self._budget_questions.names_other_spending(tokens, spans)

    def _grounded_only_by_the_practice(self, hits: list[Hit]) -> bool:
        """Whether the practice's name ("finops meetup next week") is the message's only cloud or cost word."""
        masks = self.scorer.masks
        grounding = [hit for hit in hits if masks[hit.term.ident] & (CLOUD | MONEY | DECISIVE)]
        return bool(grounding) and all(fold(hit.term.text) in PRACTICE_NAMES for hit in grounding)

    def _score(self, hits: list[Hit]) -> _Scored:
        """The message's context bits, each topic's evidence, and the topics ranked."""
        mask = 0
        scorer = self.scorer
        masks = scorer.masks
        evidence: dict[str, TopicEvidence] = {}
        weights = scorer.weights
        for hit in hits:
            ident = hit.term.ident
            mask |= masks[ident]
            if ident in weights:
                scorer.add_evidence(evidence, hit)
        for ev in evidence.values():
            ev.finish()
        rank = scorer.corroborated(evidence)
        order = scorer.order
        ranked = tuple(sorted(evidence.items(), key=lambda item: (-rank[item[0]], order[item[0]])))
        return mask, evidence, ranked

    def _chosen(
        self,
        text: str,
        hits: list[Hit],
        tokens: list[str],
        mask: int,
        evidence: dict[str, TopicEvidence],
        ranked: tuple[tuple[str, TopicEvidence], ...],
    ) -> list[str]:
        """The topics tagged: those the message's clauses ask about, the best
        one, and another when it is nearly as strong or settled by a "^2" term."""
        top_id, top = ranked[0]
        responsible = self.scorer.responsible
        asked = (
            asked_topics(self.scorer, text, hits, tokens, evidence, bool(mask & CLOUD))
            if len(ranked) > 1
            and len(text) <= MULTI_ASK_MAX_CHARS
            and any(responsible[t] != responsible[top_id] for t, _ in ranked[1:])
            and text.count("\n") < MAX_CLAUSES
            and (mask & REQUEST or "?" in text or not ASK_TOKENS.isdisjoint(tokens))
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
        excluded = self._excluded.get(chosen[0])
        if excluded and len(chosen) > 1:
            chosen = _excluded(chosen, tokens, excluded)
        yields = self._yields.get(chosen[0])
        if yields:
            return _yielded(chosen, evidence, tokens, *yields)
        subjects = self._subjects.get(chosen[0])
        return _kept(chosen, evidence, tokens, subjects) if subjects else chosen


def _kept(
    chosen: list[str],
    evidence: Mapping[str, TopicEvidence],
    tokens: Sequence[str],
    subjects: Sequence[tuple[str, tuple[str, ...], tuple[str, ...]]],
) -> list[str]:
    """The subject topic first when the leading topic names an ask of it but the message is about the
    subject's own matter: "should we make the purchase of Savings Plans or first improve the coverage?"
    scores the purchase's execution highest, yet "coverage" says it is the commitment strategy (the
    converse of ``_yielded``)."""
    # A word of the subject's ``shares_lead_on`` says the ask's own matter is asked too: the ask keeps the lead.
    present = [(topic, keeps) for topic, keeps, shares in subjects if topic in evidence and not _begins(tokens, shares)]
    if not present:
        return chosen
    for token in tokens:
        word = fold(token)
        for topic, keeps in present:
            if word.startswith(keeps):
                return [topic, *(t for t in chosen if t != topic)]
    return chosen


def _excluded(chosen: list[str], tokens: Sequence[str], excluded: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    """``chosen`` without the topics its lead excludes, but for one whose ``joins_on`` word the message has:
    "Savings Plan utilization is 71%, should we stop buying?" is not idle resources ("stop"), while
    "... can eng clean up the idle instances?" asks for the clean-up."""
    left_out = {topic for topic, joins in excluded if topic in chosen and not _begins(tokens, joins)}
    return [topic for topic in chosen if topic not in left_out] if left_out else chosen


def _begins(tokens: Sequence[str], beginnings: tuple[str, ...]) -> bool:
    return bool(beginnings) and any(fold(token).startswith(beginnings) for token in tokens)


def _yielded(
    chosen: list[str],
    evidence: Mapping[str, TopicEvidence],
    tokens: Sequence[str],
    asks: Sequence[str],
    keeps: tuple[str, ...],
    shares: tuple[str, ...] = (),
) -> list[str]:
    """The topics with the one naming the ask first, when the leading topic only names the subject.

    "Our RIs expire on the 31st, who renews them?" is about commitments (the subject) and asks for
    a renewal (the ask): the renewal's owners lead. A word beginning with one of ``keeps`` ("coverage",
    "utiliz") says the message is about the leading topic's own matter (the strategy), which keeps it,
    unless one beginning with one of ``shares`` says it asks about the ask's matter too ("who owns the
    tagging policy, and can someone tag the instances?"): then both, the ask first.
    """
    ask = next((t for t in asks if t in evidence and not evidence[t].only_line_items), None)
    if ask is None:
        return chosen
    for token in tokens:
        word = fold(token)
        if word.startswith(keeps):
            if shares and _begins(tokens, shares):
                break
            return chosen
    return [ask, *(t for t in chosen if t != ask)]

"""The decision for chosen topics: who is tagged in which RACI role, escalations, and the reason in words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from bot.config.models import RoutingFile
from bot.routing.decision import Decision, TagRole, persona_tags
from bot.routing.matcher import Hit
from bot.routing.money import Money
from bot.routing.scoring import TopicEvidence, TopicScorer


class DecisionAssembler:
    """Builds decisions for one configuration; immutable once built."""

    def __init__(self, routing: RoutingFile, scorer: TopicScorer) -> None:
        self._scorer = scorer
        self._topics = scorer.topics
        self._fallback = routing.fallback_persona
        self._escalations = sorted(routing.escalations, key=lambda e: e.min_amount_usd)
        # What a decision for one topic always says, built once per configuration: most decisions name
        # one topic, and its roles and the words of its reason are the same in each.
        self._single: dict[str, _OneTopic] = {}
        for topic in routing.topics:
            owners = topic.owners
            responsible = tuple(dict.fromkeys(owners.responsible))
            self._single[topic.id] = _OneTopic(
                responsible,
                tuple(dict.fromkeys(owners.accountable)),
                tuple(dict.fromkeys(owners.consulted)),
                tuple(dict.fromkeys(owners.informed)),
                f"{topic.name} (matched ",
                f") → {', '.join(owners.responsible) or 'nobody'} responsible",
            )

    def topics(
        self,
        chosen: list[str],
        evidence: dict[str, TopicEvidence],
        confidence: float,
        money: Money | None,
    ) -> Decision:
        if len(chosen) == 1:
            return self._one_topic(chosen[0], evidence[chosen[0]], confidence, money)
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
            tags=persona_tags(tags),
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

    def _one_topic(self, topic_id: str, evidence: TopicEvidence, confidence: float, money: Money | None) -> Decision:
        """``topics`` for one topic, from its parts built at start."""
        one = self._single[topic_id]
        tags: dict[str, TagRole] = dict.fromkeys(one.responsible, "responsible")
        escalated = self._escalate(tags, money) if money is not None else None
        texts = [t.text for t in evidence.terms.values()]
        explanation = one.head + ", ".join([f"'{t}'" for t in texts]) + one.tail
        if escalated:
            explanation += f"; {', '.join(escalated)} escalated (amount ≥ threshold)"
        if money is not None:
            explanation += "; " + money.describe()
        return Decision(
            is_request=True,
            tags=persona_tags(tags),
            accountable=tuple([p for p in one.accountable if p not in tags]),
            consulted=tuple([p for p in one.consulted if p not in tags]),
            informed=tuple([p for p in one.informed if p not in tags]),
            topics=(topic_id,),
            matched_terms=tuple(dict.fromkeys(texts)),
            confidence=confidence,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation=explanation,
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

    def fallback(self, hinted: bool, matched: tuple[str, ...], money: Money | None) -> Decision:
        """A cost message with no confident topic; ``hinted`` when some topic matched weakly."""
        tags: dict[str, TagRole] = {self._fallback: "fallback"}
        escalated = self._escalate(tags, money)
        why = "Cost message matching no topic confidently"
        if hinted:
            why += f" (weak hint: {_quoted(matched[:3])})"
        parts = [f"{why} → {self._fallback} (fallback)"]
        if escalated:
            parts.append(f"{', '.join(escalated)} escalated (amount ≥ threshold)")
        if money is not None:
            parts.append(money.describe())
        return Decision(
            is_request=True,
            tags=persona_tags(tags),
            topics=(),
            matched_terms=matched,
            confidence=0.3,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation="; ".join(parts),
        )

    def no_route(self, reason: str, hits: list[Hit], money: Money | None) -> Decision:
        matched = self._scorer.matched(hits)
        if matched:
            reason += f" (matched {_quoted(matched[:4])})"
        return Decision(
            is_request=False,
            matched_terms=matched,
            amount_usd=money.usd if money else None,
            amount=money,
            explanation=reason + ".",
        )


class _OneTopic(NamedTuple):
    responsible: tuple[str, ...]
    accountable: tuple[str, ...]
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    head: str  # the reason's words before the matched terms
    tail: str  # and after them


def _quoted(terms: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in terms)

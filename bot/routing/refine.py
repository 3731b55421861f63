"""What a message says beyond its topics, applied to the topics' decision.

Readings the topic scores cannot make: a notice that needs nobody
(``notices``: closed, routine, news) tags nobody; a leading topic (``lead:
true`` in routing.yaml) that joined puts its owners first; personas the
message asks by name are tagged (``addressees``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.config.models import BotConfig
from bot.routing import notices
from bot.routing.addressees import Addressees
from bot.routing.decision import Decision
from bot.routing.normalize import fold


class Refiner:
    def __init__(self, config: BotConfig) -> None:
        self.addressees = Addressees({p.id: p.called for p in config.personas.personas})
        self._leading = {t.id: t.owners.responsible for t in config.routing.topics if t.lead}
        # A leading topic that yields to an ask still yields: "leadership approved the SP purchase,
        # who executes the buy?" leads with the purchase, unless a word keeps the lead ("approval").
        self._yields = {
            t.id: (frozenset(t.yields_to), tuple(fold(k) for k in t.keeps_lead_on))
            for t in config.routing.topics
            if t.lead and t.yields_to
        }

    def apply(self, decision: Decision, text: str, tokens: Sequence[str]) -> Decision:
        """``tokens``: the message's words as the matcher split them."""
        if not decision.is_request:
            return decision
        # One set of the message's words, lower-cased, gates every reading: the
        # patterns run only on the few messages holding a word they need.
        words = set(map(str.lower, set(tokens)))  # an alert repeats its words: each lowered once
        reason = notices.informational(text, words)
        if reason is not None:
            return replace(
                decision,
                is_request=False,
                tags=(),
                accountable=(),
                consulted=(),
                informed=(),
                topics=(),
                confidence=0.0,
                explanation=f"{reason} (was: {decision.explanation})",
            )
        return self.addressees.apply(self._lead(decision, tokens), text, words)

    def _lead(self, decision: Decision, tokens: Sequence[str]) -> Decision:
        """A leading topic (``lead: true``) that joined a message puts its owners first, unless it
        only names the subject of an ask it yields to (``yields_to``, ``keeps_lead_on``)."""
        leading = [
            p
            for topic in decision.topics
            if topic in self._leading and not self._yielding(topic, decision.topics, tokens)
            for p in self._leading[topic]
        ]
        if not leading or decision.topics[0] in self._leading:
            return decision
        first = [t for p in leading for t in decision.tags if t.persona == p]
        if not first:
            return decision
        rest = [t for t in decision.tags if t not in first]
        return replace(decision, tags=(*first, *rest))

    def _yielding(self, topic: str, topics: Sequence[str], tokens: Sequence[str]) -> bool:
        yields = self._yields.get(topic)
        if yields is None or yields[0].isdisjoint(topics):
            return False
        keeps = yields[1]
        return not any(fold(token).startswith(keeps) for token in tokens)

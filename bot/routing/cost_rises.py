"""A spend spike told in everyday words: the cost-anomalies reading.

People report a spike as they would say it: "costs went through the roof this week", "the bill jumped
from £8k to £14k", "spending skyrocketed after friday's release", "what happened to our spend?? 📈".
Most name no cloud, so one anomaly word would not be enough for the router (a cost word alone needs two
topic terms), and "the bill jumped" was read only as a cost word. Such a message reads as if it said the
topic's configured term (``cost_rises.term``, "cost spike") when

* a cost word (``costs``: costs, spend, bill) is followed within a few words by a word of a sudden rise
  (``rises``: jumped, skyrocketed, roof, doubled, 3x), or by a plain one (``mild``: up, higher) in a
  message with one of ``emoji`` (📈 😱 🔥), or is asked about after one of ``asks`` ("what happened to
  our spend"),
* the cost word is the message's own: it opens the message, stands after one of ``before`` (the, our,
  cloud, monthly) or the message names a cloud or service, so "my phone bill jumped" and "concert
  ticket prices went through the roof" read as before,
* no link of a cost per unit (per, each) stands between them: "cost per order jumped" is unit economics.

The cost and rise words then count for nothing else. Word lists: ``cost_rises`` in routing.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.config.models import CostRises as CostRisesConfig
from bot.routing.lexicon import CLOUD
from bot.routing.matcher import Hit, Term
from bot.routing.normalize import fold

# Words after the cost word a rise may stand at (before it, for ``asks``).
REACH = 4
# Words that make the cost one per unit of the business, not the message's spend.
_UNIT_LINKS = frozenset(("per", "each", "every"))


def _forms(words: Sequence[str]) -> frozenset[str]:
    return frozenset(form for word in words for form in (word, word.lower(), word.capitalize(), word.upper()))


class CostRises:
    """Immutable once built; one per term reader."""

    def __init__(
        self, config: CostRisesConfig, term: Term | None, decisive: Collection[tuple[str, ...]] = frozenset()
    ) -> None:
        self.term = term if config.topic else None
        self._topic = config.topic
        self._decisive = decisive
        self._costs = frozenset(fold(word) for word in config.costs)
        self._before = frozenset(fold(word) for word in config.before)
        self._rises = frozenset(fold(word) for word in config.rises)
        self._mild = frozenset(fold(word) for word in config.mild)
        self._asks = frozenset(fold(word) for word in config.asks)
        self._emoji = tuple(config.emoji)
        # Raw spellings: a message holding no cost word (most chatter) costs one set look-up.
        self._cost_forms = _forms(config.costs)

    def hits(self, hits: list[Hit], tokens: Sequence[str], text: str) -> list[Hit]:
        """``hits`` with a hit of the configured term where a cost word is told to have risen sharply."""
        if self.term is None or self._cost_forms.isdisjoint(tokens):
            return hits
        topic, decisive = self._topic, self._decisive
        if any(topic in hit.term.groups and hit.term.ident in decisive for hit in hits):
            return hits  # a listed phrase ("cost spike", "anomaly") said it already
        words = [fold(token) for token in tokens]
        cloud = any(CLOUD in hit.term.groups for hit in hits)
        span = self._span(words, cloud, text)
        if span is None:
            return hits
        first, last = span
        kept = [hit for hit in hits if not first <= hit.position <= last]
        kept.append(Hit(self.term, first, False))
        kept.sort(key=lambda hit: hit.position)
        return kept

    def _span(self, words: list[str], cloud: bool, text: str) -> tuple[int, int] | None:
        """The first and last word of a cost word and its rise, or None."""
        emoji: bool | None = None
        for at, word in enumerate(words):
            if word not in self._costs or not (cloud or at == 0 or words[at - 1] in self._before):
                continue
            for i in range(at + 1, min(at + 1 + REACH, len(words))):
                later = words[i]
                if later in _UNIT_LINKS:
                    break
                if later in self._rises:
                    return at, i
                if later in self._mild:
                    if emoji is None:
                        emoji = any(mark in text for mark in self._emoji)
                    if emoji:
                        return at, i
            for i in range(max(0, at - REACH), at):
                if words[i] in self._asks:
                    return i, at
        return None

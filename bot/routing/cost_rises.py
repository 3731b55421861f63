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
from itertools import compress
from itertools import count as count_from

from bot.config.models import CostRises as CostRisesConfig
from bot.routing.lexicon import CLOUD
from bot.routing.matcher import Hit, Term
from bot.routing.normalize import spellings

# Words after the cost word a rise may stand at (before it, for ``asks``).
REACH = 4
# Words that make the cost one per unit of the business, not the message's spend.
_UNIT_LINKS = frozenset(form for word in ("per", "each", "every") for form in (word, word.capitalize(), word.upper()))


def _forms(words: Sequence[str]) -> frozenset[str]:
    return frozenset(form for word in words for form in spellings(word))


class CostRises:
    """Immutable once built; one per term reader."""

    def __init__(
        self, config: CostRisesConfig, term: Term | None, decisive: Collection[tuple[str, ...]] = frozenset()
    ) -> None:
        self.term = term if config.topic else None
        self._topic = config.topic
        self._decisive = decisive
        # Raw spellings (as written, lower case, capitalised, capitals; accents folded too): the words are
        # looked up as the message spells them, and a message holding no cost word costs one set look-up.
        self.cost_forms = _forms(config.costs)
        self._before = _forms(config.before)
        self._rises = _forms(config.rises)
        self._mild = _forms(config.mild)
        self._asks = _forms(config.asks)
        self._emoji = tuple(config.emoji)

    def hits(self, hits: list[Hit], tokens: Sequence[str], text: str) -> list[Hit]:
        """``hits`` with a hit of the configured term where a cost word is told to have risen sharply (the
        reader calls it only when ``term`` is set and ``cost_forms`` meets the tokens)."""
        if self.term is None:
            return hits
        span = self._span(tokens, hits, text)
        if span is None:
            return hits
        topic, decisive = self._topic, self._decisive
        if any(topic in hit.term.groups and hit.term.ident in decisive for hit in hits):
            return hits  # a listed phrase ("cost spike", "anomaly") said it already
        first, last = span
        kept = [hit for hit in hits if not first <= hit.position <= last]
        kept.append(Hit(self.term, first, False))
        kept.sort(key=lambda hit: hit.position)
        return kept

    def _span(self, tokens: Sequence[str], hits: list[Hit], text: str) -> tuple[int, int] | None:
        """The first and last word of a cost word and its rise, or None (plain loops: no call per word;
        only the cost words' positions are visited, found without a Python-level step per word)."""
        cost_forms, rises, mild, asks = self.cost_forms, self._rises, self._mild, self._asks
        count = len(tokens)
        emoji: bool | None = None
        cloud: bool | None = None
        for at in compress(count_from(), map(cost_forms.__contains__, tokens)):
            span = None
            for i in range(at + 1, min(at + 1 + REACH, count)):
                later = tokens[i]
                if later in _UNIT_LINKS:
                    break
                if later in rises:
                    span = (at, i)
                    break
                if later in mild:
                    if emoji is None:
                        emoji = any(mark in text for mark in self._emoji)
                    if emoji:
                        span = (at, i)
                        break
            if span is None:
                for i in range(max(0, at - REACH), at):
                    if tokens[i] in asks:
                        span = (i, at)
                        break
                else:
                    continue
            # The message's own cost: its first word, after a determiner or scope, or beside a cloud name.
            if at == 0 or tokens[at - 1] in self._before:
                return span
            if cloud is None:
                cloud = any(CLOUD in hit.term.groups for hit in hits)
            if cloud:
                return span
        return None

"""A cost per business unit, in any wording: the unit-economics reading.

"what does it cost us to serve one tenant?", "cloud spend per shipment", "cost per 1,000 API requests",
"how much does each tenant cost us", "spend per GB served", "spend per active account" ask what one
unit of the business costs, yet name no listed unit-economics phrase. Such a message reads as if it
said the topic's configured term (``unit_costs.term``, "cost per unit") when

* a cost word (``costs``: cost, spend, COGS) and a unit stand within a few words, either way round
  ("cost per booking", "each tenant cost us"),
* a link (``links``: per, each, every, one) stands right before the unit, only ``between`` words
  (us, to, serve, api, 1k) and figures between the cost word, the link and the unit,
* the unit is one of ``units`` (customer, tenant, transaction, booking...), any word after a
  ``qualifiers`` word ("per active account", "per paying workspace"), or any word followed by one of
  ``served`` ("per GB served", "per stream delivered").

"cost per hour", "costs $800 per attendee", "what does the taco place cost per person" name no unit of
the business and read as before. The words of the link and the unit replace the hits they held ("per
request" is not rightsizing's "requests"). Word lists: ``unit_costs`` in routing.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.config.models import UnitCosts as UnitCostsConfig
from bot.routing.matcher import Hit, Term
from bot.routing.normalize import fold

# Words a link may stand after the cost word, and the unit after the link (either way round).
REACH = 4


def _forms(words: Sequence[str]) -> frozenset[str]:
    return frozenset(form for word in words for form in (word, word.lower(), word.capitalize(), word.upper()))


class UnitCosts:
    """Immutable once built; one per term reader."""

    def __init__(
        self, config: UnitCostsConfig, term: Term | None, decisive: Collection[tuple[str, ...]] = frozenset()
    ) -> None:
        self.term = term if config.topic else None
        self._topic = config.topic
        # A listed phrase that settles the topic ("cost per customer") says it already; a weaker one
        # ("transaction", "per active user") is replaced by the reading.
        self._decisive = decisive
        self._costs = frozenset(fold(word) for word in config.costs)
        self._links = frozenset(fold(word) for word in config.links)
        self._between = frozenset(fold(word) for word in config.between)
        self._units = frozenset(fold(word) for word in config.units)
        self._qualifiers = frozenset(fold(word) for word in config.qualifiers)
        self._served = frozenset(fold(word) for word in config.served)
        # Raw spellings, so a message holding no link (the rarer) or no cost word costs a set look-up or two.
        self._cost_forms = _forms(config.costs)
        self._link_forms = _forms(config.links)

    def hits(self, hits: list[Hit], tokens: Sequence[str]) -> list[Hit]:
        """``hits`` with a hit of the configured term where a cost per unit is named."""
        if self.term is None or self._link_forms.isdisjoint(tokens) or self._cost_forms.isdisjoint(tokens):
            return hits
        decisive = self._decisive
        if any(self._topic in hit.term.groups and hit.term.ident in decisive for hit in hits):
            return hits  # a listed phrase ("cost per customer") said it already
        words = [fold(token) for token in tokens]
        span = self._span(words)
        if span is None:
            return hits
        first, last = span
        kept = [hit for hit in hits if not first <= hit.position <= last]
        kept.append(Hit(self.term, first, False))
        kept.sort(key=lambda hit: hit.position)
        return kept

    def _span(self, words: list[str]) -> tuple[int, int] | None:
        """The first link and unit words of a cost per unit, or None."""
        costs = [i for i, word in enumerate(words) if word in self._costs]
        for link, word in enumerate(words):
            if word not in self._links:
                continue
            unit = self._unit(words, link + 1)
            if unit is None:
                continue
            # The cost word before the link ("cost us to serve one tenant") or after the unit
            # ("each tenant cost us"), with only figures and ``between`` words in the way.
            if any(
                (cost < link and self._gap(words, cost + 1, link)) or (cost > unit and self._gap(words, unit + 1, cost))
                for cost in costs
            ):
                return link, unit
        return None

    def _unit(self, words: list[str], start: int) -> int | None:
        """The index of the unit the words from ``start`` name, or None."""
        qualified = False
        for i in range(start, min(start + REACH, len(words))):
            word = words[i]
            stem = word[:-1] if word.endswith("s") else word
            if qualified or word in self._units or stem in self._units:
                return i
            if i + 1 < len(words) and words[i + 1] in self._served:
                return i  # "per GB served"
            if word in self._qualifiers:
                qualified = True
            elif not (word.isdigit() or word in self._between):
                return None
        return None

    def _gap(self, words: list[str], start: int, end: int) -> bool:
        """Whether the words between ``start`` and ``end`` are few and only figures or ``between`` words."""
        gap = words[start:end]
        return len(gap) <= REACH and all(word.isdigit() or word in self._between for word in gap)

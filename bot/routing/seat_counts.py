"""Unused seats stated by count: "we're paying for 400 Jira seats but only 250 are active".

Licence seats that nobody uses are the asset manager's (ITAM: licence
monitoring and management), but such a message often names no listed phrase:
the count and the use are apart ("400 Jira seats ... 250 are active", "120
Slack seats ... 40 of them haven't logged in", "300 Figma licences and 90 are
unassigned"). A seat or licence word with a figure right before it (one name
between at most), a second figure and a word of use (active, unassigned,
logged in...) read as the licences topic's decisive ``unused seats``. Seats
left, free or taken at a conference, on a bus or at the all-hands name no word
of use, and "seat reservations" no count: they stay chatter. The term must be
in the configuration; without it the reading is off. A message that already
said it is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.routing.matcher import Hit, Term

TERM = "unused seats"
_SEATS = ("seat", "seats", "licence", "licences", "license", "licenses")
_SEAT_FORMS = frozenset(form for word in _SEATS for form in (word, word.capitalize(), word.upper()))
# Words of use a licence has and a chair does not ("used", "free", "left", "taken" are both's).
_IN_USE = frozenset(
    (
        "active",
        "inactive",
        "unused",
        "unassigned",
        "assigned",
        "logged",
        "provisioned",
        "dormant",
        "idle",
        "deactivated",
    )
)


class SeatCounts:
    """Immutable once built; one per term reader."""

    def __init__(self, term: Term | None) -> None:
        self.term = term

    def hits(self, hits: list[Hit], tokens: Sequence[str]) -> list[Hit]:
        """``hits`` with a hit of ``unused seats`` where seats are counted against their use."""
        if self.term is None or _SEAT_FORMS.isdisjoint(tokens):
            return hits
        words = [token.lower() for token in tokens]
        if _IN_USE.isdisjoint(words) or any(hit.term.ident == self.term.ident for hit in hits):
            return hits
        figures = sum(1 for word in words if word[:1].isdigit())
        if figures < 2:
            return hits
        for at, word in enumerate(words):
            if word in _SEATS and any(w[:1].isdigit() for w in words[max(0, at - 2) : at]):
                kept = [hit for hit in hits if hit.position != at]
                kept.append(Hit(self.term, at, False))
                kept.sort(key=lambda hit: hit.position)
                return kept
        return hits

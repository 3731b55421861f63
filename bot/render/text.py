"""What every message shares: quoting user text safely, mentions, money, the message envelope.

Anything that came from a user goes through ``quote`` before it is shown, so
text quoted back can never ping ``@channel`` or a person, nor inject markup.
Mentions arrive already resolved (``Mentions``): the Slack adapter turns config
names into ids; rendering only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.render.blocks import MAX_BLOCKS, clip, clip_escaped

# Slack's documented limits; exceeding them makes chat.postMessage fail outright.
MAX_FALLBACK_TEXT = 3500

STATUS_LABELS = {
    "open": "Open",
    "acknowledged": "Taken",
    "resolved": "Resolved",
    "rerouted": "Reassigned",
    "not_a_request": "Not a FinOps request",
}
CLOSED_STATUSES = frozenset({"resolved", "not_a_request"})


def counted(number: int, noun: str) -> str:
    """``1 day``, ``2 days``, ``0 days``: the nouns used here all take an s."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def quote(text: str, limit: int = 300) -> str:
    """Make user text safe to show: escape & < >, break broadcast words, cap length."""
    text = clip_escaped(text, limit)
    # Plain "@here" is not a ping when posted by an app, but a zero-width joiner
    # keeps it inert even if someone later enables link_names.
    for word in ("@channel", "@here", "@everyone"):
        text = text.replace(word, "@\u200d" + word[1:])
    return text


@dataclass(frozen=True)
class Mentions:
    """How to reach each persona in Slack, already resolved to Slack syntax.

    ``by_persona[id]`` is e.g. ``"<#C0123> <!subteam^S0456>"``; a persona whose
    targets could not be resolved is missing and is named in plain text instead.
    """

    by_persona: Mapping[str, str]
    names: Mapping[str, str]

    def mention(self, persona_id: str) -> str:
        return self.by_persona.get(persona_id) or f"*{self.name(persona_id)}*"

    def name(self, persona_id: str) -> str:
        return self.names.get(persona_id, persona_id)

    def is_resolved(self, persona_id: str) -> bool:
        return bool(self.by_persona.get(persona_id))


def consulted_with_team(responsible: Iterable[str], consulted: Iterable[str]) -> tuple[str, ...]:
    """Who a reply names as consulted when the owning team is tagged in the responsible personas' place:
    those personas first, then the topic's consulted ones."""
    return tuple(dict.fromkeys((*responsible, *consulted)))


def tags_with_team(tags: Sequence[Any], consulted: Iterable[str]) -> tuple[list[Any], tuple[str, ...]]:
    """A decision's persona tags (``.persona``, ``.role``) when the owning team is tagged: the escalation
    tags still tagged, and the responsible and fallback personas consulted (``consulted_with_team``)."""
    moved = [tag.persona for tag in tags if tag.role in ("responsible", "fallback")]
    return [tag for tag in tags if tag.role == "escalation"], consulted_with_team(moved, consulted)


def team_mention_key(team_id: str) -> str:
    """An owners.yaml team in ``Mentions``: teams share the personas' table under this key."""
    return f"team:{team_id}"


def format_usd(amount: float | None) -> str:
    if amount is None:
        return ""
    if amount >= 100:
        return f"${amount:,.0f}"
    return f"${amount:,.2f}"


def message(text: str, blocks: list[dict]) -> dict:
    return {"text": clip(text, MAX_FALLBACK_TEXT), "blocks": blocks[:MAX_BLOCKS]}

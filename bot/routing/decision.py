"""A routing decision: who is tagged, in which role, for which topics, with what amount and owning team."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.routing.money import Money
from bot.routing.owners import OwnerMatch

TagRole = Literal["responsible", "accountable", "consulted", "informed", "escalation", "fallback"]


@dataclass(frozen=True)
class PersonaTag:
    persona: str
    role: TagRole


class _Tags(dict[tuple[str, TagRole], PersonaTag]):
    """One PersonaTag per (persona, role), made on first use: a tag is immutable and compares by value, so
    decisions share them rather than build a frozen dataclass for each tag of each message."""

    def __missing__(self, key: tuple[str, TagRole]) -> PersonaTag:
        tag = self[key] = PersonaTag(*key)
        return tag


_TAGS = _Tags()


def persona_tags(roles: Mapping[str, TagRole]) -> tuple[PersonaTag, ...]:
    """The tags of ``roles`` (persona -> role), in its order."""
    return tuple(map(_TAGS.__getitem__, roles.items()))


@dataclass(frozen=True)
class Decision:
    is_request: bool
    tags: tuple[PersonaTag, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    accountable: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    matched_terms: tuple[str, ...] = ()
    confidence: float = 0.0
    amount_usd: float | None = None  # the stated headline in USD (None without a rate for its currency)
    explanation: str = ""
    amount: Money | None = None  # the headline as stated: figure, currency, rate period, commitment total
    team: OwnerMatch | None = None  # the team owning the alert's scope, when owners.yaml names one

    @property
    def personas(self) -> tuple[str, ...]:
        return tuple(tag.persona for tag in self.tags)

    @property
    def roles(self) -> dict[str, str]:
        return {tag.persona: tag.role for tag in self.tags}

    def to_dict(self) -> dict[str, object]:
        return {
            "is_request": self.is_request,
            "personas": list(self.personas),
            "roles": self.roles,
            "topics": list(self.topics),
            "matched_terms": list(self.matched_terms),
            "accountable": list(self.accountable),
            "consulted": list(self.consulted),
            "informed": list(self.informed),
            "confidence": self.confidence,
            "amount_usd": self.amount_usd,
            "amount": money_dict(self.amount),
            "team": self.team.to_dict() if self.team else None,
            "explanation": self.explanation,
        }

    @property
    def team_id(self) -> str | None:
        return self.team.team_id if self.team else None


def money_dict(amount: Money | None) -> dict[str, object] | None:
    if amount is None:
        return None
    return {
        "stated": amount.stated(),
        "value": amount.amount,
        "currency": amount.currency,
        "per": amount.per,
        "kind": amount.kind,
        "usd": amount.usd,
        "commitment_years": amount.term_years,
        "escalation_usd": amount.escalation_usd,
    }

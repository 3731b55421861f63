"""The request lifecycle: what a button press does to a request, as a pure function.

``transition`` decides, from the request as it stands, whether a press changes
it and how: the new column values, the event to record, the digest rollup
changes, the routing feedback to keep, and the sentence shown to the presser.
Storage loads the row, calls it and writes what it says.

- take: open/rerouted -> acknowledged.
- reassign: any unclosed -> rerouted, with ``to_persona`` as the primary persona
  and ``next_nudge_at`` as its new acknowledgement deadline; recorded as routing
  feedback.
- not_a_request: any unclosed -> not_a_request; recorded as routing feedback.
- resolve: any unclosed -> resolved.
``allowed=False`` (the caller's permission check failed) changes nothing.
Replaying the action that put the request in its state is ``ok`` with outcome
'replay'; other actions on closed requests are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.domain.clock import as_utc
from bot.domain.requests import (
    ACKNOWLEDGED,
    ACTIONS,
    NOT_A_REQUEST,
    OPEN,
    REROUTED,
    RESOLVED,
    ActionOutcome,
    RequestView,
)

FeedbackKind = Literal["reassigned", "not_a_request"]


@dataclass(frozen=True)
class RollupDelta:
    """One change to the digest's counters (``digest_hourly`` / ``digest_daily``).

    ``routed``: a request counted for ``persona`` from ``at`` (its creation);
    ``acknowledged``: a take at ``at``; ``closed``: a close at ``at``
    (``resolved`` or not). ``sign`` -1 takes a count back.
    """

    counter: Literal["routed", "acknowledged", "closed"]
    persona: str
    topic: str | None
    at: dt.datetime
    sign: int = 1
    has_amount: bool = False
    resolved: bool = False


@dataclass(frozen=True)
class Transition:
    """What a press does: refused or replayed (``values`` empty), or done."""

    outcome: ActionOutcome
    message: str  # plain text for the presser
    values: Mapping[str, Any] = field(default_factory=dict)  # the request's new column values
    detail: Mapping[str, Any] | None = None  # the event's detail
    rollups: tuple[RollupDelta, ...] = ()
    feedback: FeedbackKind | None = None  # routing feedback to record, taken from the request as it was
    feedback_to_persona: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("done", "replay")

    @property
    def changed(self) -> bool:
        return self.outcome == "done"

    @property
    def to_status(self) -> str | None:
        return self.values.get("status")


def check_action(action: str, to_persona: str | None) -> Transition | None:
    """The refusal for a press that names no valid action (needs no request); None when valid."""
    if action not in ACTIONS:
        return Transition("invalid", f"Unknown action '{action}'.")
    if action == "reassign" and not to_persona:
        return Transition("invalid", "Choose a persona to reassign the request to.")
    return None


def unknown_request(request_id: int) -> Transition:
    """The refusal for a press on a request the bot does not know."""
    return Transition("unknown", f"This request (#{request_id}) is not known to the bot any more.")


def transition(
    current: RequestView,
    action: str,
    actor: str,
    now: dt.datetime,
    *,
    to_persona: str | None = None,
    allowed: bool = True,
    next_nudge_at: dt.datetime | None = None,
) -> Transition:
    """What pressing ``action`` as ``actor`` at ``now`` (aware UTC) does to ``current``."""
    invalid = check_action(action, to_persona)
    if invalid is not None:
        return invalid
    replay = _replay_message(current, action, to_persona)
    if replay is not None:
        return Transition("replay", replay)
    if current.is_closed:
        return Transition("closed", f"This request is already {status_words(current)}; nothing changed.")
    if not allowed:
        return Transition("not_allowed", "You are not allowed to do that for this request.")

    values: dict[str, Any] = {"status_by": actor, "status_at": now}
    detail: dict[str, Any] | None = None
    rollups: list[RollupDelta] = []
    feedback: FeedbackKind | None = None
    persona, topic = current.primary_persona, current.primary_topic
    if action == "take":
        values.update(
            status=ACKNOWLEDGED,
            acknowledged_at=now,
            ack_seconds=(now - current.created_at).total_seconds(),
            next_nudge_at=None,
        )
        rollups.append(RollupDelta("acknowledged", persona, topic, now))
    elif action == "resolve":
        values.update(status=RESOLVED, resolved_at=now, closed_at=now, next_nudge_at=None)
        rollups.append(RollupDelta("closed", persona, topic, now, resolved=True))
    elif action == "not_a_request":
        values.update(status=NOT_A_REQUEST, closed_at=now, next_nudge_at=None)
        rollups.append(RollupDelta("closed", persona, topic, now, resolved=False))
        feedback = "not_a_request"
    else:  # reassign
        assert to_persona is not None
        # The digest counts a request for its current owner, and a take only until reassigned.
        has_amount = current.amount_usd is not None
        rollups.append(RollupDelta("routed", persona, topic, current.created_at, sign=-1, has_amount=has_amount))
        rollups.append(RollupDelta("routed", to_persona, topic, current.created_at, has_amount=has_amount))
        if current.acknowledged_at is not None:
            rollups.append(RollupDelta("acknowledged", persona, topic, current.acknowledged_at, sign=-1))
        values.update(
            status=REROUTED,
            primary_persona=to_persona,
            personas=reassigned_personas(current.personas, current.primary_persona, to_persona),
            acknowledged_at=None,
            ack_seconds=None,
            nudged_windows=0,
            next_nudge_at=as_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None,
        )
        detail = {"from_persona": current.primary_persona, "to_persona": to_persona}
        feedback = "reassigned"

    after = dataclasses.replace(current, **{k: v for k, v in values.items() if k in _VIEW_FIELDS})
    return Transition(
        "done",
        f"Request #{current.id} {status_words(after)}.",
        values=values,
        detail=detail,
        rollups=tuple(rollups),
        feedback=feedback,
        feedback_to_persona=to_persona if feedback == "reassigned" else None,
    )


_VIEW_FIELDS = frozenset(f.name for f in dataclasses.fields(RequestView))


def status_words(request: RequestView) -> str:
    """The request's state in words, e.g. 'taken by U2', 'reassigned to finance by U3'."""
    words = {
        RESOLVED: "resolved",
        NOT_A_REQUEST: "marked not a FinOps request",
        ACKNOWLEDGED: "taken",
        REROUTED: f"reassigned to {request.primary_persona}",
        OPEN: "open",
    }[request.status]
    return f"{words} by {request.status_by}" if request.status_by and request.status != OPEN else words


def _replay_message(request: RequestView, action: str, to_persona: str | None) -> str | None:
    """The message for pressing again the button that produced the current state."""
    same = {
        "take": request.status == ACKNOWLEDGED,
        "resolve": request.status == RESOLVED,
        "not_a_request": request.status == NOT_A_REQUEST,
        "reassign": request.status == REROUTED and request.primary_persona == to_persona,
    }[action]
    if not same:
        return None
    return f"Already {status_words(request)}."


def reassigned_personas(
    personas: Mapping[str, Sequence[str]], from_persona: str, to_persona: str
) -> dict[str, list[str]]:
    """The new owner becomes the first responsible persona; the others keep their roles."""
    result = {role: [p for p in ids if p != to_persona] for role, ids in personas.items()}
    result["responsible"] = [to_persona, *[p for p in result.get("responsible", []) if p != from_persona]]
    return result

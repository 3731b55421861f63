"""Stored requests and routing decisions turned into the view models ``bot.render`` lays out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.requests import RequestView
from bot.render import replies as render
from bot.render.blocks import thread_link
from bot.render.commands import OpenRequestLine
from bot.render.text import team_mention_key
from bot.routing.router import Decision, PersonaTag
from bot.services.runtime import Runtime


def routed_reply_payload(
    runtime: Runtime,
    request_ref: str,
    decision: Decision,
    team: str | None = None,
    team_scope: str | None = None,
    amount_stated: str | None = None,
    **status: Any,
) -> dict:
    """The thread reply. The owning team (the decision's, or ``team`` as stored) is
    tagged instead of the responsible personas, who are then consulted; a team
    Slack cannot reach leaves the personas tagged. ``amount_stated``: the amount as
    stated, as stored, for a decision rebuilt without its ``Money``."""
    mentions = runtime.names.mentions
    responsible = tuple(t.persona for t in decision.tags if t.role in ("responsible", "fallback"))
    escalated = tuple(t.persona for t in decision.tags if t.role == "escalation")
    if decision.team is not None:
        team, team_scope = decision.team.team_id, decision.team.scope
    team_key = team_mention_key(team) if team else None
    team_reached = team_key is not None and mentions.is_resolved(team_key)
    fallback = runtime.config.routing.fallback_persona
    unresolved = [p for p in (() if team_reached else responsible) + escalated if not mentions.is_resolved(p)]
    fallback_added = (
        (fallback,) if unresolved and fallback not in responsible and mentions.is_resolved(fallback) else ()
    )
    reply = render.RoutedReply(
        request_ref=request_ref,
        responsible=responsible,
        consulted=tuple(decision.consulted),
        escalated=escalated,
        fallback_added=fallback_added,
        topic_names=tuple(runtime.topic_names.get(t, t) for t in decision.topics[:2]),
        matched_terms=tuple(decision.matched_terms),
        amount_usd=decision.amount_usd,
        explanation=decision.explanation,
        team=team_key,
        team_scope=team_scope,
        team_tagged=team_reached,
        amount_stated=decision.amount.stated() if decision.amount is not None else amount_stated,
        **status,
    )
    return render.render_routed_reply(reply, mentions, runtime.config.personas.personas)


def stated_amount(decision: Decision) -> str | None:
    """The amount as the message stated it, when the reply shows it beside (or instead of) its USD
    figure: what a request keeps so that the reply, rebuilt after a press, reads the same."""
    stated = decision.amount.stated() if decision.amount is not None else None
    return render.shown_stated_amount(stated, decision.amount_usd)


def decision_from_request(request: RequestView, matched_terms: Sequence[str] = ()) -> Decision:
    """Rebuild the parts of a Decision a reply shows, from what the store kept (the matched terms
    are kept apart, with the request's 'routed' event)."""
    roles = request.personas or {}
    tags = [PersonaTag(request.primary_persona, "responsible")]
    for role in ("responsible", "fallback", "escalation"):
        for persona in roles.get(role, []):
            if persona != request.primary_persona and request.status != "rerouted":
                tags.append(PersonaTag(persona, role))
    return Decision(
        is_request=True,
        tags=tuple(tags),
        consulted=tuple(roles.get("consulted", [])),
        informed=tuple(roles.get("informed", [])),
        accountable=tuple(roles.get("accountable", [])),
        topics=tuple(request.topics or ()),
        matched_terms=tuple(matched_terms),
        confidence=request.confidence or 0.0,
        amount_usd=request.amount_usd,
        explanation=request.explanation,
    )


def open_lines(
    runtime: Runtime, rows: Sequence[RequestView], stated: Mapping[int, str] | None = None
) -> list[OpenRequestLine]:
    """``stated``: request id -> the amount as its message stated it (``stated_amounts``), shown as the reply shows it."""
    names = runtime.names.mentions
    stated = stated or {}
    return [
        OpenRequestLine(
            request_id=row.id,
            request_ref=f"{row.channel_id}:{row.message_ts}",
            link=thread_link(row.channel_id, row.message_ts, row.reply_ts),
            topic_name=runtime.topic_names.get(row.primary_topic or "", "Cloud cost request"),
            persona_name=names.name(row.primary_persona),
            status=row.status,
            opened_at=row.created_at,
            status_at=row.status_at,
            amount_usd=row.amount_usd,
            amount_stated=stated.get(row.id),
            excerpt=row.excerpt,
            team_name=names.name(team_mention_key(row.team)) if row.team else None,
        )
        for row in rows
    ]


def roles_of(decision: Decision) -> dict[str, list[str]]:
    """The decision's personas by RACI role, the tagged roles first: what a request row keeps."""
    roles: dict[str, list[str]] = {}
    for tag in decision.tags:
        roles.setdefault(tag.role, []).append(tag.persona)
    roles.setdefault("accountable", list(decision.accountable))
    roles.setdefault("consulted", list(decision.consulted))
    roles.setdefault("informed", list(decision.informed))
    return roles

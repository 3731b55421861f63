"""The bot's posts in a request's thread: the routed reply with its buttons, repeats, nudges, reassignments.

Pure functions returning Block Kit dicts: no Slack client, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config.models import Persona
from bot.domain.requests import Action
from bot.render.blocks import clip, context, section
from bot.render.text import (
    CLOSED_STATUSES,
    STATUS_LABELS,
    Mentions,
    consulted_with_team,
    format_usd,
    message,
    quote,
)

ACTION_TAKE = "finops_take"
ACTION_REASSIGN = "finops_reassign"
ACTION_NOT_REQUEST = "finops_not_request"
ACTION_RESOLVE = "finops_resolve"
# The one table of button action ids: the buttons carry them, the handlers
# register them, the lifecycle service maps them to request actions.
ACTION_IDS: dict[str, Action] = {
    ACTION_TAKE: "take",
    ACTION_REASSIGN: "reassign",
    ACTION_NOT_REQUEST: "not_a_request",
    ACTION_RESOLVE: "resolve",
}
LIFECYCLE_ACTIONS = tuple(ACTION_IDS)


# --- the thread reply to a routed request -------------------------------------------------


@dataclass(frozen=True)
class RoutedReply:
    """What the thread reply says; built by the intake service from a Decision."""

    # "<channel id>:<message ts>" of the request's message: known before the
    # request row exists, and what a button press carries back.
    request_ref: str
    responsible: tuple[str, ...]
    consulted: tuple[str, ...]
    escalated: tuple[str, ...]
    fallback_added: tuple[str, ...]  # tagged because a target could not be resolved
    topic_names: tuple[str, ...]
    matched_terms: tuple[str, ...]
    amount_usd: float | None
    explanation: str
    team: str | None = None  # mention key of the owning team ("team:payments")
    team_scope: str | None = None  # the scope it owns: "account 111122223333"
    team_tagged: bool = False  # the team is reached in Slack: tag it, consult the personas
    amount_stated: str | None = None  # "€950,000", "$35/hour": the amount as the message stated it
    status: str = "open"
    status_by: str | None = None
    status_at: dt.datetime | None = None
    repeat_count: int = 0


def shown_stated_amount(amount_stated: str | None, amount_usd: float | None) -> str | None:
    """The amount as stated when the reply shows it; None when it reads exactly as the USD figure
    (then the USD figure alone is shown)."""
    if not amount_stated or (amount_usd is not None and amount_stated == format_usd(amount_usd)):
        return None
    return amount_stated


def amount_shown(amount_stated: str | None, amount_usd: float | None) -> tuple[str, str] | None:
    """The amount as replies and lists show it: (the figure, its USD equivalent or ""): "€45,000" and
    " (≈ $52,200)", "$64/hour" and "", or the USD figure alone; None without an amount."""
    stated = shown_stated_amount(amount_stated, amount_usd)
    if stated:
        usd = f" (≈ {format_usd(amount_usd)})" if amount_usd is not None and not stated.startswith("$") else ""
        return quote(stated, 40), usd
    return (format_usd(amount_usd), "") if amount_usd is not None else None


def render_routed_reply(reply: RoutedReply, mentions: Mentions, personas: Sequence[Persona]) -> dict:
    consulted = reply.consulted
    if reply.team and reply.team_tagged:
        # The owning team is tagged; the topic's personas are consulted (named, not pinged).
        tagged = [mentions.mention(reply.team)]
        consulted = consulted_with_team(reply.responsible, reply.consulted)
    else:
        tagged = [mentions.mention(p) for p in reply.responsible]
    lines = [f":label: *{', '.join(reply.topic_names) or 'Cloud cost request'}* → " + " ".join(tagged)]
    if reply.team:
        owner = f"Owned by *{mentions.name(reply.team)}*" + (
            f" ({quote(reply.team_scope, 120)})" if reply.team_scope else ""
        )
        if not reply.team_tagged:
            owner += ": the team could not be reached in Slack, so the persona is tagged"
        lines.append(owner)
    if reply.escalated:
        lines.append(
            ":rotating_light: Amount at or above the escalation threshold, also tagging "
            + " ".join(mentions.mention(p) for p in reply.escalated)
        )
    if reply.fallback_added:
        unresolved = ", ".join(mentions.name(p) for p in reply.responsible if not mentions.is_resolved(p))
        lines.append(
            f":warning: Could not reach {unresolved} in Slack, so also tagging "
            + " ".join(mentions.mention(p) for p in reply.fallback_added)
        )
    if consulted:
        lines.append("Consulted: " + ", ".join(mentions.name(p) for p in consulted))
    details = []
    shown = amount_shown(reply.amount_stated, reply.amount_usd)
    if shown is not None:
        details.append(f"Amount: *{shown[0]}*{shown[1]}")
    if reply.matched_terms:
        details.append("Matched: " + ", ".join(f"`{quote(t, 40)}`" for t in reply.matched_terms[:6]))
    blocks = [section("\n".join(lines))]
    if details:
        blocks.append(context(" · ".join(details)))
    blocks.append(context(f"Why: {quote(reply.explanation, 500)}"))
    blocks.extend(_lifecycle_blocks(reply, mentions, personas))
    text = f"{', '.join(reply.topic_names) or 'Cloud cost request'}: " + " ".join(tagged)
    if reply.amount_usd is not None:
        text += f" ({format_usd(reply.amount_usd)})"
    return message(text, blocks)


def _lifecycle_blocks(reply: RoutedReply, mentions: Mentions, personas: Sequence[Persona]) -> list[dict]:
    blocks: list[dict] = []
    status_line = f"Status: *{STATUS_LABELS.get(reply.status, reply.status)}*"
    if reply.status_by:
        status_line += f" by <@{reply.status_by}>"
    if reply.status_at:
        status_line += f" at <!date^{int(reply.status_at.timestamp())}^{{date_short_pretty}} {{time}}|{reply.status_at:%Y-%m-%d %H:%M} UTC>"
    if reply.repeat_count:
        status_line += f" · repeated {reply.repeat_count}×"
    if reply.team:
        status_line += f" · team *{mentions.name(reply.team)}*"
    blocks.append(context(status_line))
    if reply.status in CLOSED_STATUSES:
        return blocks
    value = reply.request_ref
    buttons: list[dict] = []
    if reply.status != "acknowledged":
        buttons.append(button("Take it", ACTION_TAKE, value, style="primary"))
    buttons.append(
        {
            "type": "static_select",
            "action_id": ACTION_REASSIGN,
            "placeholder": {"type": "plain_text", "text": "Reassign…"},
            "options": [
                {"text": {"type": "plain_text", "text": clip(p.name, 75)}, "value": f"{value}:{p.id}"}
                for p in personas[:100]
            ],
        }
    )
    buttons.append(button("Not a FinOps request", ACTION_NOT_REQUEST, value))
    buttons.append(button("Resolved", ACTION_RESOLVE, value))
    blocks.append({"type": "actions", "block_id": f"finops_request_{value}", "elements": buttons})
    return blocks


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def render_repeat_notice(
    first_permalink: str | None, repeat_count: int, amount: str | None = None, first_amount: str | None = None
) -> dict:
    """``amount``: what this repeat states, when it differs from the first alert's (``first_amount``),
    so a growing anomaly says how much it has grown without opening the first thread."""
    where = f"<{first_permalink}|the first alert's thread>" if first_permalink else "the first alert's thread"
    now = ""
    if amount:
        now = f", now *{quote(amount, 40)}*" + (f" (first {quote(first_amount, 40)})" if first_amount else "")
    text = f":repeat: Same alert as before (repeat #{repeat_count}){now}; follow up in {where}."
    return message(text, [context(text)])


def repeat_amounts(
    amount_usd: float | None, stated: str | None, first_usd: float | None
) -> tuple[str | None, str | None]:
    """(this repeat's amount as stated, the first alert's in USD) for ``render_repeat_notice``; (None, None)
    when the repeat states none or the same within half a percent."""
    if amount_usd is None or not stated:
        return None, None
    if first_usd is not None and abs(amount_usd - first_usd) <= 0.005 * max(abs(first_usd), 1.0):
        return None, None
    return stated, format_usd(first_usd) if first_usd is not None else None


def render_nudge(accountable: Sequence[str], mentions: Mentions, waited: str, team: str | None = None) -> dict:
    who = " ".join(mentions.mention(p) for p in accountable) or "the FinOps team"
    if team:
        # The owning team was tagged and has not taken it: remind it, and the accountable persona.
        text = (
            f":alarm_clock: Nobody has taken this request in {waited}. {mentions.mention(team)} "
            f"(*{mentions.name(team)}* owns it), can you take it? {who}, please follow up."
        )
        return message(text, [section(text)])
    text = f":alarm_clock: Nobody has taken this request in {waited}. {who}, can you find an owner?"
    return message(text, [section(text)])


def render_reassign_notice(actor_user_id: str, new_owner_mention: str) -> dict:
    text = f":arrow_right_hook: <@{actor_user_id}> reassigned this to {new_owner_mention}. Can you take it?"
    return message(text, [section(text)])

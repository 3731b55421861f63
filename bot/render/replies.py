"""Block Kit messages the bot posts, as plain dicts.

Pure functions: no Slack client, no database. Anything that came from a user
goes through ``quote`` before it is shown, so text quoted back can never ping
``@channel`` or a person, nor inject markup.

Mentions are passed in already resolved (``Mentions``): the Slack layer turns
config names into ids; rendering only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.config.models import BotConfig, Persona
from bot.render.blocks import MAX_BLOCKS, MAX_SECTION_TEXT, clip, clip_escaped, context, section

# Slack's documented limits; exceeding them makes chat.postMessage fail outright.
MAX_FALLBACK_TEXT = 3500

ACTION_TAKE = "finops_take"
ACTION_REASSIGN = "finops_reassign"
ACTION_NOT_REQUEST = "finops_not_request"
ACTION_RESOLVE = "finops_resolve"
# The one table of button action ids: the buttons carry them, the handlers
# register them, the lifecycle service maps them to request actions.
ACTION_IDS = {
    ACTION_TAKE: "take",
    ACTION_REASSIGN: "reassign",
    ACTION_NOT_REQUEST: "not_a_request",
    ACTION_RESOLVE: "resolve",
}
LIFECYCLE_ACTIONS = tuple(ACTION_IDS)

STATUS_LABELS = {
    "open": "Open",
    "acknowledged": "Taken",
    "resolved": "Resolved",
    "rerouted": "Reassigned",
    "not_a_request": "Not a FinOps request",
}
CLOSED_STATUSES = frozenset({"resolved", "not_a_request"})


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


def format_usd(amount: float | None) -> str:
    if amount is None:
        return ""
    if amount >= 100:
        return f"${amount:,.0f}"
    return f"${amount:,.2f}"


def _message(text: str, blocks: list[dict]) -> dict:
    return {"text": clip(text, MAX_FALLBACK_TEXT), "blocks": blocks[:MAX_BLOCKS]}


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
    status: str = "open"
    status_by: str | None = None
    status_at: dt.datetime | None = None
    repeat_count: int = 0


def render_routed_reply(reply: RoutedReply, mentions: Mentions, personas: Sequence[Persona]) -> dict:
    tagged = [mentions.mention(p) for p in reply.responsible]
    lines = [f":label: *{', '.join(reply.topic_names) or 'Cloud cost request'}* → " + " ".join(tagged)]
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
    if reply.consulted:
        lines.append("Consulted: " + ", ".join(mentions.name(p) for p in reply.consulted))
    details = []
    if reply.amount_usd is not None:
        details.append(f"Amount: *{format_usd(reply.amount_usd)}*")
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
    return _message(text, blocks)


def _lifecycle_blocks(reply: RoutedReply, mentions: Mentions, personas: Sequence[Persona]) -> list[dict]:
    blocks: list[dict] = []
    status_line = f"Status: *{STATUS_LABELS.get(reply.status, reply.status)}*"
    if reply.status_by:
        status_line += f" by <@{reply.status_by}>"
    if reply.status_at:
        status_line += f" at <!date^{int(reply.status_at.timestamp())}^{{date_short_pretty}} {{time}}|{reply.status_at:%Y-%m-%d %H:%M} UTC>"
    if reply.repeat_count:
        status_line += f" · repeated {reply.repeat_count}×"
    blocks.append(context(status_line))
    if reply.status in CLOSED_STATUSES:
        return blocks
    value = reply.request_ref
    buttons: list[dict] = []
    if reply.status != "acknowledged":
        buttons.append(_button("Take it", ACTION_TAKE, value, style="primary"))
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
    buttons.append(_button("Not a FinOps request", ACTION_NOT_REQUEST, value))
    buttons.append(_button("Resolved", ACTION_RESOLVE, value))
    blocks.append({"type": "actions", "block_id": f"finops_request_{value}", "elements": buttons})
    return blocks


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def render_repeat_notice(first_permalink: str | None, repeat_count: int) -> dict:
    where = f"<{first_permalink}|the first alert's thread>" if first_permalink else "the first alert's thread"
    text = f":repeat: Same alert as before (repeat #{repeat_count}); follow up in {where}."
    return _message(text, [context(text)])


def render_nudge(accountable: Sequence[str], mentions: Mentions, waited: str) -> dict:
    who = " ".join(mentions.mention(p) for p in accountable) or "the FinOps team"
    text = f":alarm_clock: Nobody has taken this request in {waited}. {who}, can you find an owner?"
    return _message(text, [section(text)])


def render_reassign_notice(actor_user_id: str, new_owner_mention: str) -> dict:
    text = f":arrow_right_hook: <@{actor_user_id}> reassigned this to {new_owner_mention}. Can you take it?"
    return _message(text, [section(text)])


# --- /finops answers --------------------------------------------------------------------------

HELP_TITLE = "*/finops* — find who owns cloud cost work"


def render_help(entries: Sequence[tuple[str, str]], prefix: str = "") -> dict:
    """``entries``: (usage, summary) per subcommand, from the command registry."""
    lines = [HELP_TITLE, *(f"• `/finops {usage}` — {summary}" for usage, summary in entries)]
    text = (prefix + "\n\n" if prefix else "") + "\n".join(lines)
    return _message(text, [section(text)])


def render_not_in_any_persona() -> dict:
    text = (
        "You are not listed in any persona (as a person or through a user group), "
        "so nothing is yours yet. Try `/finops open`."
    )
    return _message(text, [section(text)])


ROLE_LABELS = {
    "responsible": "Responsible",
    "accountable": "Accountable",
    "consulted": "Consulted",
    "informed": "Informed",
}


def render_who_owns(query: str, answer, config: BotConfig, mentions: Mentions) -> dict:
    """``answer`` is a ``bot.routing.who_owns.WhoOwnsAnswer``."""
    topic = answer.topic
    if topic is None:
        names = [f"`{config.topic(t).name}`" for t in answer.suggestions if _has_topic(config, t)]
        text = f"I don't know a topic called “{quote(query, 80)}”."
        if names:
            text += " Did you mean " + ", ".join(names) + "?"
        return _message(text, [section(text)])
    lines = [f"*{topic.name}*" + (f" — {quote(topic.description, 300)}" if topic.description else "")]
    for role, label in ROLE_LABELS.items():
        persona_ids = getattr(topic.owners, role)
        if not persona_ids:
            continue
        shown = []
        for persona_id in persona_ids:
            reach = mentions.by_persona.get(persona_id)
            shown.append(f"{mentions.name(persona_id)}" + (f" ({reach})" if reach and role == "responsible" else ""))
        lines.append(f"*{label}:* " + ", ".join(shown))
    blocks = [section("\n".join(lines))]
    for persona_id in topic.owners.responsible[:3]:
        persona = _persona(config, persona_id)
        if persona and persona.responsibilities:
            blocks.append(context(f"{persona.name}: " + "; ".join(persona.responsibilities[:3])))
    text = f"{topic.name}: " + ", ".join(mentions.name(p) for p in answer.personas)
    return _message(text, blocks)


def _has_topic(config: BotConfig, topic_id: str) -> bool:
    return any(t.id == topic_id for t in config.routing.topics)


def _persona(config: BotConfig, persona_id: str) -> Persona | None:
    return next((p for p in config.personas.personas if p.id == persona_id), None)


def render_personas(config: BotConfig, mentions: Mentions) -> dict:
    lines = []
    for kind, title in (("core", "Core personas"), ("allied", "Allied personas")):
        members = [p for p in config.personas.personas if p.kind == kind]
        if not members:
            continue
        lines.append(f"*{title}*")
        for persona in members:
            reach = mentions.by_persona.get(persona.id, "")
            lines.append(f"• `{persona.id}` *{persona.name}* — {persona.summary} {reach}".rstrip())
    text = "\n".join(lines)
    return _message(text, _chunked_sections(lines))


def render_persona(persona: Persona, mentions: Mentions, owned_topics: Iterable[str]) -> dict:
    lines = [f"*{persona.name}* (`{persona.id}`, {persona.kind}) — {persona.summary}"]
    if persona.responsibilities:
        lines.append("*Responsibilities*")
        lines.extend(f"• {r}" for r in persona.responsibilities)
    targets = [t for t in (persona.slack.channel, persona.slack.usergroup) if t] + list(persona.slack.people)
    lines.append(
        "*Reach:* " + (mentions.by_persona.get(persona.id) or ", ".join(targets) or "no Slack target configured")
    )
    topics = list(owned_topics)
    if topics:
        lines.append("*Responsible for:* " + ", ".join(topics))
    if persona.duties:
        lines.append("*Duties*")
        for duty in persona.duties:
            tz = duty.timezone or persona.timezone or "default timezone"
            lines.append(f"• {duty.text} — `{duty.schedule}` ({tz})")
    return _message("\n".join(lines), _chunked_sections(lines))


def render_unknown_persona(query: str, suggestions: Sequence[str]) -> dict:
    text = f"No persona called “{quote(query, 60)}”."
    if suggestions:
        text += " Did you mean " + ", ".join(f"`{s}`" for s in suggestions) + "?"
    return _message(text, [section(text)])


def render_route_preview(text: str, decision, mentions: Mentions, topic_names: Mapping[str, str]) -> dict:
    """``decision`` is a ``bot.routing.router.Decision``."""
    if not decision.is_request:
        body = f"Not routed: {quote(decision.explanation, 500)}"
        return _message(body, [section(body)])
    lines = [
        "*Would tag:* " + ", ".join(f"{mentions.name(t.persona)} ({t.role})" for t in decision.tags),
        "*Topics:* " + (", ".join(topic_names.get(t, t) for t in decision.topics) or "none (fallback owner)"),
    ]
    if decision.matched_terms:
        lines.append("*Matched:* " + ", ".join(f"`{quote(t, 40)}`" for t in decision.matched_terms[:10]))
    if decision.amount_usd is not None:
        lines.append(f"*Amount:* {format_usd(decision.amount_usd)}")
    lines.append(f"*Confidence:* {decision.confidence:.2f}")
    lines.append(f"*Why:* {quote(decision.explanation, 500)}")
    return _message("\n".join(lines), [section("\n".join(lines))])


@dataclass(frozen=True)
class OpenRequestLine:
    request_id: int
    request_ref: str
    link: str
    topic_name: str
    persona_name: str
    status: str
    opened_at: dt.datetime
    amount_usd: float | None
    excerpt: str


def render_open_requests(title: str, lines: Sequence[OpenRequestLine], total: int | None = None) -> dict:
    if not lines:
        text = f"{title}: nothing open. :tada:"
        return _message(text, [section(text)])
    rows = [f"*{title}* ({total if total is not None else len(lines)}, oldest first)"]
    for line in lines:
        amount = f" · {format_usd(line.amount_usd)}" if line.amount_usd is not None else ""
        rows.append(
            f"• <{line.link}|#{line.request_id}> {line.topic_name} → {line.persona_name}"
            f" · {STATUS_LABELS.get(line.status, line.status)} since {line.opened_at:%Y-%m-%d}{amount}"
            f" — {quote(line.excerpt, 120)}"
        )
    return _message("\n".join(rows), _chunked_sections(rows))


def _chunked_sections(lines: Sequence[str]) -> list[dict]:
    """Pack lines into as few sections as Slack's 3,000-character limit allows."""
    blocks: list[dict] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if current and size + len(line) + 1 > MAX_SECTION_TEXT:
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        blocks.append(section("\n".join(current)))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [context(f"…and {len(blocks) - MAX_BLOCKS + 1} more sections")]
    return blocks


def render_home(config: BotConfig, mentions: Mentions, my_requests: Sequence[OpenRequestLine]) -> dict:
    """The App Home tab: the persona directory and the caller's open requests."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "FinOps personas"}}]
    directory = render_personas(config, mentions)["blocks"]
    blocks.extend(directory)
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Your open requests"}})
    if not my_requests:
        blocks.append(section("Nothing open for your personas. :tada:"))
    for line in my_requests[:15]:
        blocks.append(
            section(
                f"<{line.link}|#{line.request_id}> *{line.topic_name}* · {STATUS_LABELS.get(line.status, line.status)}"
                f" since {line.opened_at:%Y-%m-%d} — {quote(line.excerpt, 200)}"
            )
        )
        value = line.request_ref
        elements = []
        if line.status != "acknowledged":
            elements.append(_button("Take it", ACTION_TAKE, value, style="primary"))
        elements.append(_button("Resolved", ACTION_RESOLVE, value))
        blocks.append({"type": "actions", "block_id": f"finops_home_{value}", "elements": elements})
    return {"type": "home", "blocks": blocks[:100]}

"""Answers to `/finops` subcommands: help, who-owns, personas, route previews, open-request lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.config.models import BotConfig, Duty, Persona
from bot.render.blocks import MAX_BLOCKS, MAX_SECTION_TEXT, clip, config_mrkdwn, context, escape, section
from bot.render.replies import amount_shown
from bot.render.text import (
    STATUS_LABELS,
    Mentions,
    format_usd,
    message,
    quote,
    tags_with_team,
    team_mention_key,
)

# --- /finops answers --------------------------------------------------------------------------

HELP_TITLE = "*/finops* — find who owns cloud cost work"
PUBLIC_HINT = "--public"  # the flag bot.services.commands reads


def render_help(entries: Sequence[tuple[str, str]], prefix: str = "") -> dict:
    """``entries``: (usage, summary) per subcommand, from the command registry.

    Escaped because Slack reads ``<id>`` as a link, even inside backticks, and shows nothing of it.
    """
    lines = [HELP_TITLE, *(f"• `/finops {escape(usage)}` — {escape(summary)}" for usage, summary in entries)]
    # Worded for both ways it is shown: `/finops help --public` posts it in the channel.
    lines.append(
        f"Answers are shown only to whoever asks; a command ending with `{PUBLIC_HINT}` is posted in the channel."
    )
    text = (prefix + "\n\n" if prefix else "") + "\n".join(lines)
    return message(text, [section(text)])


def render_not_in_any_persona() -> dict:
    text = (
        "You are not listed in any persona (as a person or through a user group), "
        "so nothing is yours yet. Try `/finops open`."
    )
    return message(text, [section(text)])


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
            text += f" Did you mean “{quote(answer.near or '', 80)}” (" + ", ".join(names) + ")?"
        else:  # who would get it, which is what the asker wants to know
            fallback = config.routing.fallback_persona
            text += f" A message about it would go to the fallback owner, {mentions.name(fallback)}."
        return message(text, [section(text)])
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
    # Each responsible persona's duties about this topic, when any names it.
    about = dict(getattr(answer, "duties", ()))
    for persona_id in topic.owners.responsible[:3]:
        persona = _persona(config, persona_id)
        shown_duties: tuple[str, ...] = about.get(persona_id) or ()
        if persona and shown_duties:
            blocks.append(context(f"{persona.name}: " + "; ".join(shown_duties)))
    text = f"{topic.name}: " + ", ".join(mentions.name(p) for p in answer.personas)
    return message(text, blocks)


def render_scope_owner(answer, mentions: Mentions) -> dict:
    """``answer`` is a ``bot.routing.owners.ScopeAnswer``: the team owning an account, project…"""
    scope = quote(answer.query.label, 120)
    if answer.match is None:
        # The query's value and owners.yaml's names are quoted back: escaped, no broadcasts.
        text = "\n".join(quote(line, 400) for line in answer.unowned_lines())
        return message(text, [section(text)])
    team = answer.match.team
    key = team_mention_key(team.id)
    reach = mentions.by_persona.get(key)
    lines = [f"*{scope}* → *{quote(team.name or team.id, 80)}*" + (f" ({reach})" if reach else "")]
    if answer.match.scope != answer.query.label:
        lines.append(f"Matched: {quote(answer.match.scope, 160)}")
    if team.personas:
        lines.append(
            f"For {', '.join(mentions.name(p) for p in team.personas)} topics; others go to the persona's channel."
        )
    text = f"{answer.query.label}: {team.name or team.id}"
    return message(text, [section("\n".join(lines))])


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
    return message(text, _chunked_sections(lines))


def duty_when(duty: Duty) -> str:
    """When a duty is posted, readably: ``cron `0 10 * * MON` `` or ``business day 3 of every month at 09:00``."""
    rule = duty.finance_date
    if rule is None:
        return f"cron `{duty.schedule}`"
    return f"{rule.describe()} at {duty.time_of_day:%H:%M}"


def render_persona(
    persona: Persona, mentions: Mentions, owned_topics: Iterable[str], default_timezone: str = "UTC"
) -> dict:
    """``default_timezone``: routing.yaml's ``timezone``, for duties and personas that name none."""
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
            tz = duty.timezone or persona.timezone or default_timezone
            # One bullet per duty: a multi-line reminder on one line, and no broadcast when posted --public.
            text = " ".join(config_mrkdwn(duty.text).split())
            lines.append(f"• {text} — {duty_when(duty)} ({tz})")
    return message("\n".join(lines), _chunked_sections(lines))


def render_unknown_persona(query: str, suggestions: Sequence[str]) -> dict:
    text = f"No persona called “{quote(query, 60)}”."
    if suggestions:
        text += " Did you mean " + ", ".join(f"`{s}`" for s in suggestions) + "?"
    return message(text, [section(text)])


def render_route_preview(text: str, decision, mentions: Mentions, topic_names: Mapping[str, str]) -> dict:
    """``decision`` is a ``bot.routing.router.Decision``."""
    if not decision.is_request:
        body = f"Not routed: {quote(decision.explanation, 500)}"
        return message(body, [section(body)])
    tagged = [f"{mentions.name(t.persona)} ({t.role})" for t in decision.tags]
    consulted = tuple(decision.consulted)
    team_key = team_mention_key(decision.team.team_id) if decision.team is not None else None
    if team_key is not None and mentions.is_resolved(team_key):
        # As the reply does (``replies.render_routed_reply``): the team in the responsible personas'
        # place, and they consulted.
        escalated, consulted = tags_with_team(decision.tags, consulted)
        tagged = [f"{mentions.name(team_key)} (owning team, {quote(decision.team.scope, 120)})"] + [
            f"{mentions.name(t.persona)} ({t.role})" for t in escalated
        ]
    lines = [
        "*Would tag:* " + ", ".join(tagged),
        "*Topics:* " + (", ".join(topic_names.get(t, t) for t in decision.topics) or "none (fallback owner)"),
    ]
    if consulted:
        lines.append("*Consulted:* " + ", ".join(mentions.name(p) for p in consulted))
    if decision.matched_terms:
        lines.append("*Matched:* " + ", ".join(f"`{quote(t, 40)}`" for t in decision.matched_terms[:10]))
    if decision.amount_usd is not None:
        lines.append(f"*Amount:* {format_usd(decision.amount_usd)}")
    lines.append(f"*Confidence:* {decision.confidence:.2f}")
    lines.append(f"*Why:* {quote(decision.explanation, 500)}")
    return message("\n".join(lines), [section("\n".join(lines))])


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
    team_name: str | None = None  # the owning team, when owners.yaml names one
    status_at: dt.datetime | None = None  # when it was taken or reassigned; None: when it was opened
    amount_stated: str | None = None  # as the message stated it ("€45,000", "$64/hour")


def status_since(line: OpenRequestLine) -> str:
    """``Open since 2026-11-28``; ``Taken since 2026-11-30 (opened 2026-11-28)``: each status dated
    from when it began, and the opening day kept when it differs (the list is oldest opened first)."""
    since = line.status_at if line.status_at and line.status != "open" else line.opened_at
    text = f"{STATUS_LABELS.get(line.status, line.status)} since {since:%Y-%m-%d}"
    return text if since.date() == line.opened_at.date() else f"{text} (opened {line.opened_at:%Y-%m-%d})"


def render_open_requests(title: str, lines: Sequence[OpenRequestLine], total: int | None = None) -> dict:
    if not lines:
        text = f"{title}: nothing open. :tada:"
        return message(text, [section(text)])
    shown = len(lines)
    count = f"the oldest {shown} of {total}" if total is not None and total > shown else f"{shown}, oldest first"
    rows = [f"*{title}* ({count})"]
    for line in lines:
        figure = amount_shown(line.amount_stated, line.amount_usd)
        amount = f" · {figure[0]}{figure[1]}" if figure is not None else ""
        owner = f"{line.team_name} ({line.persona_name})" if line.team_name else line.persona_name
        rows.append(
            f"• <{line.link}|#{line.request_id}> {line.topic_name} → {owner}"
            f" · {status_since(line)}{amount}"
            f" — {quote(line.excerpt, 120)}"
        )
    return message("\n".join(rows), _chunked_sections(rows))


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

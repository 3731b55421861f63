"""The weekly digest as a Slack message: Block Kit within Slack's limits plus a plain-text fallback.

Rendering only: the numbers come in a ``DigestData`` (``DigestQueries.digest_data``),
so this module is tested with plain values. Everything a user typed (excerpts)
is escaped; config names are escaped too, since they end up in mrkdwn.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.domain.digest import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.domain.slack_errors import FIXES, Refusal
from bot.render.blocks import (
    ELLIPSIS,
    MAX_BLOCKS,
    Block,
    context,
    divider,
    escape,
    format_amount,
    header,
    humanise_age,
    humanise_duration,
    join_lines_within,
    link,
    message_link,
    section,
)
from bot.render.text import counted

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
ZERO_DAY = "·"
DAY_INITIALS = ("M", "T", "W", "T", "F", "S", "S")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ITEMS_PER_LIST = 3
EXCERPT_CHARS = 70
LISTED_FALLBACK = 5
LISTED_REASSIGNMENT_PATTERNS = 5
# Beyond this much block text the digest stops being readable at a glance.
TEXT_BUDGET = 24_000
FALLBACK_TEXT_LIMIT = 3000
SUGGEST_COMMAND = "finops-bot suggest-routing"


def render_digest(
    data: DigestData,
    persona_names: Mapping[str, str],
    topic_names: Mapping[str, str],
    week_label: str,
    *,
    audience: str | None = None,
    as_of: dt.datetime | None = None,
) -> dict:
    """``{"text": plain fallback, "blocks": [...]}`` for one week. ``audience`` names a persona digest.

    Open requests' ages are told as of ``as_of`` (the week's end when not given): a digest of a week
    still under way is composed before its end.
    """
    title = f"FinOps weekly digest — {week_label}"
    if audience:
        title = f"FinOps weekly digest for {persona_names.get(audience, audience)} — {week_label}"
    names = _Names(persona_names, topic_names)
    if _is_empty(data):
        return _empty_digest(data, title)

    blocks: list[Block] = [header(title), section(_summary(data) + "\n" + _week_visual(data))]
    tail = _tail_blocks(data, names)
    reserved = len(tail) + 2  # a divider before the personas, an overflow note after
    budget = TEXT_BUDGET - sum(_text_size(b) for b in blocks + tail)
    persona_blocks: list[Block] = []
    shown = 0
    for week in data.personas:
        candidate = section(_persona_text(week, names, min(as_of or data.week_end, data.week_end)))
        size = _text_size(candidate)
        if len(blocks) + len(persona_blocks) + 1 + reserved > MAX_BLOCKS or size > budget:
            break
        persona_blocks.append(candidate)
        budget -= size
        shown += 1
    if persona_blocks:
        blocks.append(divider())
        blocks.extend(persona_blocks)
    hidden = data.personas[shown:]
    if hidden:
        hidden_routed = sum(w.routed for w in hidden)
        blocks.append(
            context(
                f"{ELLIPSIS}and {counted(len(hidden), 'more persona')} ({counted(hidden_routed, 'request')} routed)"
            )
        )
    blocks.extend(tail)
    return {"text": _fallback_text(data, names, title), "blocks": blocks[:MAX_BLOCKS]}


def digest_for_persona(data: DigestData, persona: str, fallback_persona: str) -> DigestData:
    """The part of a week that concerns one persona (the week's shape stays global)."""
    mine = tuple(w for w in data.personas if w.persona == persona)
    return replace(
        data,
        total_routed=sum(w.routed for w in mine),
        previous_total_routed=sum(w.previous_routed for w in mine),
        personas=mine,
        fallback=data.fallback if persona == fallback_persona else (),
        reassignments=tuple(r for r in data.reassignments if persona in (r.from_persona, r.to_persona)),
    )


# --- pieces -------------------------------------------------------------------------------


class _Names:
    def __init__(self, personas: Mapping[str, str], topics: Mapping[str, str]) -> None:
        self._personas = personas
        self._topics = topics

    def persona(self, persona_id: str | None) -> str:
        if persona_id is None:
            return "nobody"
        return escape(self._personas.get(persona_id, persona_id))

    def topic(self, topic_id: str | None) -> str:
        if topic_id is None:
            return "untopical"
        return escape(self._topics.get(topic_id, topic_id))


def _is_empty(data: DigestData) -> bool:
    return data.total_routed == 0 and not data.personas and not data.fallback and not data.reassignments


def _empty_digest(data: DigestData, title: str) -> dict:
    message = "No FinOps requests were routed this week."
    blocks = [header(title), section(f":sunny: {message}")]
    if data.previous_total_routed:
        blocks.append(context(f"The week before: {data.previous_total_routed} routed."))
    return {"text": f"{title}: {message}", "blocks": blocks}


def change(current: int, previous: int) -> str:
    """▲/▼ percentage against the previous week, for a glance."""
    if previous == 0:
        return "new this week" if current else "no change"
    delta = (current - previous) / previous * 100
    if round(delta) == 0:
        return "no change"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {abs(delta):.0f}%"


def sparkline(counts: Sequence[int]) -> str:
    top = max(counts, default=0)
    if top <= 0:
        return " ".join(ZERO_DAY for _ in counts)
    marks = []
    for count in counts:
        if count <= 0:
            marks.append(ZERO_DAY)
        else:
            level = round((count / top) * (len(SPARK_LEVELS) - 1))
            marks.append(SPARK_LEVELS[max(0, min(level, len(SPARK_LEVELS) - 1))])
    return " ".join(marks)


def _day_labels(week_start: dt.datetime, days: int) -> list[int]:
    first = week_start.weekday()
    return [(first + offset) % 7 for offset in range(days)]


def _summary(data: DigestData) -> str:
    plural = "request" if data.total_routed == 1 else "requests"
    if data.previous_total_routed == 0:
        # Not "(new this week vs the week before)": there is nothing to compare with.
        return f"*{data.total_routed}* FinOps {plural} routed (none the week before)"
    return (
        f"*{data.total_routed}* FinOps {plural} routed "
        f"({change(data.total_routed, data.previous_total_routed)} vs the week before)"
    )


def _week_visual(data: DigestData) -> str:
    counts = list(data.daily_routed[:7])
    if not counts:
        return ""
    weekdays = _day_labels(data.week_start, len(counts))
    initials = " ".join(DAY_INITIALS[d] for d in weekdays)
    busiest = max(range(len(counts)), key=lambda i: counts[i])
    note = f"busiest: {DAY_NAMES[weekdays[busiest]]} ({counts[busiest]})" if counts[busiest] else ""
    return f"`{sparkline(counts)}`  {note}\n`{initials}`"


def _persona_text(week: PersonaWeek, names: _Names, as_of: dt.datetime) -> str:
    headline = (
        f"*{names.persona(week.persona)}* · {week.routed} routed ({change(week.routed, week.previous_routed)})"
        f" · {week.acknowledged} acknowledged · {week.resolved} resolved"
        f" · *{week.still_open} still open* (taken or not)"
    )
    if week.median_ack_seconds is not None:
        headline += f" · median time to acknowledge {humanise_duration(week.median_ack_seconds)}"
    lines = [headline]
    if week.top_topics:
        topics = ", ".join(f"{names.topic(t)} ({n})" for t, n in week.top_topics[:ITEMS_PER_LIST])
        lines.append(f"Top topics: {topics}")
    largest = [r for r in week.largest_amounts if r.amount_usd is not None][:ITEMS_PER_LIST]
    if largest:
        lines.append("Largest: " + " · ".join(f"{format_amount(r.amount_usd or 0)} {_ref_link(r)}" for r in largest))
    if week.oldest_open:
        oldest = " · ".join(
            f"{_ref_link(r)} ({humanise_age(r.opened_at, as_of)})" for r in week.oldest_open[:ITEMS_PER_LIST]
        )
        more = week.still_open - min(len(week.oldest_open), ITEMS_PER_LIST)
        lines.append(f"Oldest open: {oldest}" + (f" {ELLIPSIS}and {more} more" if more > 0 else ""))
    return "\n".join(lines)


def _ref_link(ref: RequestRef) -> str:
    shown = link(message_link(ref), ref.excerpt, EXCERPT_CHARS)
    return f"{shown} (team {escape(ref.team)})" if ref.team else shown


def _tail_blocks(data: DigestData, names: _Names) -> list[Block]:
    blocks: list[Block] = []
    if data.fallback:
        lines = [f"• {_ref_link(r)}" for r in data.fallback[:LISTED_FALLBACK]]
        if len(data.fallback) > LISTED_FALLBACK:
            lines.append(f"{ELLIPSIS}and {len(data.fallback) - LISTED_FALLBACK} more")
        body = "\n".join(lines)
        blocks.append(divider())
        blocks.append(section(f"*Went to the fallback owner ({len(data.fallback)})*, matching no topic:\n{body}"))
    if data.reassignments:
        blocks.append(divider())
        blocks.append(section(_reassignment_text(data.reassignments, names)))
    return blocks


def reassignment_patterns(
    reassignments: Sequence[Reassignment],
) -> list[tuple[tuple[str | None, str | None, str | None], int]]:
    """(topic, from, to) moves, most frequent first."""
    counts = Counter((r.topic, r.from_persona, r.to_persona) for r in reassignments)
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _reassignment_text(reassignments: Sequence[Reassignment], names: _Names) -> str:
    patterns = reassignment_patterns(reassignments)
    lines = []
    for (topic, source, target), count in patterns[:LISTED_REASSIGNMENT_PATTERNS]:
        noun = "request" if count == 1 else "requests"
        topic_part = f"{names.topic(topic)} {noun}" if topic else noun
        if target is None:
            lines.append(f"• {count} {topic_part} from {names.persona(source)} marked not a FinOps request")
        else:
            lines.append(f"• {count} {topic_part} moved {names.persona(source)} → {names.persona(target)}")
    if len(patterns) > LISTED_REASSIGNMENT_PATTERNS:
        lines.append(f"{ELLIPSIS}and {len(patterns) - LISTED_REASSIGNMENT_PATTERNS} more patterns")
    text = f"*Reassignments ({len(reassignments)})*\n" + join_lines_within(lines, 2600)
    if patterns and patterns[0][1] >= 2:
        text += f"\nRepeated moves suggest a routing change: consider `{SUGGEST_COMMAND}`."
    return text


def _fallback_text(data: DigestData, names: _Names, title: str) -> str:
    lines = [f"{title}: {data.total_routed} routed ({change(data.total_routed, data.previous_total_routed)})."]
    for week in data.personas:
        lines.append(
            f"{names.persona(week.persona)}: {week.routed} routed, {week.still_open} still open (taken or not)."
        )
    if data.fallback:
        lines.append(f"{len(data.fallback)} went to the fallback owner.")
    if data.reassignments:
        lines.append(f"{len(data.reassignments)} reassigned.")
    return join_lines_within(lines, FALLBACK_TEXT_LIMIT, "more lines")


def _text_size(block: Block) -> int:
    size = 0
    text = block.get("text")
    if isinstance(text, dict):
        size += len(text.get("text", ""))
    for element in [*block.get("elements", ()), *block.get("fields", ())]:
        size += len(element.get("text", ""))
    return size


def refusals_footer(refusals: Sequence[Refusal]) -> Block | None:
    """A context line for the operators: posts Slack refused for good this week, and what to do."""
    if not refusals:
        return None
    total = sum(r.count for r in refusals)
    parts = [
        f"`{r.error}`" + (f" in <#{r.channel}>" if r.channel else "") + (f" ({r.count})" if r.count > 1 else "")
        for r in refusals[:5]
    ]
    more = f" and {len(refusals) - 5} more" if len(refusals) > 5 else ""
    fixes = sorted({FIXES[r.error] for r in refusals if r.error in FIXES})
    advice = f" To fix: {'; '.join(fixes)}." if fixes else ""
    return context(
        f":warning: Slack refused {total} post{'s' if total != 1 else ''} this week: {', '.join(parts)}{more}."
        f"{advice} Then `finops-bot deliveries retry --all-failed`."
    )

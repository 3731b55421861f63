"""Small Block Kit helpers shared by every message the bot renders (plain dicts, no Slack import).

Slack rejects a message that breaks a limit, so every builder here enforces
them: 50 blocks, 3000 characters of section text, 150 of header text, 10
fields of 2000 characters.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
ELLIPSIS = "…"

Block = dict[str, Any]


# Bidirectional embeddings, overrides and isolates: quoted back, one could make a line read backwards
# (a right-to-left override in an excerpt reorders the list around it, spoofing what it says).
_BIDI_CONTROLS = dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup in user text, flatten newlines, drop bidi controls."""
    flat = " ".join((text if text.isascii() else text.translate(_BIDI_CONTROLS)).split())
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# The Slack markup a config text may carry: links (<https://…|label>, <mailto:…>), channels, people,
# user groups and dates. A broadcast (<!channel>, <!here>, <!everyone>) is not among them.
_CONFIG_MARKUP = re.compile(
    r"<(?:(?:https?://|mailto:)[^<>|\s]+|#[CG][A-Z0-9]+|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+|!date\^[^<>|]+)(?:\|[^<>]*)?>"
)


def config_mrkdwn(text: str) -> str:
    """Text the config gives in Slack mrkdwn (a duty's reminder): its lines, links and mentions kept,
    any other ``& < >`` escaped, so a stray ``<`` or ``<!channel>`` shows as written and pings nobody."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept = "\n".join(lines)
    parts: list[str] = []
    start = 0
    for markup in _CONFIG_MARKUP.finditer(kept):
        parts.append(_escape_chars(kept[start : markup.start()]))
        parts.append(markup.group(0))
        start = markup.end()
    parts.append(_escape_chars(kept[start:]))
    return "".join(parts)


def _escape_chars(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def clip_escaped(text: str, limit: int) -> str:
    """Escape then clip without cutting an entity such as ``&amp;`` in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: max(0, limit - 1)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_TEXT), "emoji": True}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}}


def fields_section(fields: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(f, MAX_FIELD_TEXT)} for f in fields[:MAX_FIELDS]],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(t, MAX_SECTION_TEXT)} for t in texts[:MAX_CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    return {"type": "divider"}


def join_lines_within(lines: list[str], limit: int, more_label: str = "more") -> str:
    """As many whole lines as fit in ``limit``, then "…and N more"."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        remaining_after = len(lines) - index - 1
        tail = f"\n{ELLIPSIS}and {remaining_after} {more_label}" if remaining_after else ""
        cost = len(line) + (1 if kept else 0)
        if used + cost + len(tail) > limit:
            dropped = len(lines) - index
            kept.append(f"{ELLIPSIS}and {dropped} {more_label}")
            return "\n".join(kept)
        kept.append(line)
        used += cost
    return "\n".join(kept)


class Linkable(Protocol):
    # Read-only members, so frozen dataclasses (RequestRef, RequestView) qualify.
    @property
    def channel_id(self) -> str: ...

    @property
    def message_ts(self) -> str: ...


def message_link(ref: Linkable) -> str:
    """The request's permalink, else the archive URL Slack derives from channel and ts (for a
    receiver's alert, its post's, once known)."""
    permalink = getattr(ref, "permalink", None)
    if permalink:
        return permalink
    return thread_link(ref.channel_id, ref.message_ts, getattr(ref, "reply_ts", None))


def archive_link(channel_id: str, message_ts: str) -> str:
    """The URL Slack derives from a channel and a message ts (redirects to the workspace)."""
    if not message_ts or message_ts.startswith(ALERT_TS_PREFIX):
        # A receiver's post whose ts is not known here (not sent yet): the channel, not ".../p".
        return f"https://slack.com/archives/{channel_id}"
    return f"https://slack.com/archives/{channel_id}/p{message_ts.replace('.', '')}"


# A request posted by an alert receiver is keyed by a synthetic ts with this
# prefix (Slack gives the post its ts only later); the post is its reply.
ALERT_TS_PREFIX = "alert."


def posted_ts(message_ts: str, reply_ts: str | None) -> str | None:
    """The Slack ts of a request's message: for a receiver's alert, its post (None until sent)."""
    return reply_ts if message_ts.startswith(ALERT_TS_PREFIX) else message_ts


def thread_link(channel_id: str, message_ts: str, reply_ts: str | None) -> str:
    return archive_link(channel_id, posted_ts(message_ts, reply_ts) or message_ts)


def link(url: str, label: str, limit: int = 80) -> str:
    label = clip_escaped(label, limit).replace("|", "¦") or "message"
    return f"<{url}|{label}>"


def humanise_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return "<1m"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def humanise_age(opened_at: dt.datetime, now: dt.datetime) -> str:
    return humanise_duration((now - opened_at).total_seconds())


def format_amount(amount_usd: float) -> str:
    if amount_usd >= 1_000_000:
        return f"${amount_usd / 1_000_000:,.1f}M"
    if amount_usd >= 10_000:
        return f"${amount_usd / 1000:,.0f}k"
    return f"${amount_usd:,.0f}"

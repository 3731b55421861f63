"""Silences as Slack messages: the list, a confirmation, the quiet reply, the digest's muted lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot.domain.silences import MutedCount, Silence
from bot.render.blocks import Block, clip_escaped, context, header, section

ACTION_MUTE_SIMILAR = "finops_mute_similar"
MUTE_CHOICES = (("1 day", "1d"), ("7 days", "7d"), ("30 days", "30d"))


def when(moment: dt.datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{plain_time(moment)}>"


def plain_time(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _who(actor: str | None) -> str:
    if not actor:
        return "someone"
    return f"<@{actor}>" if actor[:1] in "UW" and actor.isalnum() else clip_escaped(actor, 64)


def silence_state(
    silence: Silence,
    now: dt.datetime,
    moment: Callable[[dt.datetime], str] = when,
    actor: Callable[[str | None], str] = _who,
) -> str:
    """Where a silence stands: ``until …``, ``ended …`` or ``ended early … by …``; ``moment`` and ``actor``
    lay out a time and a person (Slack markup by default; the CLI passes plain text)."""
    if silence.expired_at is not None:
        return f"ended early {moment(silence.expired_at)} by {actor(silence.expired_by)}"
    if silence.expires_at <= now:
        return f"ended {moment(silence.expires_at)}"
    return f"until {moment(silence.expires_at)}"


def silence_line(silence: Silence, now: dt.datetime) -> str:
    state = silence_state(silence, now)
    reason = f" — “{clip_escaped(silence.reason, 200)}”" if silence.reason else ""
    return (
        f"*#{silence.id}* `{clip_escaped(silence.label, 200)}` {state}, set by {_who(silence.created_by)}{reason}"
        f" · {silence.muted} muted"
    )


def render_silences(silences: Sequence[Silence], now: dt.datetime, title: str = "Silences") -> dict:
    if not silences:
        return {
            "text": "No silences in force.",
            "blocks": [section("No silences in force. `/finops mute …` sets one.")],
        }
    lines = [silence_line(s, now) for s in silences[:40]]
    blocks: list[Block] = [header(title)]
    for start in range(0, len(lines), 10):
        blocks.append(section("\n".join(lines[start : start + 10])))
    return {"text": f"{title}: {len(silences)}", "blocks": blocks}


def render_muted(silence: Silence, now: dt.datetime) -> dict:
    text = f":mute: Silence {silence_line(silence, now)}"
    return {"text": f"Silence #{silence.id} set: {silence.label}", "blocks": [section(text)]}


def render_mute_refused(problem: str) -> dict:
    """Why `/finops mute` set nothing. Escaped: the usage's ``<duration>`` and the user's own words
    would otherwise be read as Slack links and mentions."""
    text = clip_escaped(problem, 2000)
    return {"text": text, "blocks": [section(f":warning: {text}")]}


def render_quiet_reply(silence: Silence) -> dict:
    """The reply to a muted Slack message: recorded, nobody tagged."""
    reason = f": “{clip_escaped(silence.reason, 200)}”" if silence.reason else ""
    text = (
        f":mute: Recorded without tagging anyone: silence #{silence.id} `{clip_escaped(silence.label, 200)}` "
        f"(set by {_who(silence.created_by)}{reason}) until {when(silence.expires_at)}."
    )
    return {"text": "Muted by a silence: recorded, nobody tagged.", "blocks": [context(text)]}


def mute_similar_select(request_ref: str) -> dict:
    return {
        "type": "static_select",
        "action_id": ACTION_MUTE_SIMILAR,
        "placeholder": {"type": "plain_text", "text": "Mute similar for…"},
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{request_ref}|{value}"}
            for label, value in MUTE_CHOICES
        ],
    }


def muted_digest_lines(counts: Sequence[MutedCount]) -> list[Block]:
    if not counts:
        return []
    total = sum(c.muted for c in counts)
    lines = [
        f"• #{c.silence_id} `{clip_escaped(c.label, 120)}`: *{c.muted}* muted"
        + (f" — “{clip_escaped(c.reason, 120)}”" if c.reason else "")
        + f" (by {_who(c.created_by)})"
        for c in counts[:10]
    ]
    return [section(f":mute: *Muted this week:* {total} alert{'s' if total != 1 else ''}\n" + "\n".join(lines))]

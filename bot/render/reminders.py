"""Duty and calendar reminders as Slack messages (``{"text", "blocks"}``, no channel).

Mentions arrive already resolved (``<!subteam^S123>``, ``<@U123>``): turning
names into Slack ids is the Slack layer's job, so this module stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from bot.render.blocks import (
    ELLIPSIS,
    Block,
    clip,
    config_mrkdwn,
    context,
    escape,
    format_amount,
    header,
    humanise_age,
    link,
    message_link,
    section,
)
from bot.render.text import counted
from bot.scheduling.business_days import is_business_day
from bot.scheduling.schedules import CalendarStep

LISTED_OPEN_REQUESTS = 10
EXCERPT_CHARS = 90


class OpenRequest(Protocol):
    """What a reminder shows of an open request (``RequestRef`` fits; so should the store's view)."""

    # Read-only, so frozen dataclasses qualify.
    @property
    def channel_id(self) -> str: ...

    @property
    def message_ts(self) -> str: ...

    @property
    def opened_at(self) -> dt.datetime: ...

    @property
    def excerpt(self) -> str: ...


def render_duty_reminder(
    persona_name: str,
    duty_text: str,
    mentions: Sequence[str],
    open_requests: Sequence[OpenRequest],
    now: dt.datetime,
    *,
    total_open: int | None = None,
) -> dict:
    """The duty's text, the persona's mentions, and its open requests (oldest first)."""
    who = " ".join(mentions)
    text_line = config_mrkdwn(duty_text)  # the duty's text is Slack mrkdwn (docs/configuration.md)
    lead = f"{who} {text_line}".strip()
    blocks: list[Block] = [section(f":alarm_clock: *{escape(persona_name)}*: {lead}")]
    total = len(open_requests) if total_open is None else max(total_open, len(open_requests))
    if open_requests:
        ordered = sorted(open_requests, key=lambda r: r.opened_at)
        lines = [_request_line(r, now) for r in ordered[:LISTED_OPEN_REQUESTS]]
        if total > len(lines):
            lines.append(f"{ELLIPSIS}and {total - len(lines)} more")
        noun = "request" if total == 1 else "requests"
        blocks.append(section(f"*{total} open {noun}*, oldest first:\n" + "\n".join(lines)))
    else:
        blocks.append(context("No open requests. :white_check_mark:"))
    plain = f"{escape(persona_name)}: {text_line}"
    if total:
        plain += f" ({total} open)"
    return {"text": clip(f"{who} {plain}".strip(), 3000), "blocks": blocks}


def _request_line(request: OpenRequest, now: dt.datetime) -> str:
    line = (
        f"• {link(message_link(request), request.excerpt, EXCERPT_CHARS)} (open {humanise_age(request.opened_at, now)})"
    )
    amount = getattr(request, "amount_usd", None)
    if amount:
        line += f" · {format_amount(amount)}"
    return line


def render_calendar_reminder(step: CalendarStep, mentions: Sequence[str], today: dt.date) -> dict:
    """What is due, when, and how far ahead; the last step says so."""
    days_left = (step.due_date - today).days
    when = step.due_date.strftime("%a %d %b %Y")
    if days_left > 0:
        distance = f"in {days_left} day{'s' if days_left != 1 else ''}"
        business = _business_days_between(today, step.due_date)
        if business != days_left:
            distance += f" ({business} business day{'s' if business != 1 else ''})"
    elif days_left == 0:
        distance = "today"
    else:
        distance = f"{counted(-days_left, 'day')} ago"
    name = escape(step.name)
    title = f"{step.name}: due {when}"
    lines = [f"{' '.join(mentions)} *{name}* is due *{when}*, {distance}.".strip()]
    if step.note:
        lines.append(escape(step.note))
    if step.is_last_step:
        lines.append("This is the last reminder before the date.")
    blocks: list[Block] = [
        header(f":calendar: {title}"),
        section("\n".join(lines)),
        context(f"FinOps calendar · `{escape(step.entry_id)}` · reminder {counted(step.lead_days, 'day')} ahead"),
    ]
    plain = f"{' '.join(mentions)} {escape(step.name)} is due {when}, {distance}.".strip()
    return {"text": plain, "blocks": blocks}


def _business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after ``start`` up to and including ``end``."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_business_day(day)
    return count

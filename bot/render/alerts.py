"""An alert received straight from a provider, posted as a new message: what came in, then the routing."""

from __future__ import annotations

import re

from bot.domain.alerts import Alert
from bot.render.blocks import ALERT_TS_PREFIX, Block, clip, clip_escaped, context, header, section
from bot.render.silences import mute_similar_select
from bot.render.text import message
from bot.routing.money import Money

__all__ = ["ALERT_TS_PREFIX", "alert_blocks", "resolved_note", "stored_alert_blocks", "with_alert"]
SOURCE_LABELS = {
    "aws-cost-anomaly": "AWS Cost Anomaly Detection",
    "aws-budgets": "AWS Budgets",
    "aws-sns": "AWS SNS",
    "aws-cloudwatch": "Amazon CloudWatch alarm",
    "gcp-budget": "Google Cloud budget",
    "azure-budget": "Azure budget",
    "azure-cost-anomaly": "Azure cost anomaly",
    "azure-monitor": "Azure Monitor",
}


# A link Slack can show as <url|label>: http(s), none of the characters that end or split it.
_WEB_LINK = re.compile(r"https?://[^\s<>|]+")


def alert_blocks(alert: Alert) -> list[Block]:
    lines = [clip_escaped(alert.text, 2500)]
    facts = []
    if alert.amount is not None:
        facts.append(f"Amount: *{stated_amount(alert.amount, alert.currency)}*")
    # The scope and the link come from the sender's payload: quoted like any user text.
    facts.extend(f"{name.replace('_', ' ').capitalize()}: `{_code(value)}`" for name, value in alert.scope.items())
    if alert.link and _WEB_LINK.fullmatch(alert.link):
        facts.append(f"<{alert.link}|Open in the console>")
    blocks = [header(clip(alert.title, 150)), section("\n".join(lines))]
    if facts:
        # One line, every fact after a "·": separate context elements would run into each other.
        blocks.append(context(" · ".join(facts[:30])))
    blocks.append(context(f"From {SOURCE_LABELS.get(alert.source, alert.source)} via finops-bot"))
    return blocks


def resolved_note(alert: Alert) -> dict:
    """A thread note for the sender's "resolved" notification: nobody tagged, the request left as it is
    (the spend it reported happened; whoever took it closes it)."""
    source = SOURCE_LABELS.get(alert.source, alert.source)
    text = f":white_check_mark: {source} reports this alert resolved: {clip_escaped(alert.title, 150)}"
    blocks = [section(text)]
    if alert.text.strip():
        blocks.append(context(clip_escaped(alert.text, 1000)))
    blocks.append(context("The request stays open until someone resolves it here."))
    return message(text, blocks)


def _code(value: str) -> str:
    """A value shown in a code span: escaped, and no backtick to end the span early."""
    return clip_escaped(value.replace("`", "'"), 80)


def stated_amount(amount: float, currency: str | None) -> str:
    """The alert's amount written as the routing line writes an amount ("€2,388.12", "12,000 CHF")."""
    return Money(amount, (currency or "USD").upper()).stated()


def stored_alert_blocks(excerpt: str, source_name: str | None) -> list[Block]:
    """The alert again, from what the request row kept (its excerpt), for updates after a button press."""
    label = SOURCE_LABELS.get(source_name or "", source_name or "a receiver")
    blocks = [header(clip(f"Cost alert from {label}", 150))]
    if excerpt.strip():
        blocks.append(section(clip_escaped(excerpt, 2500)))
    blocks.append(context(f"From {SOURCE_LABELS.get(source_name or '', source_name or 'a receiver')} via finops-bot"))
    return blocks


def with_alert(payload: dict, blocks: list[Block], request_ref: str | None = None) -> dict:
    """The routed reply payload with the alert's blocks on top (Slack's 50-block limit kept).

    With ``request_ref``, the buttons gain the "Mute similar for…" menu.
    """
    rest = list(payload.get("blocks") or [])
    if request_ref is not None:
        for index, block in enumerate(rest):
            if block.get("type") == "actions" and len(block.get("elements") or []) < 25:
                rest[index] = dict(block, elements=[*block["elements"], mute_similar_select(request_ref)])
                break
    payload["blocks"] = (blocks + rest)[:50]
    return payload

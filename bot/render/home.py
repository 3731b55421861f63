"""The App Home tab: the persona directory and the caller's open requests, with buttons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config.models import BotConfig
from bot.render.blocks import section
from bot.render.commands import OpenRequestLine, render_personas, status_since
from bot.render.replies import ACTION_RESOLVE, ACTION_TAKE, button
from bot.render.text import Mentions, quote


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
                f"<{line.link}|#{line.request_id}> *{line.topic_name}* · {status_since(line)}"
                f" — {quote(line.excerpt, 200)}"
            )
        )
        value = line.request_ref
        elements = []
        if line.status != "acknowledged":
            elements.append(button("Take it", ACTION_TAKE, value, style="primary"))
        elements.append(button("Resolved", ACTION_RESOLVE, value))
        blocks.append({"type": "actions", "block_id": f"finops_home_{value}", "elements": elements})
    return {"type": "home", "blocks": blocks[:100]}

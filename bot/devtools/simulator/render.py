"""A channel as plain text, the way Slack would show it (used by `finops-bot demo`).

Mentions become what Slack displays (`<@U1>` -> `@alice`, `<!subteam^S1>` ->
`@finops-eng`, `<#C1>` -> `#cost-alerts`), Block Kit and attachments are
flattened to readable lines (buttons as `[ Take it ]`), thread replies are
indented under their parent and ephemeral messages say who sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.devtools.simulator.workspace import JSONDict, StoredMessage, Workspace

_ENTITY = re.compile(r"<([^<>]+)>")
_INDENT = "    "
_THREAD_BAR = "  │ "


def display_mrkdwn(text: str, workspace: Workspace) -> str:
    """Slack markup with ids replaced by the names Slack displays, entities unescaped."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user = workspace.users.get(target[1:])
            return "@" + (user.name if user else label or target[1:])
        if target.startswith("#"):
            channel = workspace.channels.get(target[1:])
            return "#" + (channel.name if channel else label or target[1:])
        if target.startswith("!subteam^"):
            group = workspace.usergroups.get(target[len("!subteam^") :])
            if group:
                return "@" + group.handle
            return label if label.startswith("@") else "@" + (label or target)
        if target.startswith("!"):
            keyword = target[1:].split("^", 1)[0]
            if keyword in ("here", "channel", "everyone"):
                return "@" + keyword
            return label or keyword
        return label or target

    replaced = _ENTITY.sub(replace, text)
    return replaced.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class _Flattener:
    """Block Kit and attachments to display lines."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def text(self, obj: Any) -> str:
        if isinstance(obj, str):
            return display_mrkdwn(obj, self._workspace)
        if isinstance(obj, dict):
            raw = obj.get("text", "")
            if obj.get("type") == "plain_text":
                return str(raw)
            return display_mrkdwn(str(raw), self._workspace)
        return ""

    def element(self, element: JSONDict) -> str:
        kind = element.get("type")
        if kind == "button":
            return f"[ {self.text(element.get('text'))} ]"
        if kind in (
            "static_select",
            "external_select",
            "users_select",
            "conversations_select",
            "channels_select",
            "multi_static_select",
            "overflow",
        ):
            placeholder = self.text(element.get("placeholder")) or "Select"
            return f"[ {placeholder} ▾ ]"
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind in ("mrkdwn", "plain_text"):
            return self.text(element)
        if kind == "datepicker":
            return f"[ {element.get('initial_date') or 'Pick a date'} ]"
        return f"[{kind}]"

    def rich_text(self, elements: Iterable[JSONDict]) -> str:
        parts: list[str] = []
        for element in elements:
            kind = element.get("type")
            if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
                parts.append(self.rich_text(element.get("elements", [])))
            elif kind == "rich_text_list":
                parts.extend("• " + self.rich_text(item.get("elements", [])) for item in element.get("elements", []))
            elif kind == "text":
                parts.append(element.get("text", ""))
            elif kind == "user":
                user = self._workspace.users.get(element.get("user_id", ""))
                parts.append("@" + (user.name if user else element.get("user_id", "")))
            elif kind == "usergroup":
                group = self._workspace.usergroups.get(element.get("usergroup_id", ""))
                parts.append("@" + (group.handle if group else element.get("usergroup_id", "")))
            elif kind == "channel":
                channel = self._workspace.channels.get(element.get("channel_id", ""))
                parts.append("#" + (channel.name if channel else element.get("channel_id", "")))
            elif kind == "broadcast":
                parts.append("@" + element.get("range", "here"))
            elif kind == "link":
                parts.append(element.get("text") or element.get("url", ""))
            elif kind == "emoji":
                parts.append(f":{element.get('name', '')}:")
        return "".join(parts)

    def blocks(self, blocks: Iterable[JSONDict]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                lines.append(f"*{self.text(block.get('text'))}*")
            elif kind == "section":
                if block.get("text"):
                    lines.extend(self.text(block["text"]).splitlines() or [""])
                fields = [self.text(field) for field in block.get("fields", [])]
                for left, right in zip(fields[::2], fields[1::2] + [""], strict=False):
                    lines.append(f"{left:<30}  {right}".rstrip() if right else left)
                if block.get("accessory"):
                    lines.append(self.element(block["accessory"]))
            elif kind == "context" or kind == "actions":
                lines.append("  ".join(self.element(e) for e in block.get("elements", [])))
            elif kind == "divider":
                lines.append("─" * 20)
            elif kind == "image":
                lines.append(self.element(block))
            elif kind == "rich_text":
                lines.extend(self.rich_text(block.get("elements", [])).splitlines())
            elif kind == "input":
                lines.append(f"{self.text(block.get('label'))}: {self.element(block.get('element', {}))}")
        return lines

    def attachment(self, attachment: JSONDict) -> list[str]:
        lines: list[str] = []
        for key in ("pretext",):
            if attachment.get(key):
                lines.extend(self.text(attachment[key]).splitlines())
        body: list[str] = []
        if attachment.get("author_name"):
            body.append(self.text(attachment["author_name"]))
        if attachment.get("title"):
            body.append(f"*{self.text(attachment['title'])}*")
        if attachment.get("text"):
            body.extend(self.text(attachment["text"]).splitlines())
        for field in attachment.get("fields", []) or []:
            body.append(f"{self.text(field.get('title', ''))}: {self.text(field.get('value', ''))}")
        if attachment.get("blocks"):
            body.extend(self.blocks(attachment["blocks"]))
        buttons = [f"[ {a.get('text', '')} ]" for a in attachment.get("actions", []) or []]
        if buttons:
            body.append("  ".join(buttons))
        if attachment.get("footer"):
            body.append(self.text(attachment["footer"]))
        if not body and attachment.get("fallback"):
            body.append(self.text(attachment["fallback"]))
        lines.extend("▌ " + line for line in _split_lines(body))
        return lines

    def message(self, payload: JSONDict) -> list[str]:
        if payload.get("blocks"):
            lines = self.blocks(payload["blocks"])
        else:
            lines = self.text(payload.get("text", "")).splitlines()
        for attachment in payload.get("attachments", []) or []:
            lines.extend(self.attachment(attachment))
        return _split_lines(lines)


def message_lines(payload: JSONDict, workspace: Workspace | None = None) -> list[str]:
    """One message as display lines (its blocks, else its text, then attachments), as Slack shows it.

    Without a ``workspace``, Slack ids stay ids and links show their labels (`digest --dry-run`).
    """
    if workspace is None:
        workspace = Workspace(team_id="T0", team_name="", team_domain="", bot_name="")
    return _Flattener(workspace).message(payload)


def _split_lines(lines: list[str]) -> list[str]:
    """One display line per entry, so indentation and bars apply to every line."""
    return [part for line in lines for part in line.split("\n")]


def _author(payload: JSONDict, workspace: Workspace) -> str:
    user = workspace.users.get(payload.get("user", ""))
    bot = workspace.bots.get(payload.get("bot_id", ""))
    if payload.get("bot_id"):
        name = payload.get("username") or (bot.name if bot else None) or (user.name if user else "bot")
        return f"{name} APP"
    if user is not None:
        return user.name
    return payload.get("username") or payload.get("user") or "unknown"


def _heading(stored: StoredMessage, workspace: Workspace, tz: tzinfo) -> str:
    when = datetime.fromtimestamp(float(stored.ts), tz).strftime("%H:%M")
    heading = f"[{when}] {_author(stored.payload, workspace)}"
    if stored.visible_to is not None:
        viewer = workspace.users.get(stored.visible_to)
        heading += f"  (only visible to @{viewer.name if viewer else stored.visible_to})"
    if stored.payload.get("edited"):
        heading += "  (edited)"
    return heading


def render_channel(
    workspace: Workspace,
    channel_id: str,
    *,
    include_ephemeral: bool = True,
    tz: tzinfo = UTC,
) -> str:
    """The channel's messages, oldest first, with thread replies indented under their parent."""
    flattener = _Flattener(workspace)
    with workspace.lock:
        channel = workspace.channels[channel_id]
        messages = workspace.channel_messages(channel_id, include_ephemeral=include_ephemeral)
        top_level_ts = {m.ts for m in messages if not m.is_thread_reply}
        replies: dict[str, list[StoredMessage]] = {}
        for message in messages:
            if message.is_thread_reply and message.thread_ts in top_level_ts:
                replies.setdefault(message.thread_ts, []).append(message)
        title = f"#{channel.name}" if not channel.is_im else f"DM with @{_author({'user': channel.im_user}, workspace)}"
        out = [title, "═" * max(40, len(title))]
        for message in messages:
            if message.is_thread_reply and message.thread_ts in top_level_ts:
                continue
            out.append(_heading(message, workspace, tz))
            out.extend(_INDENT + line for line in flattener.message(message.payload))
            thread = replies.get(message.ts, [])
            if thread:
                public = sum(1 for reply in thread if reply.visible_to is None)
                out.append(f"{_THREAD_BAR}{public} repl{'y' if public == 1 else 'ies'}")
            for reply in thread:
                out.append(_THREAD_BAR + _heading(reply, workspace, tz))
                out.extend(_THREAD_BAR + _INDENT + line for line in flattener.message(reply.payload))
            out.append("")
    return "\n".join(out).rstrip() + "\n"

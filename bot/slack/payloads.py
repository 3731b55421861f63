"""Slack payloads → the plain values the services take.

Every function here accepts whatever Slack (or an attacker) sent and either
returns a well-formed value or ``None``; malformed payloads never raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.inputs import ActionPress, CommandRequest, IncomingMessage

# Message subtypes that are new content worth routing. Edits, deletions, joins,
# topic changes and thread broadcasts are not new requests.
ROUTABLE_SUBTYPES = frozenset({None, "bot_message", "file_share"})


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value or None


def _without_nul(value: Any) -> Any:
    """``value`` with NUL characters removed from every string in it (in place for lists and dicts).

    PostgreSQL cannot store NUL in text or JSON, and Slack never needs one: they are dropped at the
    edge, before routing and storage, so the message is still routed and answered. Iterative, as
    blocks can nest deeply.
    """
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    stack = [value]
    while stack:
        container = stack.pop()
        pairs = list(container.items()) if isinstance(container, dict) else list(enumerate(container))
        for key, item in pairs:
            if isinstance(item, str):
                if "\x00" in item:
                    container[key] = item.replace("\x00", "")
            elif isinstance(item, (dict, list)):
                stack.append(item)
        if isinstance(container, dict) and any(isinstance(key, str) and "\x00" in key for key in container):
            for key in [key for key in container if isinstance(key, str) and "\x00" in key]:
                container[key.replace("\x00", "")] = container.pop(key)
    return value


def incoming_message(body: Mapping[str, Any], retry_num: int = 0) -> IncomingMessage | None:
    """A new top-level message worth routing, or None for everything else."""
    if not isinstance(body, Mapping):
        return None
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return None
    if event.get("subtype") not in ROUTABLE_SUBTYPES:
        return None
    ts = _str(event.get("ts"))
    channel_id = _str(event.get("channel"))
    if ts is None or channel_id is None:
        return None
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        return None  # a reply inside a thread is conversation, not a new request
    profile = _mapping(event.get("bot_profile"))
    return IncomingMessage(
        event_id=_str(body.get("event_id")),
        retry_num=retry_num,
        team_id=_str(body.get("team_id")) or _str(event.get("team")) or "",
        channel_id=channel_id,
        ts=ts,
        user_id=_str(event.get("user")),
        bot_id=_str(event.get("bot_id")),
        app_name=_str(profile.get("name")) or _str(event.get("username")),
        message={
            "text": _without_nul(event.get("text")) if isinstance(event.get("text"), str) else "",
            "attachments": _without_nul(event.get("attachments")) if isinstance(event.get("attachments"), list) else [],
            "blocks": _without_nul(event.get("blocks")) if isinstance(event.get("blocks"), list) else [],
        },
    )


def command_request(command: Mapping[str, Any]) -> CommandRequest:
    return CommandRequest(
        text=_str(command.get("text")) or "",
        user_id=_str(command.get("user_id")) or "",
        channel_id=_str(command.get("channel_id")) or "",
        team_id=_str(command.get("team_id")) or "",
    )


def action_press(body: Mapping[str, Any]) -> ActionPress | None:
    actions = body.get("actions") if isinstance(body, Mapping) else None
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        return None
    action = actions[0]
    value = _str(action.get("value"))
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        value = _str(selected.get("value"))
    if value is None:
        return None
    to_persona = None
    parts = value.split(":")
    if len(parts) == 3:  # reassign menu: "<channel>:<ts>:<persona>"
        to_persona = parts[2]
    if len(parts) < 2:
        return None
    user = _mapping(body.get("user"))
    team = _mapping(body.get("team"))
    container = _mapping(body.get("container"))
    return ActionPress(
        action_id=_str(action.get("action_id")) or "",
        request_ref=f"{parts[0]}:{parts[1]}",
        to_persona=to_persona,
        user_id=_str(user.get("id")) or "",
        team_id=_str(team.get("id")) or _str(user.get("team_id")) or "",
        reply_ts=_str(container.get("message_ts")) if container.get("type") == "message" else None,
    )


def is_well_formed_payload(payload: Any) -> bool:
    """Whether a parsed request body has the basic shape bolt relies on.

    bolt reads ids out of the payload while building its context; a body of the
    wrong shape (a JSON list, an event that is a string, a channel that is a
    number) makes it fail with a server error instead of a clear rejection.
    """
    if not isinstance(payload, dict):
        return False
    event = payload.get("event")
    if event is None:
        return True
    if not isinstance(event, dict):
        return False
    return all(isinstance(event.get(key), (str, dict, type(None))) for key in ("channel", "user", "team", "type", "ts"))

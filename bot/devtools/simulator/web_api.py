"""The fake Slack Web API methods and `response_url` endpoints, independent of HTTP.

`WebApi.call(method, params, token)` answers like Slack does: `{"ok": true, ...}`
with the documented fields, or `{"ok": false, "error": "..."}` with Slack's error
codes. The HTTP server in `bot.devtools.simulator.server` only parses requests and
serialises these answers.
"""

from __future__ import annotations

import base64
import copy
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.devtools.simulator.workspace import Channel, JSONDict, StoredMessage, Workspace

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class ApiError(Exception):
    """A Slack API error code, answered as `{"ok": false, "error": code}` with HTTP 200."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ResponseTarget:
    """Where posts to one handed-out `response_url` land."""

    channel_id: str
    user_id: str
    message_ts: str | None = None  # the message whose button was clicked
    last_ephemeral_ts: str | None = None  # what `replace_original` replaces for commands


# ------------------------------------------------------------ param coercion


def _required(params: JSONDict, key: str) -> Any:
    value = params.get(key)
    if value in (None, ""):
        raise ApiError("invalid_arguments")
    return value


def _flag(params: JSONDict, key: str, default: bool = False) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes")


def _page_size(params: JSONDict) -> int:
    raw = params.get("limit")
    try:
        limit = int(raw) if raw not in (None, "") else DEFAULT_PAGE_SIZE
    except (TypeError, ValueError):
        raise ApiError("invalid_limit") from None
    if limit <= 0:
        limit = DEFAULT_PAGE_SIZE
    return min(limit, MAX_PAGE_SIZE)


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if cursor in (None, ""):
        return 0
    try:
        prefix, offset = base64.b64decode(str(cursor)).decode().split(":", 1)
        if prefix != "next":
            raise ValueError(prefix)
        return int(offset)
    except ValueError:
        raise ApiError("invalid_cursor") from None


def _paginate(items: list[Any], params: JSONDict) -> tuple[list[Any], str]:
    offset = _decode_cursor(params.get("cursor"))
    limit = _page_size(params)
    page = items[offset : offset + limit]
    next_offset = offset + limit
    return page, _encode_cursor(next_offset) if next_offset < len(items) else ""


# ----------------------------------------------------------------- the API


class WebApi:
    """Slack Web API semantics over a `Workspace`."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        bot_token: str,
        app_token: str | None,
        socket_url: Callable[[], str],
        permalink_base: str,
    ) -> None:
        self.workspace = workspace
        self.bot_token = bot_token
        self.app_token = app_token
        self._socket_url = socket_url
        self._permalink_base = permalink_base
        self._response_targets: dict[str, ResponseTarget] = {}
        self._lock = threading.Lock()
        self._methods: dict[str, Callable[[JSONDict], JSONDict]] = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.list": self.conversations_list,
            "conversations.info": self.conversations_info,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.join": self.conversations_join,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "users.lookupByEmail": self.users_lookup_by_email,
            "usergroups.list": self.usergroups_list,
            "usergroups.users.list": self.usergroups_users_list,
            "views.publish": self.views_publish,
            "views.open": self.views_open,
            "views.update": self.views_update,
            "views.push": self.views_open,
            "reactions.add": self.reactions_add,
            "team.info": self.team_info,
            "apps.connections.open": self.apps_connections_open,
        }

    @property
    def method_names(self) -> tuple[str, ...]:
        return tuple(self._methods)

    def call(self, method: str, params: JSONDict, token: str | None) -> JSONDict:
        """Answer one Web API call (the HTTP 200 body)."""
        implementation = self._methods.get(method)
        if implementation is None:
            return {"ok": False, "error": "unknown_method"}
        auth_error = self._check_token(method, token)
        if auth_error is not None:
            return {"ok": False, "error": auth_error}
        try:
            return {"ok": True, **implementation(params)}
        except ApiError as error:
            return {"ok": False, "error": error.code}

    def _check_token(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        wants_app_token = method == "apps.connections.open"
        if token == self.bot_token:
            return "not_allowed_token_type" if wants_app_token else None
        if self.app_token is not None and token == self.app_token:
            return None if wants_app_token else "not_allowed_token_type"
        return "invalid_auth"

    # ------------------------------------------------------------- helpers

    def _channel(self, params: JSONDict, key: str = "channel") -> Channel:
        channel = self.workspace.find_channel(str(_required(params, key)))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _message(self, channel: Channel, ts: Any) -> StoredMessage:
        stored = self.workspace.find_message(channel.id, str(ts))
        if stored is None:
            raise ApiError("message_not_found")
        return stored

    @staticmethod
    def _content(params: JSONDict) -> JSONDict:
        return {
            "text": params.get("text") if params.get("text") is not None else "",
            "blocks": params.get("blocks") or None,
            "attachments": params.get("attachments") or None,
            "metadata": params.get("metadata") or None,
        }

    @staticmethod
    def _require_content(params: JSONDict) -> None:
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise ApiError("no_text")

    # -------------------------------------------------------------- methods

    def api_test(self, params: JSONDict) -> JSONDict:
        return {"args": {k: v for k, v in params.items() if k != "token"}}

    def auth_test(self, params: JSONDict) -> JSONDict:
        ws = self.workspace
        return {
            "url": f"https://{ws.team_domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.users[ws.bot_user_id].name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def team_info(self, params: JSONDict) -> JSONDict:
        ws = self.workspace
        return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.team_domain}}

    def chat_post_message(self, params: JSONDict) -> JSONDict:
        self._require_content(params)
        with self.workspace.lock:
            channel = self.workspace.channel_for_post(str(_required(params, "channel")))
            if channel is None:
                raise ApiError("channel_not_found")
            if channel.is_archived:
                raise ApiError("is_archived")
            thread_ts = params.get("thread_ts") or None
            fields = {
                **self.workspace.bot_message_fields(),
                **self._content(params),
                "thread_ts": str(thread_ts) if thread_ts else None,
                "username": params.get("username") or None,
            }
            stored = self.workspace.append_message(channel, fields)
            return {"channel": channel.id, "ts": stored.ts, "message": self.workspace.snapshot(stored)}

    def chat_post_ephemeral(self, params: JSONDict) -> JSONDict:
        self._require_content(params)
        with self.workspace.lock:
            channel = self._channel(params)
            user = str(_required(params, "user"))
            if user not in self.workspace.users:
                raise ApiError("user_not_found")
            thread_ts = params.get("thread_ts") or None
            fields = {
                **self.workspace.bot_message_fields(),
                **self._content(params),
                "thread_ts": str(thread_ts) if thread_ts else None,
            }
            stored = self.workspace.append_message(channel, fields, visible_to=user)
            return {"message_ts": stored.ts}

    def chat_update(self, params: JSONDict) -> JSONDict:
        with self.workspace.lock:
            channel = self._channel(params)
            stored = self._message(channel, _required(params, "ts"))
            if stored.payload.get("bot_id") != self.workspace.bot_id:
                raise ApiError("cant_update_message")
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in params:
                    if params[key] in (None, "", []):
                        stored.payload.pop(key, None)
                    else:
                        stored.payload[key] = params[key]
            stored.payload["edited"] = {"user": self.workspace.bot_user_id, "ts": self.workspace.timestamps.next_ts()}
            message = self.workspace.snapshot(stored)
            return {"channel": channel.id, "ts": stored.ts, "text": message.get("text", ""), "message": message}

    def chat_delete(self, params: JSONDict) -> JSONDict:
        with self.workspace.lock:
            channel = self._channel(params)
            stored = self._message(channel, _required(params, "ts"))
            if stored.payload.get("bot_id") != self.workspace.bot_id:
                raise ApiError("cant_delete_message")
            self.workspace.remove_message(stored)
            return {"channel": channel.id, "ts": stored.ts}

    def chat_get_permalink(self, params: JSONDict) -> JSONDict:
        channel = self._channel(params)
        stored = self._message(channel, _required(params, "message_ts"))
        permalink = f"{self._permalink_base}/archives/{channel.id}/p{stored.ts.replace('.', '')}"
        if stored.is_thread_reply:
            permalink += f"?thread_ts={stored.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": permalink}

    def conversations_list(self, params: JSONDict) -> JSONDict:
        wanted_types = {t.strip() for t in str(params.get("types") or "public_channel").split(",") if t.strip()}
        exclude_archived = _flag(params, "exclude_archived")
        with self.workspace.lock:
            channels = [
                c
                for c in self.workspace.channels.values()
                if c.conversation_type in wanted_types and not (exclude_archived and c.is_archived)
            ]
            page, next_cursor = _paginate(channels, params)
            return {
                "channels": [c.to_slack() for c in page],
                "response_metadata": {"next_cursor": next_cursor},
            }

    def conversations_info(self, params: JSONDict) -> JSONDict:
        return {"channel": self._channel(params).to_slack()}

    def conversations_join(self, params: JSONDict) -> JSONDict:
        with self.workspace.lock:
            channel = self._channel(params)
            channel.bot_is_member = True
            return {"channel": channel.to_slack()}

    def conversations_open(self, params: JSONDict) -> JSONDict:
        users = [u.strip() for u in str(_required(params, "users")).split(",") if u.strip()]
        if len(users) != 1 or users[0] not in self.workspace.users:
            raise ApiError("user_not_found")
        return {"channel": self.workspace.im_with(users[0]).to_slack()}

    def conversations_history(self, params: JSONDict) -> JSONDict:
        _bound(params, "oldest"), _bound(params, "latest")  # validate even when the channel is empty
        with self.workspace.lock:
            channel = self._channel(params)
            top_level = [m for m in self.workspace.channel_messages(channel.id) if not m.is_thread_reply]
            newest_first = [self.workspace.snapshot(m) for m in reversed(top_level)]
        newest_first = [m for m in newest_first if _within(m["ts"], params)]
        page, next_cursor = _paginate(newest_first, params)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_replies(self, params: JSONDict) -> JSONDict:
        with self.workspace.lock:
            channel = self._channel(params)
            thread_ts = str(_required(params, "ts"))
            parent = self.workspace.find_message(channel.id, thread_ts)
            if parent is None:
                raise ApiError("thread_not_found")
            root_ts = parent.thread_ts or parent.ts
            thread = [
                self.workspace.snapshot(m)
                for m in self.workspace.channel_messages(channel.id)
                if m.ts == root_ts or m.thread_ts == root_ts
            ]
        page, next_cursor = _paginate(thread, params)
        return {"messages": page, "has_more": bool(next_cursor), "response_metadata": {"next_cursor": next_cursor}}

    def users_info(self, params: JSONDict) -> JSONDict:
        user = self.workspace.users.get(str(_required(params, "user")))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_slack(self.workspace.team_id)}

    def users_list(self, params: JSONDict) -> JSONDict:
        with self.workspace.lock:
            members = [u.to_slack(self.workspace.team_id) for u in self.workspace.users.values()]
        page, next_cursor = _paginate(members, params)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def users_lookup_by_email(self, params: JSONDict) -> JSONDict:
        email = str(_required(params, "email")).strip().lower()
        with self.workspace.lock:
            for user in self.workspace.users.values():
                if user.email and user.email.lower() == email:
                    return {"user": user.to_slack(self.workspace.team_id)}
        raise ApiError("users_not_found")

    def usergroups_list(self, params: JSONDict) -> JSONDict:
        include_users = _flag(params, "include_users")
        with self.workspace.lock:
            groups = [g.to_slack(self.workspace.team_id, include_users) for g in self.workspace.usergroups.values()]
        return {"usergroups": groups}

    def usergroups_users_list(self, params: JSONDict) -> JSONDict:
        group = self.workspace.usergroups.get(str(_required(params, "usergroup")))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"users": list(group.users)}

    def views_publish(self, params: JSONDict) -> JSONDict:
        user_id = str(_required(params, "user_id"))
        if user_id not in self.workspace.users:
            raise ApiError("user_not_found")
        view = self._view(params)
        if view.get("type") != "home":
            raise ApiError("invalid_arguments")
        with self.workspace.lock:
            self.workspace.home_views[user_id] = view
        return {"view": view}

    def views_open(self, params: JSONDict) -> JSONDict:
        _required(params, "trigger_id")
        view = self._view(params)
        with self.workspace.lock:
            self.workspace.opened_views.append(view)
        return {"view": view}

    def views_update(self, params: JSONDict) -> JSONDict:
        view = self._view(params)
        view["id"] = params.get("view_id") or view["id"]
        return {"view": view}

    def _view(self, params: JSONDict) -> JSONDict:
        view = params.get("view")
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments")
        return {
            **copy.deepcopy(view),
            "id": self.workspace.ids.next("V"),
            "team_id": self.workspace.team_id,
            "app_id": self.workspace.app_id,
            "bot_id": self.workspace.bot_id,
            "hash": secrets.token_hex(8),
        }

    def reactions_add(self, params: JSONDict) -> JSONDict:
        name = str(_required(params, "name"))
        with self.workspace.lock:
            stored = self._message(self._channel(params), _required(params, "timestamp"))
            reactions = stored.payload.setdefault("reactions", [])
            for reaction in reactions:
                if reaction["name"] == name:
                    if self.workspace.bot_user_id in reaction["users"]:
                        raise ApiError("already_reacted")
                    reaction["users"].append(self.workspace.bot_user_id)
                    reaction["count"] += 1
                    return {}
            reactions.append({"name": name, "users": [self.workspace.bot_user_id], "count": 1})
        return {}

    def apps_connections_open(self, params: JSONDict) -> JSONDict:
        return {"url": self._socket_url()}

    # --------------------------------------------------------- response_url

    def register_response_target(self, target: ResponseTarget) -> str:
        """Hand out a response_url id for a command or interaction."""
        response_id = secrets.token_urlsafe(12)
        with self._lock:
            self._response_targets[response_id] = target
        return response_id

    def post_to_response_url(self, response_id: str, body: JSONDict) -> tuple[int, str]:
        """Apply a post to a response_url like Slack: (HTTP status, plain-text body)."""
        with self._lock:
            target = self._response_targets.get(response_id)
        if target is None:
            return 404, "no_such_response_url"
        if not (body.get("text") or body.get("blocks") or body.get("attachments") or body.get("delete_original")):
            return 400, "no_text"
        ws = self.workspace
        with ws.lock:
            channel = ws.channels.get(target.channel_id)
            if channel is None:
                return 404, "channel_not_found"
            if _flag(body, "delete_original"):
                original = self._original(target)
                if original is not None:
                    ws.remove_message(original)
                return 200, "ok"
            if _flag(body, "replace_original"):
                original = self._original(target)
                if original is not None:
                    for key in ("text", "blocks", "attachments"):
                        if body.get(key) is not None:
                            original.payload[key] = copy.deepcopy(body[key])
                    return 200, "ok"
            in_channel = body.get("response_type") == "in_channel"
            fields = {
                **ws.bot_message_fields(),
                **self._content(body),
                "thread_ts": body.get("thread_ts") or None,
            }
            stored = ws.append_message(channel, fields, visible_to=None if in_channel else target.user_id)
            if not in_channel:
                target.last_ephemeral_ts = stored.ts
        return 200, "ok"

    def _original(self, target: ResponseTarget) -> StoredMessage | None:
        ts = target.message_ts or target.last_ephemeral_ts
        return None if ts is None else self.workspace.find_message(target.channel_id, ts)


def _bound(params: JSONDict, key: str) -> float | None:
    raw = params.get(key)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ApiError(f"invalid_ts_{key}") from None


def _within(ts: str, params: JSONDict) -> bool:
    """conversations.history's `oldest`/`latest` bounds (exclusive unless `inclusive`)."""
    value = float(ts)
    inclusive = _flag(params, "inclusive")
    oldest, latest = _bound(params, "oldest"), _bound(params, "latest")
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return not (latest is not None and (value > latest or (value == latest and not inclusive)))

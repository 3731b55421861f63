"""The in-memory state of the simulated Slack workspace.

Channels, users, bots, user groups and every message posted, with Slack-shaped
JSON views of them. All access goes through one re-entrant lock so the
HTTP server threads, the Socket Mode thread and the test thread can share it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data; several times faster than copy.deepcopy on the hot path."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


class IdAllocator:
    """Hands out Slack-looking ids (`C0SIM00001`, `U0SIM00002`...), one sequence per prefix."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next(self, prefix: str) -> str:
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}0SIM{next(counter):05d}"


class TimestampClock:
    """Message timestamps (`"1700000000.000100"`) that are unique and strictly increasing.

    Slack identifies messages by channel + ts, so two messages posted in the same
    microsecond must still get different ts values.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last_micros = 0
        self._lock = threading.Lock()

    def next_ts(self) -> str:
        with self._lock:
            micros = max(self._last_micros + 1, int(self._clock() * 1_000_000))
            self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass
class User:
    id: str
    name: str
    email: str | None = None
    real_name: str | None = None
    is_bot: bool = False
    bot_id: str | None = None

    def to_slack(self, team_id: str) -> JSONDict:
        display = self.real_name or self.name
        profile: JSONDict = {
            "real_name": display,
            "display_name": self.name,
            "real_name_normalized": display,
            "display_name_normalized": self.name,
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": display,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "tz": "UTC",
            "profile": profile,
        }


@dataclass
class Bot:
    """An integration that posts messages (AWS Chatbot, a budget webhook, Kubecost...)."""

    id: str
    name: str
    app_id: str | None = None


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    is_general: bool = False
    bot_is_member: bool = True
    created: int = 0
    topic: str = ""
    purpose: str = ""
    im_user: str | None = None

    def to_slack(self) -> JSONDict:
        if self.is_im:
            return {
                "id": self.id,
                "is_im": True,
                "user": self.im_user,
                "created": self.created,
                "is_org_shared": False,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_is_member,
            "created": self.created,
            "creator": "",
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }

    @property
    def conversation_type(self) -> str:
        if self.is_im:
            return "im"
        return "private_channel" if self.is_private else "public_channel"


@dataclass
class UserGroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""

    def to_slack(self, team_id: str, include_users: bool) -> JSONDict:
        group: JSONDict = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "handle": self.handle,
            "description": self.description,
            "is_external": False,
            "date_create": 0,
            "date_update": 0,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "",
            "user_count": len(self.users),
        }
        if include_users:
            group["users"] = list(self.users)
        return group


@dataclass
class StoredMessage:
    """One message in a channel.

    `payload` is exactly what the Web API returns for it; `visible_to` is set for
    ephemeral messages (only that user sees them); `is_command_echo` marks the
    pseudo-message recording a slash command a user ran (Slack shows it to that
    user only, and it is kept so the rendered channel reads naturally).
    """

    channel: str
    payload: JSONDict
    visible_to: str | None = None
    is_command_echo: bool = False

    @property
    def ts(self) -> str:
        return self.payload["ts"]

    @property
    def thread_ts(self) -> str | None:
        return self.payload.get("thread_ts")

    @property
    def is_thread_reply(self) -> bool:
        thread_ts = self.thread_ts
        return thread_ts is not None and thread_ts != self.ts


class Workspace:
    """Everything the fake Slack knows; thread-safe through `lock`."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        team_domain: str,
        bot_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self.ids = IdAllocator()
        self.clock = clock
        self.timestamps = TimestampClock(clock)
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.app_id = self.ids.next("A")
        self.bot_id = self.ids.next("B")
        self.bot_user_id = self.ids.next("U")
        self.users: dict[str, User] = {}
        self.bots: dict[str, Bot] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        # Insertion order is post order, which is also ts order: ts values are
        # allocated under the same lock that appends.
        self.messages: list[StoredMessage] = []
        # (channel, ts) -> message: a post looks up its thread parent, and a long
        # benchmark run must not scan the whole history for each one.
        self._by_key: dict[tuple[str, str], StoredMessage] = {}
        self.home_views: dict[str, JSONDict] = {}
        self.opened_views: list[JSONDict] = []
        self.users[self.bot_user_id] = User(id=self.bot_user_id, name=bot_name, is_bot=True, bot_id=self.bot_id)
        self.bots[self.bot_id] = Bot(id=self.bot_id, name=bot_name, app_id=self.app_id)

    # ----------------------------------------------------------------- setup

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
        is_general: bool = False,
        channel_id: str | None = None,
    ) -> str:
        """``channel_id``: the id to give it (a config naming the channel by id), else a fresh one."""
        name = name.lstrip("#")
        with self.lock:
            if self.find_channel(name) is not None or (channel_id and channel_id in self.channels):
                raise ValueError(f"channel #{name} already exists")
            channel = Channel(
                id=channel_id or self.ids.next("G" if is_private else "C"),
                name=name,
                is_private=is_private,
                bot_is_member=bot_is_member,
                is_general=is_general,
                created=int(self.clock()),
            )
            self.channels[channel.id] = channel
            return channel.id

    def add_user(self, name: str, *, email: str | None = None, real_name: str | None = None) -> str:
        with self.lock:
            user = User(id=self.ids.next("U"), name=name, email=email, real_name=real_name)
            self.users[user.id] = user
            return user.id

    def add_bot(self, name: str) -> str:
        with self.lock:
            bot = Bot(id=self.ids.next("B"), name=name)
            self.bots[bot.id] = bot
            return bot.id

    def add_usergroup(self, handle: str, users: list[str], name: str | None = None) -> str:
        handle = handle.lstrip("@")
        with self.lock:
            member_ids = [self.resolve_user(user) for user in users]
            group = UserGroup(id=self.ids.next("S"), handle=handle, name=name or handle, users=member_ids)
            self.usergroups[group.id] = group
            return group.id

    # ---------------------------------------------------------------- lookup

    def find_channel(self, name_or_id: str) -> Channel | None:
        """A channel by id or by name (with or without `#`)."""
        with self.lock:
            channel = self.channels.get(name_or_id)
            if channel is not None:
                return channel
            name = name_or_id.lstrip("#")
            return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def channel_for_post(self, name_or_id: str) -> Channel | None:
        """Where a post to `name_or_id` lands: a channel, or a DM when given a user id."""
        with self.lock:
            channel = self.find_channel(name_or_id)
            if channel is None and name_or_id in self.users:
                channel = self.im_with(name_or_id)
            return channel

    def im_with(self, user_id: str) -> Channel:
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            channel = Channel(
                id=self.ids.next("D"), name=user_id, is_im=True, im_user=user_id, created=int(self.clock())
            )
            self.channels[channel.id] = channel
            return channel

    def resolve_user(self, name_or_id: str) -> str:
        """A user id from an id, a name or an email; ValueError when unknown."""
        with self.lock:
            if name_or_id in self.users:
                return name_or_id
            wanted = name_or_id.lstrip("@")
            for user in self.users.values():
                if wanted in (user.name, user.email):
                    return user.id
        raise ValueError(f"unknown simulated user {name_or_id!r} (add it with add_user)")

    def resolve_channel(self, name_or_id: str) -> str:
        channel = self.find_channel(name_or_id)
        if channel is None:
            raise ValueError(f"unknown simulated channel {name_or_id!r} (add it with add_channel)")
        return channel.id

    def find_message(self, channel_id: str, ts: str) -> StoredMessage | None:
        with self.lock:
            return self._by_key.get((channel_id, ts))

    def remove_message(self, stored: StoredMessage) -> None:
        with self.lock:
            self.messages.remove(stored)
            self._by_key.pop((stored.channel, stored.ts), None)

    # -------------------------------------------------------------- messages

    def append_message(
        self,
        channel: Channel,
        fields: JSONDict,
        *,
        visible_to: str | None = None,
        is_command_echo: bool = False,
    ) -> StoredMessage:
        """Store a new message, assigning its ts and updating its thread parent."""
        with self.lock:
            payload: JSONDict = {"type": "message", **{k: v for k, v in fields.items() if v is not None}}
            payload["ts"] = self.timestamps.next_ts()
            payload.setdefault("team", self.team_id)
            stored = StoredMessage(channel.id, payload, visible_to=visible_to, is_command_echo=is_command_echo)
            thread_ts = payload.get("thread_ts")
            if thread_ts is not None and visible_to is None:
                self._count_reply(channel.id, thread_ts, payload)
            self.messages.append(stored)
            self._by_key[(stored.channel, stored.ts)] = stored
            return stored

    def _count_reply(self, channel_id: str, thread_ts: str, reply: JSONDict) -> None:
        parent = self.find_message(channel_id, thread_ts)
        if parent is None:
            return
        parent_payload = parent.payload
        parent_payload["thread_ts"] = parent_payload["ts"]
        parent_payload["reply_count"] = parent_payload.get("reply_count", 0) + 1
        parent_payload["latest_reply"] = reply["ts"]
        author = reply.get("user") or reply.get("bot_id")
        reply_users = parent_payload.setdefault("reply_users", [])
        if author and author not in reply_users:
            reply_users.append(author)
        parent_payload["reply_users_count"] = len(reply_users)

    def channel_messages(self, channel_id: str, *, include_ephemeral: bool = False) -> list[StoredMessage]:
        with self.lock:
            return [m for m in self.messages if m.channel == channel_id and (include_ephemeral or m.visible_to is None)]

    def snapshot(self, stored: StoredMessage) -> JSONDict:
        """A copy of a message payload that callers may keep or mutate."""
        with self.lock:
            return copy_json(stored.payload)

    def bot_message_fields(self) -> JSONDict:
        """Author fields of a message posted by this app's bot user."""
        bot = self.bots[self.bot_id]
        return {
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": bot.name,
                "deleted": False,
                "team_id": self.team_id,
            },
        }

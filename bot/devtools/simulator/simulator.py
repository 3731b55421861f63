"""`SlackSimulator`: the fake Slack workspace tests, the demo and the benchmarks talk to.

See the package docstring (`bot.devtools.simulator`) for what it is and an example.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, tzinfo
from typing import Any
from urllib.parse import urlencode

from bot.devtools.simulator.app_client import AppClient, AppRequestError, AppResponse
from bot.devtools.simulator.failures import Failure, FailurePlan
from bot.devtools.simulator.interaction_payloads import InteractionPayloads
from bot.devtools.simulator.rate_limits import PostRateLimit
from bot.devtools.simulator.recording import Call, CallLog, CallMatcher
from bot.devtools.simulator.render import render_channel
from bot.devtools.simulator.server import SimulatorHttpServer
from bot.devtools.simulator.socket_driver import SocketModeDriver
from bot.devtools.simulator.socket_mode import SocketModeServer
from bot.devtools.simulator.web_api import WebApi
from bot.devtools.simulator.workspace import Channel, JSONDict, StoredMessage, Workspace

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


class SlackSimulator(InteractionPayloads, SocketModeDriver):
    """A local Slack: fake Web API + fake Socket Mode + Slack-signed sender + renderer.

    Workspace setup (`add_channel`, `add_user`, `add_usergroup`, `add_bot`) works
    before or after `start()`. A `#general` channel exists from the start.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0FINOPS",
        team_name: str = "FinOps Simulator",
        team_domain: str = "finops-sim",
        bot_token: str = "xoxb-simulator-token",
        signing_secret: str = "simulator-signing-secret",
        app_token: str | None = "xapp-simulator-token",
        bot_name: str = "finops-bot",
        verification_token: str = "simulator-verification-token",
        clock: Callable[[], float] = time.time,
        socket_mode: bool = True,
        socket_ping_interval: float | None = 20,
    ) -> None:
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.app_token = app_token
        self.verification_token = verification_token
        self.workspace = Workspace(
            team_id=team_id, team_name=team_name, team_domain=team_domain, bot_name=bot_name, clock=clock
        )
        self.general_channel_id = self.workspace.add_channel("general", is_general=True)
        self._failures = FailurePlan()
        self._call_log = CallLog()
        self._web_api = WebApi(
            self.workspace,
            bot_token=bot_token,
            app_token=app_token,
            socket_url=self._issue_socket_url,
            permalink_base=f"https://{team_domain}.slack.com",
        )
        self._app_client = AppClient(signing_secret)
        self._http: SimulatorHttpServer | None = None
        self._post_limit: PostRateLimit | None = None
        self._http_thread: threading.Thread | None = None
        self._socket: SocketModeServer | None = (
            SocketModeServer(self.workspace.app_id, ping_interval=socket_ping_interval, on_ack=self._on_socket_ack)
            if socket_mode
            else None
        )
        self._socket_command_responses: dict[str, str] = {}
        self._socket_lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> SlackSimulator:
        """Serve on 127.0.0.1 (ephemeral ports); returns self."""
        if self._http is not None:
            return self
        self._failures.rearm_delays()
        self._http = SimulatorHttpServer(self._web_api, self._failures, self._call_log)
        self._http.post_limit = self._post_limit
        self._http_thread = threading.Thread(
            # A short poll keeps stop() (and so every test teardown) quick.
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sim-web-api",
            daemon=True,
        )
        self._http_thread.start()
        if self._socket is not None:
            self._socket.start()
        return self

    def stop(self) -> None:
        """Stop serving; held-back (delayed) responses are released first."""
        self._failures.release_delays()
        if self._socket is not None:
            self._socket.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.close_open_connections()
            self._http.server_close()
            self._http = None
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
            self._http_thread = None
        self._app_client.close()

    def __enter__(self) -> SlackSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the simulator is not started (call start())")
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL for `WebClient(base_url=...)` / `SLACK_API_URL`."""
        return self.base_url + "/api/"

    # ------------------------------------------------------------ identities

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def app_id(self) -> str:
        return self.workspace.app_id

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.workspace.bot_id

    # --------------------------------------------------------------- setup

    def add_channel(
        self, name: str, *, is_private: bool = False, bot_is_member: bool = True, channel_id: str | None = None
    ) -> str:
        """Create `#name`; returns its id (`C…`, or `G…` when private; ``channel_id`` when given)."""
        return self.workspace.add_channel(
            name, is_private=is_private, bot_is_member=bot_is_member, channel_id=channel_id
        )

    def add_user(self, name: str, email: str | None = None, *, real_name: str | None = None) -> str:
        """Create a person; returns the user id (`U…`)."""
        return self.workspace.add_user(name, email=email, real_name=real_name)

    def add_bot(self, name: str) -> str:
        """Register another integration (e.g. "AWS Chatbot") that posts messages; returns its `B…` id."""
        return self.workspace.add_bot(name)

    def add_usergroup(self, handle: str, users: Iterable[str] = (), name: str | None = None) -> str:
        """Create the user group `@handle` with members (ids, names or emails); returns `S…`."""
        return self.workspace.add_usergroup(handle, list(users), name)

    def channel_id(self, name: str) -> str:
        """The id of `#name` (ValueError if unknown)."""
        return self.workspace.resolve_channel(name)

    def user_id(self, name_or_email: str) -> str:
        """The id of a user by name or email (ValueError if unknown)."""
        return self.workspace.resolve_user(name_or_email)

    # ----------------------------------------------------- failure injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        `status=429` answers `ratelimited` with `Retry-After: retry_after` (default 1);
        another status (500, 503...) answers that status; `error="channel_not_found"`
        answers HTTP 200 with `ok: false`; `delay` holds the answer back for that many
        seconds (alone, or before a failure).
        """
        self._failures.add(method, Failure(status=status, error=error, retry_after=retry_after, delay=delay), times)

    def rate_limit_posts(self, per_second: float | None, burst: float = 3) -> None:
        """Limit `chat.postMessage` per channel as Slack does (429 + `Retry-After` past it); None: no limit."""
        self._post_limit = None if per_second is None else PostRateLimit(per_second, burst)
        if self._http is not None:
            self._http.post_limit = self._post_limit

    def release_delays(self) -> None:
        """Let every held-back (`delay=`) response go now, and any later ones at once."""
        self._failures.release_delays()

    def clear_failures(self) -> None:
        self._failures.clear()

    # -------------------------------------------------------------- records

    def calls(self, method: CallMatcher | None = None) -> list[Call]:
        """Recorded calls, oldest first; `method` is a method name or a predicate."""
        return self._call_log.calls(method)

    def wait_for(self, predicate_or_method: CallMatcher, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` recorded calls match; returns all matching calls (TimeoutError otherwise)."""
        return self._call_log.wait_for(predicate_or_method, count, timeout)

    def reset_calls(self) -> None:
        self._call_log.reset()

    def wait_for_replies(self, channel: str, thread_ts: str, count: int = 1, timeout: float = 5.0) -> list[JSONDict]:
        """Block until the app has posted `count` replies in a thread; returns the posted messages."""
        channel_id = self.workspace.resolve_channel(channel)

        def is_reply(call: Call) -> bool:
            return (
                call.method == "chat.postMessage"
                and call.ok
                and call.response.get("channel") == channel_id
                and call.response["message"].get("thread_ts") == thread_ts
            )

        return [call.response["message"] for call in self.wait_for(is_reply, count, timeout)]

    def messages(self, channel: str, *, include_ephemeral: bool = False) -> list[JSONDict]:
        """The channel's messages (thread replies included), oldest first, as the Web API shows them."""
        channel_id = self.workspace.resolve_channel(channel)
        with self.workspace.lock:
            return [
                self.workspace.snapshot(m)
                for m in self.workspace.channel_messages(channel_id, include_ephemeral=include_ephemeral)
            ]

    def ephemeral_messages(self, channel: str | None = None, user: str | None = None) -> list[JSONDict]:
        """Ephemeral messages (and slash-command echoes excluded), optionally for one channel/user."""
        channel_id = None if channel is None else self.workspace.resolve_channel(channel)
        user_id = None if user is None else self.workspace.resolve_user(user)
        with self.workspace.lock:
            return [
                {**self.workspace.snapshot(m), "channel": m.channel, "visible_to": m.visible_to}
                for m in self.workspace.messages
                if m.visible_to is not None
                and not m.is_command_echo
                and (channel_id is None or m.channel == channel_id)
                and (user_id is None or m.visible_to == user_id)
            ]

    def thread(self, channel: str, thread_ts: str) -> list[JSONDict]:
        """A thread's public messages: parent first, then replies."""
        return [m for m in self.messages(channel) if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]

    def home_view(self, user: str) -> JSONDict | None:
        """The App Home view last published for a user."""
        with self.workspace.lock:
            return self.workspace.home_views.get(self.workspace.resolve_user(user))

    def opened_views(self) -> list[JSONDict]:
        with self.workspace.lock:
            return list(self.workspace.opened_views)

    def render_channel(self, channel: str, *, include_ephemeral: bool = True, tz: tzinfo = UTC) -> str:
        """The channel as Slack would show it, as plain text (see `bot.devtools.simulator.render`)."""
        return render_channel(
            self.workspace, self.workspace.resolve_channel(channel), include_ephemeral=include_ephemeral, tz=tz
        )

    # ------------------------------------------------- Slack -> app over HTTP

    @staticmethod
    def new_event_id() -> str:
        return "Ev" + secrets.token_hex(5).upper()

    def event_envelope(self, event: JSONDict, event_id: str | None = None) -> JSONDict:
        """The `event_callback` envelope Slack wraps around an event."""
        event = dict(event)
        event.setdefault("event_ts", event.get("ts") or self.workspace.timestamps.next_ts())
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.new_event_id(),
            "event_time": int(float(event["event_ts"])),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def send_event(
        self,
        app_url: str,
        event: JSONDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signing_secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> AppResponse:
        """Deliver an Events API event to the app, signed; returns (status, body).

        Pass the same `event_id` with `retry_num`/`retry_reason` to imitate Slack's
        retries; `signing_secret`/`timestamp` override the signature for
        bad-signature and stale-timestamp tests.
        """
        body = json.dumps(self.event_envelope(event, event_id)).encode()
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self._app_client.post(
            app_url, body, JSON_CONTENT_TYPE, extra_headers=headers, signing_secret=signing_secret, timestamp=timestamp
        )

    def record_message(
        self,
        channel: str,
        user: str | None = None,
        text: str = "",
        *,
        attachments: list[JSONDict] | None = None,
        blocks: list[JSONDict] | None = None,
        bot_id: str | None = None,
        username: str | None = None,
        subtype: str | None = None,
        thread_ts: str | None = None,
    ) -> JSONDict:
        """Add a message by a person or another bot to the history (no delivery); returns its event."""
        if user is None and bot_id is None:
            raise ValueError("a message needs a user or a bot_id")
        channel_obj = self.workspace.find_channel(channel)
        if channel_obj is None:
            raise ValueError(f"unknown simulated channel {channel!r} (add it with add_channel)")
        fields: JSONDict = {
            "user": None if user is None else self.workspace.resolve_user(user),
            "bot_id": bot_id,
            "username": username,
            "subtype": subtype,
            "text": text,
            "blocks": blocks,
            "attachments": attachments,
            "thread_ts": thread_ts,
        }
        stored = self.workspace.append_message(channel_obj, fields)
        return self._message_event(stored)

    def _message_event(self, stored: StoredMessage) -> JSONDict:
        channel = self.workspace.channels[stored.channel]
        event = self.workspace.snapshot(stored)
        for derived in ("reply_count", "reply_users", "reply_users_count", "latest_reply", "reactions"):
            event.pop(derived, None)
        event.update(channel=channel.id, event_ts=stored.ts, channel_type=_channel_type(channel))
        if stored.is_thread_reply:
            parent = self.workspace.find_message(channel.id, stored.thread_ts or "")
            if parent is not None and parent.payload.get("user"):
                event["parent_user_id"] = parent.payload["user"]
        return event

    def post_message(
        self,
        app_url: str | None,
        channel: str,
        user: str | None = None,
        text: str = "",
        attachments: list[JSONDict] | None = None,
        blocks: list[JSONDict] | None = None,
        bot_id: str | None = None,
        subtype: str | None = None,
        thread_ts: str | None = None,
        *,
        username: str | None = None,
        event_id: str | None = None,
    ) -> str:
        """A person or bot posts in a channel: recorded in history and delivered as a `message` event.

        Returns the message ts. `user` is an id, name or email; bots pass `bot_id`
        (see `add_bot`). With `app_url=None` the message is only recorded.
        Raises AppRequestError when the app does not answer 2xx.
        """
        event = self.record_message(
            channel,
            user,
            text,
            attachments=attachments,
            blocks=blocks,
            bot_id=bot_id,
            username=username,
            subtype=subtype,
            thread_ts=thread_ts,
        )
        if app_url is not None:
            self._expect_success(self.send_event(app_url, event, event_id=event_id), "message event")
        return event["ts"]

    def edit_message(self, app_url: str | None, channel: str, ts: str, text: str) -> JSONDict:
        """A person edits their message: history updated, `message_changed` event delivered; returns the event."""
        channel_id = self.workspace.resolve_channel(channel)
        with self.workspace.lock:
            stored = self.workspace.find_message(channel_id, ts)
            if stored is None:
                raise ValueError(f"no message {ts} in {channel}")
            previous = self.workspace.snapshot(stored)
            stored.payload["text"] = text
            stored.payload["edited"] = {
                "user": stored.payload.get("user", ""),
                "ts": self.workspace.timestamps.next_ts(),
            }
            current = self.workspace.snapshot(stored)
        event_ts = self.workspace.timestamps.next_ts()
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel_id,
            "ts": event_ts,
            "event_ts": event_ts,
            "message": current,
            "previous_message": previous,
            "channel_type": _channel_type(self.workspace.channels[channel_id]),
        }
        if app_url is not None:
            self._expect_success(self.send_event(app_url, event), "message_changed event")
        return event

    def send_command(
        self,
        app_url: str,
        command: str = "/finops",
        text: str = "",
        *,
        user_id: str | None = None,
        channel_id: str | None = None,
        signing_secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> AppResponse:
        """A person runs a slash command; returns the app's (status, parsed body).

        Defaults: the first person added, in #general. As in Slack, a reply in the
        acknowledgement body (or later at the response_url) shows up in the channel,
        ephemeral unless `response_type` is `in_channel`; the command itself is kept
        as a note visible to that person so the rendered channel reads naturally.
        """
        payload = self.command_payload(command, text, user_id=user_id, channel_id=channel_id)
        self._echo_command(payload)
        response = self._app_client.post(
            app_url, urlencode(payload).encode(), FORM_CONTENT_TYPE, signing_secret=signing_secret, timestamp=timestamp
        )
        if response.status == 200:
            self._show_ack_reply(payload["response_url"], response.body)
        return response

    def send_action(
        self,
        app_url: str,
        payload: JSONDict,
        *,
        signing_secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> AppResponse:
        """Deliver an interactivity payload (`block_actions`, `view_submission`...) as Slack does."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._app_client.post(
            app_url, body, FORM_CONTENT_TYPE, signing_secret=signing_secret, timestamp=timestamp
        )

    def click_button(
        self,
        app_url: str,
        message_ts: str,
        channel: str,
        action_id: str,
        value: str | None = None,
        user_id: str | None = None,
    ) -> AppResponse:
        """A person clicks a button of a message; delivers the signed `block_actions` payload."""
        return self.send_action(app_url, self.block_actions_payload(message_ts, channel, action_id, value, user_id))

    def send_url_verification(self, app_url: str) -> AppResponse:
        """Slack's request URL check; a correct app answers with the challenge."""
        body = {"token": self.verification_token, "challenge": secrets.token_urlsafe(24), "type": "url_verification"}
        return self._app_client.post(app_url, json.dumps(body).encode(), JSON_CONTENT_TYPE)

    def _echo_command(self, payload: JSONDict) -> None:
        channel = self.workspace.channels[payload["channel_id"]]
        self.workspace.append_message(
            channel,
            {"user": payload["user_id"], "text": f"{payload['command']} {payload['text']}".rstrip()},
            visible_to=payload["user_id"],
            is_command_echo=True,
        )

    def _show_ack_reply(self, response_url: str, body: Any) -> None:
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        if isinstance(body, dict) and (body.get("text") or body.get("blocks") or body.get("attachments")):
            self._web_api.post_to_response_url(response_url.rsplit("/", 1)[1], body)

    @staticmethod
    def _expect_success(response: AppResponse, what: str) -> None:
        if not 200 <= response.status < 300:
            raise AppRequestError(f"the app answered {what} with HTTP {response.status}: {response.body!r}")


def _channel_type(channel: Channel) -> str:
    """The `channel_type` field of message events."""
    if channel.is_im:
        return "im"
    return "group" if channel.is_private else "channel"

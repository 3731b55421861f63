"""Listeners called directly, bolt-starter style: a stand-in ``ack`` and a stand-in service.

Each listener must acknowledge, hand the service exactly one converted value,
and reply with what the service returned; malformed payloads must still be
acknowledged (or Slack retries them) and never reach a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltRequest

from bot.render.replies import ACTION_TAKE
from handlers import actions, commands, home, messages


@dataclass
class StandInAck:
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(args)


@dataclass
class Recorder:
    """Any service: remembers the values it was given and answers ``answer``."""

    answer: Any = None
    given: list[Any] = field(default_factory=list)

    def handle(self, value: Any) -> Any:
        self.given.append(value)
        return self.answer

    respond = press = view_for = handle


def event_body(**event: Any) -> dict:
    return {
        "team_id": "T1",
        "event_id": "Ev1",
        "event": {"type": "message", "channel": "C1", "ts": "1.000100", "text": "hi", **event},
    }


def test_a_message_is_converted_handed_over_and_acknowledged() -> None:
    ack, intake = StandInAck(), Recorder()
    request = BoltRequest(body="", headers={"x-slack-retry-num": "2"})

    messages.on_message(ack, event_body(user="U1"), request, intake)  # type: ignore[arg-type]

    assert len(ack.calls) == 1
    [message] = intake.given
    assert (message.channel_id, message.ts, message.user_id, message.retry_num) == ("C1", "1.000100", "U1", 2)


def test_edits_thread_replies_and_malformed_events_are_acknowledged_but_not_handed_over() -> None:
    ack, intake = StandInAck(), Recorder()
    request = BoltRequest(body="", headers={})
    for body in (
        event_body(subtype="message_changed"),
        event_body(thread_ts="0.5"),
        {"event": "not a mapping"},
        event_body(channel=42),
    ):
        messages.on_message(ack, body, request, intake)  # type: ignore[arg-type]

    assert len(ack.calls) == 4 and intake.given == []


def test_a_command_is_answered_in_the_acknowledgement() -> None:
    ack, service = StandInAck(), Recorder(answer={"text": "owners", "response_type": "ephemeral"})

    commands.on_finops(ack, {"text": "who-owns budgets", "user_id": "U1", "team_id": "T1"}, service)  # type: ignore[arg-type]

    assert ack.calls == [({"text": "owners", "response_type": "ephemeral"},)]
    assert service.given[0].text == "who-owns budgets" and service.given[0].user_id == "U1"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def test_a_refused_press_is_explained_to_the_presser_only() -> None:
    ack, responses = StandInAck(), []
    service = Recorder(answer=Outcome(False, "Already taken."))
    body = {"actions": [{"action_id": ACTION_TAKE, "value": "C1:1.000100"}], "user": {"id": "U1"}, "team": {"id": "T1"}}

    actions.on_press(ack, body, lambda **kwargs: responses.append(kwargs), service)  # type: ignore[arg-type]

    assert len(ack.calls) == 1
    assert service.given[0].request_ref == "C1:1.000100"
    assert responses == [{"text": "Already taken.", "response_type": "ephemeral", "replace_original": False}]


def test_an_accepted_press_says_nothing_extra() -> None:
    responses: list[dict] = []
    body = {"actions": [{"action_id": ACTION_TAKE, "value": "C1:1.000100"}], "user": {"id": "U1"}}

    actions.on_press(StandInAck(), body, lambda **kw: responses.append(kw), Recorder(answer=Outcome(True, "ok")))  # type: ignore[arg-type]

    assert responses == []


@dataclass
class StandInClient:
    published: list[dict] = field(default_factory=list)

    def views_publish(self, **kwargs: Any) -> None:
        self.published.append(kwargs)


def test_app_home_publishes_the_view_for_the_home_tab_only() -> None:
    client, service = StandInClient(), Recorder(answer={"type": "home", "blocks": []})

    home.on_home_opened({"user": "U1", "tab": "home"}, client, service)  # type: ignore[arg-type]
    home.on_home_opened({"user": "U1", "tab": "messages"}, client, service)  # type: ignore[arg-type]
    home.on_home_opened({"user": 7}, client, service)  # type: ignore[arg-type]

    assert client.published == [{"user_id": "U1", "view": {"type": "home", "blocks": []}}]


def test_a_commands_text_reaches_the_service_as_typed_not_as_slack_escapes_it() -> None:
    # Slack sends a command's & < > as entities; the answers escape what they quote back, so
    # left escaped the reply would read "&amp;lt;" and a silence's reason keep "R&amp;D".
    ack, service = StandInAck(), Recorder(answer={"text": "ok"})
    text = "mute source=kubecost for 7d R&amp;D move &lt;!channel&gt; &amp;lt; &gt; 5"

    commands.on_finops(ack, {"text": text, "user_id": "U1", "team_id": "T1"}, service)  # type: ignore[arg-type]

    assert service.given[0].text == "mute source=kubecost for 7d R&D move <!channel> &lt; > 5"

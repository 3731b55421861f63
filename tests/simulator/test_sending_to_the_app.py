"""Slack's side: signed events, commands and clicks, checked by slack_sdk's SignatureVerifier
and by a real bolt app talking back to the simulator."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.devtools.simulator import AppRequestError, SlackSimulator, slack_signature
from bot.devtools.simulator.app_client import signed_headers
from tests.simulator.receiver import Receiver


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def test_signature_matches_slack_sdk_verifier() -> None:
    body = b'{"type":"event_callback"}'
    headers = signed_headers("s3cret", body)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert headers["X-Slack-Signature"] == slack_signature("s3cret", headers["X-Slack-Request-Timestamp"], body)


def test_send_event_wraps_signs_and_marks_retries(sim: SlackSimulator, receiver: Receiver) -> None:
    event = {"type": "app_mention", "user": "U1", "text": "hi", "ts": "1700000000.000100", "channel": "C1"}

    first = sim.send_event(receiver.url, event, event_id="EvFIXED01")
    retry = sim.send_event(receiver.url, event, event_id="EvFIXED01", retry_num=1, retry_reason="http_timeout")

    assert (first.status, retry.status) == (200, 200)
    original, retried = receiver.requests
    assert original.signature_valid and retried.signature_valid
    envelope = json.loads(original.body)
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "EvFIXED01"
    assert envelope["event"]["text"] == "hi" and envelope["team_id"] == sim.team_id
    assert envelope["authorizations"][0]["user_id"] == sim.bot_user_id
    assert "X-Slack-Retry-Num" not in original.headers
    assert (retried.headers["X-Slack-Retry-Num"], retried.headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")


def test_bad_secret_and_stale_timestamp_fail_verification(sim: SlackSimulator, receiver: Receiver) -> None:
    event = {"type": "message", "text": "x", "channel": "C1", "user": "U1", "ts": "1.000001"}
    bad = sim.send_event(receiver.url, event, signing_secret="not-the-secret")
    stale = sim.send_event(receiver.url, event, timestamp=int(time.time()) - 600)

    assert (bad.status, stale.status) == (401, 401)
    assert [r.signature_valid for r in receiver.requests] == [False, False]


def test_requests_reuse_one_kept_alive_connection(sim: SlackSimulator, receiver: Receiver) -> None:
    for n in range(3):
        sim.send_event(receiver.url, {"type": "message", "text": str(n), "channel": "C1", "user": "U1"})
    assert len(receiver.requests) == 3
    assert len({r.client_port for r in receiver.requests}) == 1  # one TCP connection for all three


def test_a_commands_text_carries_and_lt_gt_as_slack_escapes_them(sim: SlackSimulator, receiver: Receiver) -> None:
    alice = sim.add_user("alice")

    sim.send_command(receiver.url, "/finops", "mute source=x for 1d R&D <!channel> > 5", user_id=alice)

    assert _form(receiver.requests[0].body)["text"] == "mute source=x for 1d R&amp;D &lt;!channel&gt; &gt; 5"


def test_command_is_form_encoded_with_response_url(sim: SlackSimulator, receiver: Receiver) -> None:
    alice = sim.add_user("alice")
    alerts = sim.add_channel("cost-alerts")

    answer = sim.send_command(receiver.url, "/finops", "who-owns anomalies", user_id=alice, channel_id=alerts)

    assert answer.status == 200
    request = receiver.requests[0]
    assert request.signature_valid
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = _form(request.body)
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == (
        "/finops",
        "who-owns anomalies",
        alice,
        alerts,
    )
    assert form["response_url"].startswith(sim.base_url + "/response/")
    assert form["trigger_id"]


def test_post_message_records_and_delivers(sim: SlackSimulator, receiver: Receiver) -> None:
    alerts = sim.add_channel("cost-alerts")
    chatbot = sim.add_bot("AWS Chatbot")
    attachments = [{"title": "Budget exceeded", "text": "Actual $1,200 > $1,000", "color": "danger"}]

    ts = sim.post_message(receiver.url, alerts, bot_id=chatbot, attachments=attachments, subtype="bot_message")

    delivered = json.loads(receiver.requests[0].body)["event"]
    assert delivered["ts"] == ts and delivered["channel"] == alerts
    assert delivered["bot_id"] == chatbot and delivered["subtype"] == "bot_message"
    assert delivered["attachments"] == attachments and delivered["channel_type"] == "channel"
    assert sim.messages(alerts)[0]["attachments"] == attachments


def test_post_message_raises_when_the_app_refuses(sim: SlackSimulator, receiver: Receiver) -> None:
    alice = sim.add_user("alice")
    receiver.refuse_with = 503
    with pytest.raises(AppRequestError, match="503"):
        sim.post_message(receiver.url, "general", alice, "hello")


def test_url_verification_sends_a_challenge(sim: SlackSimulator, receiver: Receiver) -> None:
    sim.send_url_verification(receiver.url)
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "url_verification" and body["challenge"]


def test_bolt_app_replies_in_thread_through_the_simulator(sim: SlackSimulator, bolt_app_url: str) -> None:
    alerts = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")

    ts = sim.post_message(bolt_app_url, alerts, alice, "Why did the bill jump?")
    reply = sim.wait_for_replies(alerts, ts)[0]

    assert reply["text"] == f"<@{alice}> asked about the bill"
    assert reply["bot_id"] == sim.bot_id
    assert [m["text"] for m in sim.thread(alerts, ts)] == ["Why did the bill jump?", reply["text"]]


def test_bolt_app_rejects_a_bad_signature(sim: SlackSimulator, bolt_app_url: str) -> None:
    event = {"type": "message", "text": "bill", "channel": sim.general_channel_id, "user": "U1", "ts": "1.000100"}
    assert sim.send_event(bolt_app_url, event, signing_secret="wrong").status == 401
    assert sim.send_event(bolt_app_url, event, timestamp=int(time.time()) - 3600).status == 401
    assert sim.calls("chat.postMessage") == []


def test_bolt_command_ack_and_response_url_show_in_the_channel(sim: SlackSimulator, bolt_app_url: str) -> None:
    alice = sim.add_user("alice")

    answer = sim.send_command(bolt_app_url, "/finops", "who-owns anomalies", user_id=alice)
    sim.wait_for("response_url")

    assert answer.status == 200 and answer.body == "Looking up who-owns anomalies"
    assert [m["text"] for m in sim.ephemeral_messages("general", user=alice)] == ["Looking up who-owns anomalies"]
    assert [m["text"] for m in sim.messages("general")] == ["Owners: @finops-eng"]
    rendered = sim.render_channel("general")
    assert "alice  (only visible to @alice)\n    /finops who-owns anomalies" in rendered
    assert "(only visible to @alice)\n    Looking up who-owns anomalies" in rendered


def test_bolt_button_click_replaces_the_original(sim: SlackSimulator, bolt_app_url: str, web_client) -> None:
    alice = sim.add_user("alice")
    posted = web_client.chat_postMessage(
        channel="general",
        text="Budget alert",
        blocks=[
            {"type": "section", "block_id": "alert", "text": {"type": "mrkdwn", "text": "Budget alert"}},
            {
                "type": "actions",
                "block_id": "buttons",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "take",
                        "value": "A-1",
                        "text": {"type": "plain_text", "text": "Take it"},
                    },
                ],
            },
        ],
    )

    payload = sim.block_actions_payload(posted["ts"], "general", "take", user_id=alice)
    answer = sim.click_button(bolt_app_url, posted["ts"], "general", "take", user_id=alice)
    sim.wait_for("response_url")

    assert payload["actions"][0]["block_id"] == "buttons" and payload["actions"][0]["value"] == "A-1"
    assert answer.status == 200
    assert [m["text"] for m in sim.messages("general")] == ["Taken"]
    with pytest.raises(ValueError, match="take"):
        sim.block_actions_payload(posted["ts"], "general", "missing")


def test_edit_and_thread_reply_events(sim: SlackSimulator, receiver: Receiver) -> None:
    alerts = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")
    bob = sim.add_user("bob")
    parent = sim.post_message(receiver.url, alerts, alice, "original")
    reply = sim.post_message(receiver.url, alerts, bob, "in thread", thread_ts=parent)

    sim.edit_message(receiver.url, alerts, parent, "edited")

    events = [json.loads(r.body)["event"] for r in receiver.requests]
    assert events[1]["thread_ts"] == parent and events[1]["parent_user_id"] == alice and events[1]["ts"] == reply
    edit = events[2]
    assert (edit["subtype"], edit["message"]["text"], edit["previous_message"]["text"]) == (
        "message_changed",
        "edited",
        "original",
    )
    assert sim.messages(alerts)[0]["text"] == "edited"


def test_a_closed_keep_alive_connection_is_replaced(sim: SlackSimulator, receiver: Receiver) -> None:
    sim.send_event(receiver.url, {"type": "message", "text": "1", "channel": "C1", "user": "U1"})
    receiver.close_after_next = True  # the app drops the idle connection after answering
    sim.send_event(receiver.url, {"type": "message", "text": "2", "channel": "C1", "user": "U1"})
    third = sim.send_event(receiver.url, {"type": "message", "text": "3", "channel": "C1", "user": "U1"})

    assert third.status == 200
    assert [json.loads(r.body)["event"]["text"] for r in receiver.requests] == ["1", "2", "3"]
    assert len({r.client_port for r in receiver.requests}) == 2

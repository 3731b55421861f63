"""Malformed and hostile payloads over signed HTTP: a clear answer, never a crash, nothing lost."""

from __future__ import annotations

import json

import pytest

from bot.devtools.simulator.app_client import AppClient

ODD_UNICODE = "\u202e\u200b\u200d" + "ﬁnops 💸 Ａｍａｚｏｎ ｂｉｌｌ " + "e\u0301" * 50 + "\U0001f9fe" + "\ud7ff"


def raw_post(harness, body: bytes, content_type: str = "application/json"):
    return AppClient(harness.sim.signing_secret).post(harness.bot.url, body, content_type)


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"[1, 2, 3]", b'{"type": "event_callback", "event": "oops"}', b"\xff\xfe\x00garbage", b"{}"],
)
def test_malformed_signed_bodies_get_a_clear_non_5xx_answer(harness, body):
    response = raw_post(harness, body)
    assert 400 <= response.status < 500 or response.status == 200


def test_message_events_with_wrong_shapes_are_refused_or_ignored_never_crash(harness):
    for odd in (
        {"type": "message", "channel": harness.alerts, "ts": None, "text": "AWS bill doubled"},
        {"type": "message", "channel": harness.alerts, "ts": "1.1", "text": ["not", "a", "string"], "user": "U1"},
        {"type": "message", "channel": harness.alerts, "ts": "1.2", "text": "", "attachments": "nope", "blocks": {}},
        {"type": "message", "channel": 42, "ts": "1.3", "text": "AWS budget exceeded $5,000"},
    ):
        assert harness.sim.send_event(harness.bot.url, odd).status in (200, 400)


def nested_rich_text(depth: int) -> dict:
    element: dict = {"type": "text", "text": "AWS budget exceeded: $12,000 of $10,000"}
    for _ in range(depth):
        element = {"type": "rich_text_section", "elements": [element]}
    return {"type": "rich_text", "elements": [element]}


def test_huge_odd_and_deeply_nested_messages_are_handled(harness):
    huge = ("our AWS cost anomaly alert: EC2 spend up $9,000 " + ODD_UNICODE) * 500
    assert len(huge) > 40_000
    ts_huge = harness.post(huge[:40_000])
    reply = harness.reply_to(ts_huge)
    assert len(json.dumps(reply)) < 20_000  # the reply quotes nothing at length

    # Blocks are read to a safe depth: a shallow nesting is routed, a pathological one is
    # acknowledged (the post returned) and read as empty, so nothing is stored or tagged.
    ts_shallow = harness.post("", blocks=[nested_rich_text(10)])
    ts_nested = harness.post("", blocks=[nested_rich_text(150)])
    assert "budget" in json.dumps(harness.reply_to(ts_shallow)).lower()
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts_nested) is None

    ts_empty = harness.post("")
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts_empty) is None

"""Malformed and hostile requests (issue 11, item 9): a clear 4xx, cheap when unsigned, never a traceback."""

from __future__ import annotations

import json

from bot.devtools.simulator.app_client import AppClient, slack_signature


def deep_json(depth: int) -> bytes:
    return b'{"type": "event_callback", "event": ' + b"[" * depth + b"]" * depth + b"}"


def tracebacks(harness) -> list[str]:
    return [line for line in harness.bot.log_lines if "Traceback" in line]


def test_deeply_nested_json_is_refused_signed_or_not_without_a_traceback(harness):
    body = deep_json(5000)
    client = AppClient(harness.sim.signing_secret)
    unsigned = client.post(harness.bot.url, body, "application/json", signing_secret="not-the-secret")
    signed = client.post(harness.bot.url, body, "application/json")
    assert (unsigned.status, signed.status) == (401, 400)
    assert tracebacks(harness) == []


def test_a_timestamp_that_is_not_a_whole_number_is_401(harness):
    body = json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode()
    for timestamp in ("soon", "12.5", "", "1" * 40):
        headers = {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": slack_signature(harness.sim.signing_secret, timestamp, body),
        }
        response = AppClient(harness.sim.signing_secret).post(
            harness.bot.url, body, "application/json", extra_headers=headers
        )
        assert response.status == 401, timestamp
    assert tracebacks(harness) == []


def test_a_signed_body_of_the_wrong_shape_is_400_whatever_its_content_type(harness):
    client = AppClient(harness.sim.signing_secret)
    for content_type in ("application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""):
        for body in (b'{"type": "event_callback", "event": "oops"}', b'{"event": {"channel": 42}}'):
            response = client.post(harness.bot.url, body, content_type)
            assert response.status == 400, (content_type, body)
    assert tracebacks(harness) == []


def test_a_form_payload_of_the_wrong_shape_is_400(harness):
    client = AppClient(harness.sim.signing_secret)
    for payload in (b"payload=%5B1%2C2%5D", b"payload=" + b"%5B" * 5000, b"payload=not-json"):
        response = client.post(harness.bot.url, payload, "application/x-www-form-urlencoded")
        assert response.status == 400, payload[:20]
    assert tracebacks(harness) == []

"""Injected failures, seen through slack_sdk's own retry handlers."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.devtools.simulator import SlackSimulator


def test_rate_limit_then_success_waits_for_retry_after(sim: SlackSimulator) -> None:
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    sim.fail_next("chat.postMessage", status=429, retry_after=1)

    answer = client.chat_postMessage(channel="general", text="after the rate limit")

    assert answer["ok"]
    limited, accepted = sim.calls("chat.postMessage")
    assert (limited.status, limited.error) == (429, "ratelimited")
    assert accepted.ok
    # The client honoured the real Retry-After header (slack_sdk adds up to 1s of jitter).
    assert accepted.at - limited.at >= 1.0
    assert [m["text"] for m in sim.messages("general")] == ["after the rate limit"]


def test_rate_limit_without_retry_handler_surfaces_ratelimited(sim: SlackSimulator) -> None:
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    sim.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] in ("7", ["7"])
    assert sim.messages("general") == []


def test_server_error_then_success_with_server_error_retry_handler(sim: SlackSimulator) -> None:
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    client.retry_handlers.append(
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    )
    sim.fail_next("chat.postMessage", status=500, times=2)

    assert client.chat_postMessage(channel="general", text="third time lucky")["ok"]

    assert [c.status for c in sim.calls("chat.postMessage")] == [500, 500, 200]
    assert len(sim.messages("general")) == 1


def test_api_error_injection_answers_ok_false_once(sim: SlackSimulator, web_client: WebClient) -> None:
    sim.fail_next("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackApiError) as raised:
        web_client.chat_postMessage(channel="general", text="first")
    web_client.chat_postMessage(channel="general", text="second")

    assert raised.value.response["error"] == "not_in_channel"
    assert [c.error for c in sim.calls("chat.postMessage")] == ["not_in_channel", None]
    assert [m["text"] for m in sim.messages("general")] == ["second"]


def test_delayed_response_times_the_client_out_until_released(sim: SlackSimulator) -> None:
    impatient = WebClient(token=sim.bot_token, base_url=sim.api_url, timeout=0.2)
    sim.fail_next("auth.test", delay=30)

    with pytest.raises(Exception) as raised:
        impatient.auth_test()
    assert "timed out" in str(raised.value).lower()

    sim.release_delays()
    answered = sim.wait_for("auth.test", timeout=2)
    assert answered[0].ok  # a delay alone slows the answer without failing it


def test_a_failure_needs_something_to_fail(sim: SlackSimulator) -> None:
    with pytest.raises(ValueError):
        sim.fail_next("chat.postMessage")


def test_the_per_channel_post_limit_answers_429_past_the_burst_in_that_channel_only(sim: SlackSimulator) -> None:
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    other = sim.add_channel("other")
    sim.rate_limit_posts(per_second=0.1, burst=2)  # a token every 10 s: none comes back during the test

    for text in ("one", "two"):
        client.chat_postMessage(channel="general", text=text)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="three")
    client.chat_postMessage(channel=other, text="elsewhere")
    sim.rate_limit_posts(None)
    client.chat_postMessage(channel="general", text="unlimited again")

    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 9
    assert [m["text"] for m in sim.messages("general")] == ["one", "two", "unlimited again"]
    assert [c.status for c in sim.calls("chat.postMessage")] == [200, 200, 429, 200, 200]

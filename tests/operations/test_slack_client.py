"""The bot's Slack client keeps one HTTP connection open and still follows slack_sdk's retry handlers."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.devtools.simulator import SlackSimulator
from bot.slack.client import make_web_client


def test_calls_share_one_keep_alive_connection_and_retry_a_429() -> None:
    with SlackSimulator() as sim:
        channel = sim.add_channel("cost-alerts")
        client = make_web_client(sim.bot_token, sim.api_url)
        for number in range(5):
            client.chat_postMessage(channel=channel, text=f"post {number}")
        assert client.pool.opened == 1

        sim.fail_next("chat.postMessage", status=429, retry_after=0)
        response = client.chat_postMessage(channel=channel, text="after a 429")
        assert response["ok"] is True  # RateLimitErrorRetryHandler waited it out and sent again
        assert [call.status for call in sim.calls("chat.postMessage")][-2:] == [429, 200]

        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0NOWHERE", text="nobody")
        assert refused.value.response["error"] == "channel_not_found"
        assert client.pool.opened == 1


def test_a_method_with_its_own_token_sends_that_token() -> None:
    with SlackSimulator() as sim:
        client = make_web_client("xoxb-not-this-one", sim.api_url)
        # apps.connections.open takes the app-level token as a parameter, as in slack_sdk's own client.
        assert client.apps_connections_open(app_token=sim.app_token)["ok"] is True

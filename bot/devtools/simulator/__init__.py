"""A local Slack simulator: a test double for Slack itself, not part of the bot.

Tests, `finops-bot demo` and the benchmarks run the real bolt app against it
exactly as production runs against Slack, with nothing of bolt or slack_sdk
mocked:

* a fake **Web API** on `http://127.0.0.1:PORT/api/` (pass `sim.api_url` as
  `WebClient(base_url=...)` / `SLACK_API_URL`) with channels, users, user groups
  and message history, Slack's error codes, cursor pagination, and injectable
  failures (429 with a real `Retry-After`, 5xx, API errors, slow answers);
* every call **recorded** (`sim.calls()`, `sim.wait_for()`, which blocks on a
  condition instead of sleeping);
* a **Slack-side client** that sends v0-signed events, slash commands and button
  clicks to the app's request URL over kept-alive connections, and serves the
  `response_url`s it hands out;
* a fake **Socket Mode** websocket server, returned by `apps.connections.open`;
* `sim.render_channel()`: a channel as Slack would show it, in plain text.

Example::

    from slack_sdk import WebClient
    from bot.devtools.simulator import SlackSimulator

    with SlackSimulator(bot_token="xoxb-test", signing_secret="secret") as sim:
        alerts = sim.add_channel("cost-alerts")
        alice = sim.add_user("alice", email="alice@example.com")
        # ... start the app with SLACK_API_URL=sim.api_url, listening on app_url ...
        ts = sim.post_message(app_url, alerts, alice, "Why did our AWS bill jump 40%?")
        reply = sim.wait_for_replies(alerts, ts)[0]
        status, body = sim.send_command(app_url, "/finops", "who-owns anomalies", user_id=alice)
        print(sim.render_channel(alerts))

        client = WebClient(token="xoxb-test", base_url=sim.api_url)
        client.chat_postMessage(channel=alerts, text="hello")
        assert sim.calls("chat.postMessage")[-1].params["text"] == "hello"
"""

from bot.devtools.simulator.app_client import AppRequestError, AppResponse, signed_headers, slack_signature
from bot.devtools.simulator.recording import Call
from bot.devtools.simulator.render import display_mrkdwn
from bot.devtools.simulator.simulator import SlackSimulator

__all__ = [
    "AppRequestError",
    "AppResponse",
    "Call",
    "SlackSimulator",
    "display_mrkdwn",
    "signed_headers",
    "slack_signature",
]

"""The fake Socket Mode server with slack_sdk's real builtin SocketModeClient."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.devtools.simulator import SlackSimulator


@pytest.fixture(scope="module")
def socket_sim() -> Iterator[SlackSimulator]:
    with SlackSimulator(app_token="xapp-socket-test") as simulator:
        yield simulator


@pytest.fixture(scope="module")
def socket_client(socket_sim: SlackSimulator) -> Iterator[tuple[SocketModeClient, list[SocketModeRequest]]]:
    """A connected client that acks every envelope, echoing slash commands as an ack payload.

    Module-scoped: closing slack_sdk's client takes about a second (its message
    processor waits out a queue timeout), so the tests share one.
    """
    sim = socket_sim
    client = SocketModeClient(app_token=sim.app_token, web_client=WebClient(token=sim.bot_token, base_url=sim.api_url))
    received: list[SocketModeRequest] = []

    def acknowledge(client: SocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        payload = {"text": f"You said {request.payload['text']}"} if request.type == "slash_commands" else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=payload))

    client.socket_mode_request_listeners.append(acknowledge)
    client.connect()
    sim.wait_for_socket_connection()
    yield client, received
    # Closing from the server first would race slack_sdk's own disconnect
    # (both threads close the socket), so the client closes on its own.
    client.close()


def test_apps_connections_open_needs_the_app_token(sim: SlackSimulator, web_client: WebClient) -> None:
    url = WebClient(base_url=sim.api_url).apps_connections_open(app_token=sim.app_token)["url"]
    assert url.startswith("ws://127.0.0.1:") and "ticket=" in url
    with pytest.raises(Exception, match="not_allowed_token_type"):
        web_client.apps_connections_open(app_token=sim.bot_token)


def test_client_gets_hello_then_an_event_and_acks(socket_sim: SlackSimulator, socket_client) -> None:
    sim, (_client, received) = socket_sim, socket_client
    alerts = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")

    ts, envelope_id = sim.socket_post_message(alerts, alice, "Why did the bill jump?")
    ack = sim.wait_for_socket_ack(envelope_id)

    assert ack == {"envelope_id": envelope_id}
    request = next(r for r in received if r.envelope_id == envelope_id)
    assert request.type == "events_api"
    assert request.payload["event"]["ts"] == ts and request.payload["event"]["channel"] == alerts
    assert sim.calls("apps.connections.open")[0].token == sim.app_token


def test_slash_command_ack_payload_shows_as_ephemeral(socket_sim: SlackSimulator, socket_client) -> None:
    sim = socket_sim
    alice = sim.add_user("alice")

    envelope_id = sim.socket_send_command("/finops", "help", user_id=alice)
    ack = sim.wait_for_socket_ack(envelope_id)

    assert ack["payload"] == {"text": "You said help"}
    assert [m["text"] for m in sim.ephemeral_messages("general", user=alice)] == ["You said help"]


def test_client_ping_is_answered(socket_client) -> None:
    client, _received = socket_client
    # The builtin client pings right after connecting and records the pong's time.
    deadline = time.monotonic() + 5
    while client.current_session.last_ping_pong_time is None and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a third-party client's state, with a deadline
    assert client.current_session.last_ping_pong_time is not None


def test_unknown_ticket_is_refused(sim: SlackSimulator) -> None:
    url = WebClient(base_url=sim.api_url).apps_connections_open(app_token=sim.app_token)["url"]
    forged = url.split("ticket=")[0] + "ticket=forged"
    with pytest.raises(InvalidStatus, match="401"):
        connect(forged, open_timeout=2).close()
    with connect(url, open_timeout=2) as websocket:
        assert '"type": "hello"' in websocket.recv(timeout=2)


def test_waiting_for_a_missing_ack_times_out(sim: SlackSimulator) -> None:
    with pytest.raises(TimeoutError, match="nope"):
        sim.wait_for_socket_ack("nope", timeout=0.05)


def test_interactive_payload_is_delivered_and_acked(socket_sim: SlackSimulator, socket_client) -> None:
    _client, received = socket_client
    payload = {"type": "block_actions", "actions": [{"action_id": "take", "value": "A-1"}]}

    envelope_id = socket_sim.socket_send_action(payload)
    socket_sim.wait_for_socket_ack(envelope_id)

    request = next(r for r in received if r.envelope_id == envelope_id)
    assert (request.type, request.payload) == ("interactive", payload)
    assert {"envelope_id": envelope_id} in socket_sim.socket_received()

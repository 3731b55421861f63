"""Fixtures for the simulator tests: a started simulator, a real WebClient on it,
a plain signed-request receiver and a real bolt app served over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.devtools.simulator import SlackSimulator
from tests.simulator.receiver import ReceivedRequest, Receiver

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    simulator = SlackSimulator(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=APP_TOKEN)
    with simulator:
        yield simulator


@pytest.fixture
def web_client(sim: SlackSimulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=sim.api_url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    verifier = SignatureVerifier(SIGNING_SECRET)
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k: v for k, v in self.headers.items()}
            valid = verifier.is_valid_request(body, headers)
            with state.arrived:
                state.requests.append(ReceivedRequest(self.path, headers, body, valid, self.client_address[1]))
                state.arrived.notify_all()
            answer = json.dumps(state.reply or {}).encode() if valid else b"invalid signature"
            self.send_response(state.refuse_with or (200 if valid else 401))
            self.send_header("Content-Type", "application/json" if valid else "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            if state.close_after_next:
                # Silently, as an idle-timeout would: the client only learns on next use.
                state.close_after_next = False
                self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_app_url(sim: SlackSimulator) -> Iterator[str]:
    """A real bolt app (no mocks) on a real port, talking to the simulator as its Slack.

    It replies in thread to messages containing "bill" and answers /finops with
    an ephemeral acknowledgement plus a response_url follow-up.
    """
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=BOT_TOKEN, base_url=sim.api_url),
    )

    @app.message("bill")
    def reply_in_thread(message: dict, say: Any) -> None:
        say(text=f"<@{message['user']}> asked about the bill", thread_ts=message["ts"])

    @app.event("message")
    def ignore_other_messages() -> None:
        pass

    @app.command("/finops")
    def finops(ack: Any, respond: Any, command: dict) -> None:
        ack(text=f"Looking up {command['text']}")
        respond(text="Owners: @finops-eng", response_type="in_channel")

    @app.action("take")
    def take(ack: Any, respond: Any) -> None:
        ack()
        respond(text="Taken", replace_original=True)

    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()

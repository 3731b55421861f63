"""Slow clients (issue 11, item 7): connections trickling a byte at a time cannot take every worker thread."""

from __future__ import annotations

import socket
import threading
import urllib.request
from contextlib import suppress
from urllib.parse import urlsplit

from tests.slack.harness import copy_config, start_harness, stop_harness

SLOW_CLIENTS = 24  # three times the worker's threads
TRICKLE = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"


def trickle(address: tuple[str, int], stop: threading.Event, sent: list[int]) -> None:
    """One byte at a time, forever (until ``stop``); reconnects when the server drops it, as an attacker would."""
    pause = threading.Event()
    while not stop.is_set():
        with suppress(OSError), socket.create_connection(address, timeout=5) as connection:
            payload = TRICKLE + b"{" * 4000
            for index in range(len(payload)):
                if stop.is_set():
                    return
                connection.sendall(payload[index : index + 1])
                sent[0] += 1
                pause.wait(0.25)
        pause.wait(0.05)


def test_trickling_clients_do_not_stop_health_checks_or_events(tmp_path):
    harness = start_harness(
        tmp_path,
        f"sqlite:///{tmp_path / 'bot.db'}",
        copy_config(tmp_path),
        # Each request waits behind the trickling ones for about two read deadlines: 1 s rather than 2 s
        # halves the test (about 24 s to 12 s) and still lets every attacker send several bytes per connection.
        extra_env={"FINOPS_REQUEST_READ_TIMEOUT_SECONDS": "1"},
    )
    stop = threading.Event()
    sent = [0]
    split = urlsplit(harness.bot.url)
    address = (split.hostname or "127.0.0.1", split.port or 80)
    attackers = [threading.Thread(target=trickle, args=(address, stop, sent), daemon=True) for _ in range(SLOW_CLIENTS)]
    try:
        for attacker in attackers:
            attacker.start()
        # Every thread of the worker is now busy reading a slow request.
        while sent[0] < SLOW_CLIENTS * 8:
            threading.Event().wait(0.05)
        for _ in range(5):
            with urllib.request.urlopen(harness.bot.health_url, timeout=60) as response:
                assert response.status == 200
        ts = harness.post("AWS spend is tracking 40% over forecast this month ($310k vs $220k plan), who owns this?")
        assert harness.reply_to(ts, timeout=60)
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join(10)
        stop_harness(harness)

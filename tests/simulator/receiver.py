"""The app stand-in the simulator's sending tests post to (its server is the ``receiver`` fixture)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    client_port: int


@dataclass
class Receiver:
    """An app stand-in that checks Slack signatures with slack_sdk's own verifier."""

    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    reply: dict[str, Any] | None = None
    refuse_with: int | None = None  # answer this status instead, to imitate a failing app
    close_after_next: bool = False  # close the connection after the next answer
    arrived: threading.Condition = field(default_factory=threading.Condition)

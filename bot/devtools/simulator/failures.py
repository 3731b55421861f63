"""Injected failures for the fake Web API: rate limits, server errors, API errors, slow answers."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """How the next call to a method misbehaves.

    status 429 answers `{"ok": false, "error": "ratelimited"}` with a real
    `Retry-After` header; another non-200 status answers that status; `error`
    with status 200 answers `{"ok": false, "error": error}` like Slack's API
    errors; `delay` holds the answer back that many seconds first (released
    early when the simulator stops or `release_delays()` is called).
    """

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float | None = None

    def response(self) -> tuple[int, dict[str, str], JSONDict] | None:
        """(status, extra headers, body), or None when only a delay was asked for."""
        if self.status == 429:
            retry_after = 1 if self.retry_after is None else self.retry_after
            return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": self.error or "ratelimited"}
        if self.status != 200:
            return self.status, {}, {"ok": False, "error": self.error or "internal_error"}
        if self.error is not None:
            return 200, {}, {"ok": False, "error": self.error}
        return None


class FailurePlan:
    """Per-method queues of failures; each call to a method consumes at most one."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Failure]] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()

    def add(self, method: str, failure: Failure, times: int = 1) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if failure.status == 200 and failure.error is None and failure.delay is None:
            raise ValueError("a failure needs a non-200 status, an error or a delay")
        with self._lock:
            self._queues.setdefault(method, deque()).extend([failure] * times)

    def take(self, method: str) -> Failure | None:
        with self._lock:
            queue = self._queues.get(method)
            if not queue:
                return None
            return queue.popleft()

    def pending(self, method: str) -> int:
        with self._lock:
            return len(self._queues.get(method, ()))

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()

    def wait_out(self, delay: float) -> None:
        """Hold a response back for `delay` seconds, or until `release_delays()`."""
        self._release.wait(delay)

    def release_delays(self) -> None:
        self._release.set()

    def rearm_delays(self) -> None:
        self._release.clear()

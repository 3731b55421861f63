"""Recording of the requests the app makes to the fake Slack, and waiting for them.

Tests synchronise on recorded calls (`CallLog.wait_for`) instead of sleeping:
the waiter blocks on a condition variable that every recorded call notifies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]
CallMatcher = str | Callable[["Call"], bool]


@dataclass(frozen=True)
class Call:
    """One request the app made to the fake Slack.

    `method` is the Web API method (`"chat.postMessage"`), or `"response_url"`
    for a post to a slash-command/interaction `response_url`.
    `params` are the request parameters with JSON-encoded values (`blocks`,
    `attachments`, `view`...) already decoded. `at` is `time.monotonic()` when
    the request arrived, for measuring gaps such as a Retry-After wait.
    `status` and `response` are what the simulator answered.
    """

    method: str
    params: JSONDict
    token: str | None
    at: float
    status: int = 200
    response: JSONDict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok", False))

    @property
    def error(self) -> str | None:
        return None if self.ok else self.response.get("error")


def _as_predicate(matcher: CallMatcher | None) -> Callable[[Call], bool]:
    if matcher is None:
        return lambda call: True
    if isinstance(matcher, str):
        return lambda call: call.method == matcher
    return matcher


class CallLog:
    """A thread-safe, append-only list of calls with blocking waits."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._generation = 0
        self._changed = threading.Condition()

    def record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, matcher: CallMatcher | None = None) -> list[Call]:
        predicate = _as_predicate(matcher)
        with self._changed:
            return [call for call in self._calls if predicate(call)]

    def reset(self) -> None:
        with self._changed:
            self._calls.clear()
            self._generation += 1

    def wait_for(self, matcher: CallMatcher, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` recorded calls match; return all matching calls.

        `matcher` is a method name or a predicate on `Call`. Raises TimeoutError,
        naming what was recorded, when `timeout` seconds pass first.
        """
        predicate = _as_predicate(matcher)
        deadline = time.monotonic() + timeout
        matching: list[Call] = []
        scanned = 0
        with self._changed:
            generation = self._generation
            while True:
                if generation != self._generation:  # reset() while waiting: start over
                    generation, matching, scanned = self._generation, [], 0
                # Only calls recorded since the last wake-up are checked, so many
                # concurrent waiters (the benchmark) stay cheap as the log grows.
                matching.extend(call for call in self._calls[scanned:] if predicate(call))
                scanned = len(self._calls)
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(call.method for call in self._calls[-20:]) or "nothing"
                    raise TimeoutError(
                        f"waited {timeout}s for {count} call(s) matching {matcher!r}, "
                        f"got {len(matching)}; last recorded: {seen}"
                    )
                self._changed.wait(remaining)

"""Slack's per-channel limit on `chat.postMessage`, for the fake Web API to enforce when asked.

Slack takes about one message a second per channel, with short bursts, and
answers more with HTTP 429 and a `Retry-After`. Off unless a test or benchmark
turns it on (`SlackSimulator.rate_limit_posts`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from bot.domain.pacing import TokenBucket


class PostRateLimit:
    """A token bucket per channel; thread-safe."""

    def __init__(self, per_second: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not per_second > 0 or burst < 1:
            raise ValueError("a post rate limit needs per_second > 0 and burst >= 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def admit(self, channel: str) -> int | None:
        """None when a post to `channel` may go now (it is counted); else the Retry-After, whole seconds."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.setdefault(channel, TokenBucket.full(self.per_second, self.burst, now))
            if bucket.take(now):
                return None
            return max(1, math.ceil(bucket.ready_at(now) - now))

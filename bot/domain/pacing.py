"""Per-channel pacing of posts: which queued message may go to Slack next, and when.

Slack takes about one ``chat.postMessage`` per second per channel, with short
bursts. ``ChannelPacer`` keeps a queue per channel (oldest first), a token
bucket per channel, and a pause per channel (a 429's Retry-After), and hands
out the next message whose channel may post now. One message per channel is
out at a time, so a channel's messages reach Slack in order; channels never
wait for each other. Time is a number of seconds the caller passes in (a
monotonic clock in the relay, a counter in tests); nothing here sleeps.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` kept; a post spends one."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        return cls(rate, capacity, capacity, now)

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def ready_at(self, now: float) -> float:
        """When a token is there: ``now`` or later."""
        self._refill(now)
        if self.tokens >= 1:
            return now
        return now + (1 - self.tokens) / self.rate

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


@dataclass
class _Lane(Generic[T]):
    bucket: TokenBucket
    waiting: list[tuple[int, int, T]] = field(default_factory=list)  # heap of (order, tie-break, item)
    busy: bool = False  # a message of this channel is out now
    paused_until: float = 0.0


class ChannelPacer(Generic[T]):
    """Queues per channel, paced by a token bucket each; not thread-safe (the caller locks)."""

    def __init__(self, rate: float, burst: float) -> None:
        """``rate``: posts a second per channel (> 0); ``burst``: how many may go at once after a quiet spell."""
        if not rate > 0:
            raise ValueError(f"rate must be more than 0, got {rate}")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._lanes: dict[str, _Lane[T]] = {}
        self._ties = itertools.count()
        self._size = 0

    def __len__(self) -> int:
        """Messages waiting (not those out now)."""
        return self._size

    def add(self, channel: str, order: int, item: T, now: float) -> None:
        """Queue ``item`` for ``channel``; within a channel, lower ``order`` goes first."""
        lane = self._lanes.get(channel)
        if lane is None:
            lane = self._lanes[channel] = _Lane(TokenBucket.full(self.rate, self.burst, now))
        heapq.heappush(lane.waiting, (order, next(self._ties), item))
        self._size += 1

    def take(self, now: float) -> tuple[str, T] | None:
        """The next message that may go now, its channel marked busy; None when none may.

        Among channels that may post, the one whose head is oldest (lowest order) goes first.
        """
        best: tuple[int, str] | None = None
        idle = []
        for channel, lane in self._lanes.items():
            if not lane.waiting:
                idle.append(channel)
            elif self._ready_at(lane, now) <= now and (best is None or lane.waiting[0][0] < best[0]):
                best = (lane.waiting[0][0], channel)
        for channel in idle:
            self._forget_if_idle(channel, self._lanes[channel], now)
        if best is None:
            return None
        channel = best[1]
        lane = self._lanes[channel]
        lane.bucket.take(now)
        lane.busy = True
        self._size -= 1
        return channel, heapq.heappop(lane.waiting)[2]

    def next_ready_at(self, now: float) -> float | None:
        """The earliest time a waiting message could go (a busy channel's: never); None when nothing can."""
        times = [self._ready_at(lane, now) for lane in self._lanes.values() if lane.waiting and not lane.busy]
        return min(times) if times else None

    def done(self, channel: str, now: float) -> None:
        """The message taken for ``channel`` is settled: the channel's next may go (when its bucket allows)."""
        lane = self._lanes.get(channel)
        if lane is None:
            return
        lane.busy = False
        self._forget_if_idle(channel, lane, now)

    def pause(self, channel: str, until: float) -> None:
        """Slack said to wait (a 429's Retry-After): nothing goes to ``channel`` before ``until``."""
        lane = self._lanes.get(channel)
        if lane is not None:
            lane.paused_until = max(lane.paused_until, until)
            # Slack counts from its refusal: start again with one post, not a burst.
            lane.bucket.tokens = min(lane.bucket.tokens, 0.0)
            lane.bucket.updated = max(lane.bucket.updated, until - 1 / self.rate)

    def put_back(self, channel: str, order: int, item: T, now: float) -> None:
        """Queue a taken message again (refused for now), keeping its place in its channel's order."""
        self.add(channel, order, item, now)

    def clear(self) -> list[T]:
        """Every waiting message, removed (stopping: they are released for another process)."""
        items = [entry[2] for lane in self._lanes.values() for entry in lane.waiting]
        for lane in self._lanes.values():
            lane.waiting.clear()
        self._size = 0
        return items

    def near_term(self, per_channel: int) -> int:
        """Waiting messages, counting at most ``per_channel`` of each channel (the rest wait their turn anyway)."""
        return sum(min(len(lane.waiting), per_channel) for lane in self._lanes.values())

    def channels(self) -> int:
        """Channels tracked now (idle ones with a full bucket are forgotten)."""
        return len(self._lanes)

    @staticmethod
    def _ready_at(lane: _Lane[T], now: float) -> float:
        if lane.busy:
            return float("inf")
        return max(lane.paused_until, lane.bucket.ready_at(max(now, lane.paused_until)))

    def _forget_if_idle(self, channel: str, lane: _Lane[T], now: float) -> None:
        # A channel with nothing queued and a full bucket is the same as a new one: keep memory bounded.
        if not lane.waiting and not lane.busy and lane.paused_until <= now and lane.bucket.is_full(now):
            del self._lanes[channel]

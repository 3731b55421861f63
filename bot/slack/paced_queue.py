"""The relay's work queue when posts are paced per channel (``bot.domain.pacing`` under a lock).

The relay's senders take from it as from a plain queue: delivery ids to claim,
rows to send, ``None`` to stop. A post (``chat.postMessage``) waits in its
channel's lane until the channel may post; everything else (ids not yet
claimed, updates, stop marks) goes out in arrival order at once. A sender that
took a post calls ``done`` when it is settled, which lets that channel's next
one go: so each channel's posts reach Slack one at a time, oldest first, while
the other senders serve other channels.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from bot.domain.deliveries import DeliveryRow
from bot.domain.pacing import ChannelPacer

PACED_METHODS = frozenset({"post", "chat.postMessage"})  # Slack's per-channel limit is chat.postMessage's

Item = int | DeliveryRow | None


def paced_channel(row: DeliveryRow) -> str | None:
    """The channel a delivery is paced in, or None when it is not paced."""
    channel = row.payload.get("channel")
    return channel if row.method in PACED_METHODS and isinstance(channel, str) and channel else None


class PacedQueue:
    """Thread-safe: ``put`` from anywhere, ``get``/``done``/``hold_back`` from the senders."""

    def __init__(self, rate: float, burst: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._pacer: ChannelPacer[DeliveryRow] = ChannelPacer(rate, burst)
        self._near = math.ceil(self._pacer.burst)
        self._incoming: deque[Item] = deque()
        self._changed = threading.Condition()
        self._clock = monotonic

    def put(self, item: Item) -> None:
        with self._changed:
            channel = paced_channel(item) if isinstance(item, DeliveryRow) else None
            if isinstance(item, DeliveryRow) and channel is not None:
                self._pacer.add(channel, item.id, item, self._clock())
            else:
                self._incoming.append(item)
            self._changed.notify()

    def get(self) -> Item:
        """The next thing to do: work first, posts as their channels allow, a stop mark once nothing is ready."""
        with self._changed:
            while True:
                if self._incoming and self._incoming[0] is not None:
                    return self._incoming.popleft()
                now = self._clock()
                taken = self._pacer.take(now)
                if taken is not None:
                    return taken[1]
                if self._incoming:  # a stop mark: posts still waiting for their turn are released by the relay
                    return self._incoming.popleft()
                ready = self._pacer.next_ready_at(now)
                self._changed.wait(None if ready is None else max(0.0, ready - now))

    def done(self, row: DeliveryRow) -> None:
        """A post ``get`` handed out is settled (sent, failed, or held back): its channel may go on."""
        channel = paced_channel(row)
        if channel is None:
            return
        with self._changed:
            self._pacer.done(channel, self._clock())
            self._changed.notify()

    def hold_back(self, row: DeliveryRow, seconds: float) -> bool:
        """Slack refused a post for ``seconds`` (429): pause its channel, keep the post first in line.

        False when the row is not paced here (the caller reschedules it in the outbox instead).
        """
        channel = paced_channel(row)
        if channel is None:
            return False
        with self._changed:
            now = self._clock()
            self._pacer.pause(channel, now + seconds)
            self._pacer.put_back(channel, row.id, row, now)
        return True

    def qsize(self) -> int:
        """Work to do soon: what is not a post, plus up to a burst of posts per channel.

        A channel with a long backlog counts as one burst, so new deliveries for other
        channels are still claimed and handed over (no channel waits behind another's backlog).
        """
        with self._changed:
            return len(self._incoming) + self._pacer.near_term(self._near)

    def held(self) -> int:
        """Posts waiting for their channel's turn."""
        with self._changed:
            return len(self._pacer)

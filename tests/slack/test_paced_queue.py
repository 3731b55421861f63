"""The relay's paced queue (bot.slack.paced_queue) on a hand-moved clock: nothing here waits."""

from __future__ import annotations

import datetime as dt

from bot.domain.deliveries import PENDING, POST, UPDATE, DeliveryRow
from bot.slack.paced_queue import PacedQueue

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def row(delivery_id: int, channel: str = "C1", method: str = POST) -> DeliveryRow:
    return DeliveryRow(
        id=delivery_id,
        request_id=None,
        kind="reply",
        method=method,
        payload={"channel": channel, "text": f"d{delivery_id}"},
        status=PENDING,
        attempts=0,
        next_attempt_at=T0,
        claimed_by="w",
        claimed_until=T0 + dt.timedelta(seconds=15),
        last_error=None,
        sent_at=None,
        response_ts=None,
        created_at=T0,
        dedup_key=None,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ids_and_updates_go_at_once_and_posts_one_per_channel_in_order() -> None:
    clock = Clock()
    paced = PacedQueue(rate=1.0, burst=1, monotonic=clock)
    for delivery_id in (3, 2, 4):
        paced.put(row(delivery_id))
    paced.put(row(9, method=UPDATE))  # edits are not under the per-channel post limit
    paced.put(7)  # an id still to claim: its channel is not known yet

    assert paced.get() == row(9, method=UPDATE)
    assert paced.get() == 7
    assert paced.get() == row(2)
    assert paced.qsize() == 1  # a backlog counts as one burst
    assert paced.held() == 2

    paced.put(None)  # stopping: C1 is busy and out of tokens, so the stop mark comes now
    assert paced.get() is None

    paced.done(row(2))
    clock.now = 1.0
    assert paced.get() == row(3)


def test_a_held_back_post_waits_out_the_pause_and_keeps_its_place() -> None:
    clock = Clock()
    paced = PacedQueue(rate=10.0, burst=5, monotonic=clock)
    paced.put(row(1))
    paced.put(row(2))
    paced.put(row(3, channel="C2"))
    first = paced.get()
    assert first == row(1)

    assert paced.hold_back(first, seconds=30)
    paced.done(first)
    assert paced.get() == row(3, channel="C2")  # the other channel is not paused
    clock.now = 30.0
    assert paced.get() == row(1)
    assert not paced.hold_back(row(5, method=UPDATE), seconds=1)  # not paced: the outbox reschedules it

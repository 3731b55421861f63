"""The relay's replies posted by request threads after their response (``OutboxRelay.send_claimed``)."""

from __future__ import annotations

import datetime as dt

from bot.domain.deliveries import DeliveryRow
from bot.services import after_response
from bot.slack.relay import MAX_POSTING_AFTER_RESPONSE, OutboxRelay

NOW = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def row(delivery_id: int) -> DeliveryRow:
    return DeliveryRow(
        id=delivery_id, request_id=delivery_id, kind="reply", method="chat.postMessage",
        payload={"channel": "C1", "text": "hi"}, status="pending", attempts=0, next_attempt_at=NOW,
        claimed_by="w", claimed_until=NOW + dt.timedelta(seconds=15), last_error=None, sent_at=None,
        response_ts=None, created_at=NOW, dedup_key=None,
    )  # fmt: skip


def test_at_most_a_few_request_threads_post_at_once_and_the_rest_go_to_the_senders() -> None:
    relay = OutboxRelay(store=None, client=None, worker_id="w", clock=lambda: NOW)  # type: ignore[arg-type]
    relay._stop.set()  # what a deferred post does when stopping: hand the row to the senders' queue
    after_response.scope()
    for delivery_id in range(MAX_POSTING_AFTER_RESPONSE + 2):
        relay.send_claimed(row(delivery_id))
    assert relay._queue.qsize() == 2  # past the cap: handed to the senders at once
    after_response.run_deferred()  # the response is out: the deferred ones run (here: queued, as stopping)
    assert relay._queue.qsize() == MAX_POSTING_AFTER_RESPONSE + 2

    after_response.scope()  # every permit was given back
    for delivery_id in range(MAX_POSTING_AFTER_RESPONSE):
        relay.send_claimed(row(100 + delivery_id))
    assert relay._queue.qsize() == MAX_POSTING_AFTER_RESPONSE + 2
    after_response.run_deferred()


def test_outside_a_request_a_reply_goes_to_the_senders() -> None:
    relay = OutboxRelay(store=None, client=None, worker_id="w", clock=lambda: NOW)  # type: ignore[arg-type]
    relay.send_claimed(row(1))
    assert relay._queue.qsize() == 1

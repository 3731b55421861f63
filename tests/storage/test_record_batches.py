"""Messages recorded together in one group-committed batch get the same outcomes as one by one.

The batch is built directly (``IntakeStore.record_batch``) so its make-up is certain;
``test_concurrent_callers_*`` then goes through the public call from racing threads.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import exc, func, select

from bot.domain.deliveries import DeliveryClaim, NewDelivery
from bot.domain.requests import NewRequest, RecordResult
from bot.storage.intake_rows import PendingRecord
from bot.storage.models import digest_hourly, processed_events, routed_requests
from bot.storage.retry import RetryPolicy
from bot.storage.rollups import hour_number
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for, run_racing, unreachable_for

LEASE = DeliveryClaim("worker-1", dt.timedelta(seconds=30))


def keyed_reply(request_id: int) -> NewDelivery:
    return NewDelivery(
        kind="reply",
        method="chat.postMessage",
        payload={"text": f"request {request_id}"},
        dedup_key=f"reply:{request_id}",
    )


def pending(
    event_id, request, reply=keyed_reply, now=None, claim=None, window=None, repeat_reply=None
) -> PendingRecord:
    return PendingRecord(event_id, request, reply, now or at(), window, repeat_reply, claim)


def routed_rollup(storage: Storage) -> int:
    with storage.engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.sum(digest_hourly.c.routed), 0))).scalar_one()


def test_a_batch_records_new_messages_and_spots_every_kind_of_duplicate(storage: Storage) -> None:
    seen_before = new_request()
    storage.intake.record_routed_message("EvOld", seen_before, keyed_reply, at())
    first, second, third = new_request(), new_request(), new_request()
    batch = [
        pending("Ev1", first, claim=LEASE),
        pending("Ev2", second),
        pending("Ev1", first, claim=LEASE),  # Slack's retry of Ev1, in the same batch
        pending("Ev3", second),  # the same message under another event id
        pending("EvOld", seen_before),  # an event recorded before the batch
        pending("Ev4", seen_before),  # a message recorded before, under a new event id
        pending(None, third, reply=reply_for),  # no event id, a reply without a dedup key
    ]

    outcomes = storage.intake.record_batch(batch)

    assert all(isinstance(outcome, RecordResult) for outcome in outcomes)
    one, two, retry, other_id, old_event, old_message, three = outcomes
    assert not one.duplicate and not two.duplicate and not three.duplicate
    assert len({one.request_id, two.request_id, three.request_id}) == 3
    assert retry.duplicate and retry.request_id == one.request_id and retry.delivery_id is None
    assert other_id.duplicate and other_id.request_id == two.request_id
    original = storage.requests.find_by_message(seen_before.workspace, seen_before.channel_id, seen_before.message_ts)
    assert old_event.duplicate and old_event.request_id == original.id
    assert old_message.duplicate and old_message.request_id == original.id

    # The claimed reply comes back leased; the others wait for a sender to claim them.
    assert one.claimed is not None and one.claimed.id == one.delivery_id
    assert one.claimed.claimed_by == "worker-1" and one.claimed.payload == {"text": f"request {one.request_id}"}
    assert two.claimed is None and storage.outbox.get_delivery(two.delivery_id).payload == {
        "text": f"request {two.request_id}"
    }
    assert storage.outbox.get_delivery(three.delivery_id).payload["text"] == f"request {three.request_id}"
    assert storage.outbox.count_deliveries("pending") == 4  # the earlier message's reply and these three
    assert [e["action"] for e in storage.requests.request_history(one.request_id)] == ["routed"]
    assert storage.requests.request_history(one.request_id)[0]["detail"]["event_id"] == "Ev1"
    assert routed_rollup(storage) == 4
    with storage.engine.connect() as connection:
        events = set(connection.execute(select(processed_events.c.event_id)).scalars())
    assert events == {"EvOld", "Ev1", "Ev2", "Ev3", "Ev4"}


def test_repeat_alerts_in_a_batch_link_to_the_first_even_within_the_batch(storage: Storage) -> None:
    window = dt.timedelta(hours=24)

    def link(original) -> NewDelivery:
        return NewDelivery(kind="repeat", method="chat.postMessage", payload={"text": f"repeat of {original.id}"})

    batch = [
        pending("Ev1", new_request(fingerprint="aws:1:ec2"), window=window, repeat_reply=link),
        pending("Ev2", new_request()),
        pending("Ev3", new_request(fingerprint="aws:1:ec2"), window=window, repeat_reply=link, now=at(minutes=5)),
    ]

    alert, plain, repeat = storage.intake.record_batch(batch)

    assert repeat.repeat_of == alert.request_id and not plain.duplicate
    assert storage.requests.get_request(alert.request_id).repeat_count == 1
    assert storage.outbox.get_delivery(repeat.delivery_id).payload == {"text": f"repeat of {alert.request_id}"}
    assert storage.requests.count_open() == 2
    assert routed_rollup(storage) == 2


def test_a_message_that_cannot_be_written_fails_only_its_own_caller(storage: Storage) -> None:
    good = new_request()
    broken = new_request(primary_persona=None)  # the column is NOT NULL

    outcomes = storage.intake.record_batch([pending("Ev1", good), pending("Ev2", broken)])

    assert isinstance(outcomes[0], RecordResult) and not outcomes[0].duplicate
    assert isinstance(outcomes[1], Exception)
    assert storage.requests.get_request(outcomes[0].request_id) is not None
    assert storage.requests.count_open() == 1


def test_concurrent_callers_record_each_message_once(storage: Storage) -> None:
    requests = [new_request() for _ in range(12)]
    results: dict[tuple[int, int], RecordResult] = {}
    start = threading.Barrier(24)

    def record(index: int, attempt: int) -> None:
        start.wait()
        results[(index, attempt)] = storage.intake.record_routed_message(
            f"Ev{index}", requests[index], keyed_reply, at()
        )

    threads = [threading.Thread(target=record, args=(index, attempt)) for index in range(12) for attempt in (0, 1)]
    run_racing(threads, [])

    assert len(results) == 24
    for index in range(12):
        pair = [results[(index, 0)], results[(index, 1)]]
        assert sorted(result.duplicate for result in pair) == [False, True]
        assert pair[0].request_id == pair[1].request_id is not None
    with storage.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(routed_requests)).scalar_one() == 12
    assert storage.outbox.count_deliveries("pending") == 12
    assert routed_rollup(storage) == 12


def test_an_outage_fails_the_whole_batch_once_instead_of_message_by_message(
    database_url: str, storage: Storage
) -> None:
    engine = unreachable_for(database_url, "processed_events")
    waits: list[float] = []
    down = Storage.open(engine, retry=RetryPolicy(attempts=3, first_delay=0.1), sleep=waits.append)
    try:
        outcomes = down.intake.record_batch([pending("Ev1", new_request()), pending("Ev2", new_request())])
    finally:
        engine.dispose()

    assert [type(outcome) for outcome in outcomes] == [exc.OperationalError, exc.OperationalError]
    assert waits == [0.1, 0.2]  # one round of retries for the batch, not one per message
    assert storage.requests.count_open() == 0


def test_an_over_long_value_is_refused_in_a_batch_not_cut_to_fit(storage: Storage) -> None:
    # On PostgreSQL the batch's requests are typed VALUES cast to unbounded types: a cast to the column's
    # own VARCHAR(32) would cut the value silently where the insert refuses it. SQLite keeps any length.
    long_channel = "C" * 40
    outcomes = storage.intake.record_batch(
        [pending("Ev1", new_request()), pending("Ev2", new_request(channel_id=long_channel))]
    )

    assert isinstance(outcomes[0], RecordResult) and not outcomes[0].duplicate
    if storage.database.is_postgres:
        assert isinstance(outcomes[1], Exception)
    else:
        assert isinstance(outcomes[1], RecordResult)
        assert storage.requests.get_request(outcomes[1].request_id).channel_id == long_channel


def known_reply(request: NewRequest, key: str) -> NewDelivery:
    """A reply built before its request id exists, as the intake's are (on PostgreSQL the one-statement batch)."""
    return NewDelivery(kind="reply", method="chat.postMessage", payload={"text": request.message_ts}, dedup_key=key)


def test_replies_known_before_their_request_are_written_with_the_batch_as_one_by_one(storage: Storage) -> None:
    seen_before, taken_key = new_request(), new_request()
    storage.intake.record_routed_message("EvOld", seen_before, known_reply(seen_before, "k-old"), at())
    taken = storage.outbox.enqueue(
        NewDelivery(kind="digest", method="chat.postMessage", payload={}, dedup_key="k5"), at()
    )
    first, second, third, fourth = new_request(), new_request(amount_usd=None), new_request(), new_request()
    batch = [
        pending("Ev1", first, reply=known_reply(first, "k1"), claim=LEASE),
        pending("Ev2", second, reply=known_reply(second, "k2")),
        pending("Ev1", first, reply=known_reply(first, "k1"), claim=LEASE),  # Slack's retry, in the same batch
        pending("EvOld", seen_before, reply=known_reply(seen_before, "k-old")),  # recorded before the batch
        pending("Ev5", taken_key, reply=known_reply(taken_key, "k5"), claim=LEASE),  # its reply's key is taken
        pending(None, third, reply=None),  # no event id, no reply
        pending("Ev6", fourth, reply=known_reply(fourth, "k4"), now=at(hours=2)),  # another hour's counters
    ]

    outcomes = storage.intake.record_batch(batch)

    assert all(isinstance(outcome, RecordResult) for outcome in outcomes)
    one, two, retry, old_event, keyed_before, three, four = outcomes
    assert [o.duplicate for o in outcomes] == [False, False, True, True, False, False, False]
    assert retry.request_id == one.request_id and retry.delivery_id is None
    original = storage.requests.find_by_message(seen_before.workspace, seen_before.channel_id, seen_before.message_ts)
    assert old_event.request_id == original.id
    assert one.claimed is not None and one.claimed.id == one.delivery_id and one.claimed.claimed_by == "worker-1"
    assert one.claimed.payload == {"text": first.message_ts} and one.claimed.dedup_key == "k1"
    assert two.claimed is None and storage.outbox.get_delivery(two.delivery_id).payload == {"text": second.message_ts}
    # A taken key: the request is recorded, its reply is the one that holds the key (not leased again).
    assert keyed_before.delivery_id == taken and keyed_before.claimed is None
    assert three.delivery_id is None and storage.requests.get_request(three.request_id) is not None
    assert storage.outbox.count_deliveries("pending") == 5  # k-old, k5, k1, k2, k4
    for outcome, event_id in ((one, "Ev1"), (four, "Ev6")):
        history = storage.requests.request_history(outcome.request_id)
        assert [e["action"] for e in history] == ["routed"] and history[0]["detail"]["event_id"] == event_id
    with storage.engine.connect() as connection:
        events = set(connection.execute(select(processed_events.c.event_id)).scalars())
        hourly = connection.execute(
            select(digest_hourly.c.hour, digest_hourly.c.routed, digest_hourly.c.with_amount).order_by("hour")
        ).all()
    assert events == {"EvOld", "Ev1", "Ev2", "Ev5", "Ev6"}
    # EvOld, Ev1, Ev2 (no amount), Ev5, the one without an event id in the first hour; Ev6 two hours later.
    assert [tuple(row)[1:] for row in hourly] == [(5, 4), (1, 1)]
    assert [row.hour for row in hourly] == [hour_number(at()), hour_number(at(hours=2))]


def test_an_over_long_value_is_refused_with_replies_known_before_their_request(storage: Storage) -> None:
    long_channel = "C" * 40
    good, too_long = new_request(), new_request(channel_id=long_channel)
    outcomes = storage.intake.record_batch(
        [
            pending("Ev1", good, reply=known_reply(good, "k1")),
            pending("Ev2", too_long, reply=known_reply(too_long, "k2")),
        ]
    )

    assert isinstance(outcomes[0], RecordResult) and not outcomes[0].duplicate
    assert isinstance(outcomes[1], Exception) == storage.database.is_postgres  # SQLite keeps any length
    assert storage.outbox.get_delivery(outcomes[0].delivery_id).payload == {"text": good.message_ts}

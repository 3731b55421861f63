"""The outbox: enqueue, exclusive claims across workers, leases, outcomes."""

from __future__ import annotations

import datetime as dt
import threading

from bot.domain.deliveries import DeliveryClaim, NewDelivery
from bot.storage.db import make_engine
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for, run_racing

LEASE = dt.timedelta(seconds=60)


def message(n: int, **overrides) -> NewDelivery:
    values = dict(kind="reminder", method="chat.postMessage", payload={"channel": "C9", "text": f"m{n}"})
    values.update(overrides)
    return NewDelivery(**values)


def test_enqueue_with_a_dedup_key_is_idempotent(storage: Storage) -> None:
    first = storage.outbox.enqueue(message(1, dedup_key="digest:2026-W10"), at())
    second = storage.outbox.enqueue(message(2, dedup_key="digest:2026-W10"), at(minutes=1))
    assert first == second
    assert storage.outbox.count_deliveries("pending") == 1
    assert storage.outbox.get_delivery(first).payload["text"] == "m1"


def test_claims_are_oldest_first_and_respect_not_before(storage: Storage) -> None:
    later = storage.outbox.enqueue(message(1, not_before=at(minutes=10)), at())
    first = storage.outbox.enqueue(message(2), at())
    second = storage.outbox.enqueue(message(3), at(minutes=1))
    hour = dt.timedelta(hours=1)
    claimed = storage.outbox.claim_due_deliveries("w1", at(minutes=2), lease=hour)
    assert [d.id for d in claimed] == [first, second]
    assert all(d.claimed_by == "w1" and d.claimed_until == at(minutes=2) + hour for d in claimed)
    assert [d.id for d in storage.outbox.claim_due_deliveries("w1", at(minutes=11))] == [later]


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_expires(storage: Storage) -> None:
    delivery_id = storage.outbox.enqueue(message(1), at())
    assert storage.outbox.claim_delivery(delivery_id, "w1", at(), LEASE) is not None
    assert storage.outbox.claim_delivery(delivery_id, "w2", at(minutes=0.5), LEASE) is None
    assert storage.outbox.claim_due_deliveries("w2", at(minutes=0.5)) == []
    # The first worker died: after the lease another worker picks it up.
    reclaimed = storage.outbox.claim_due_deliveries("w2", at(minutes=1.5))
    assert [(d.id, d.claimed_by) for d in reclaimed] == [(delivery_id, "w2")]


def test_a_reply_written_with_a_claim_is_leased_to_its_writer_already(storage: Storage) -> None:
    recorded = storage.intake.record_routed_message(
        "Ev1", new_request(), reply_for, at(), claim=DeliveryClaim("w1", LEASE)
    )
    row = recorded.claimed
    assert row is not None and row.id == recorded.delivery_id
    assert (row.claimed_by, row.claimed_until, row.attempts) == ("w1", at() + LEASE, 0)
    stored = storage.outbox.get_delivery(row.id)
    assert (stored.claimed_by, stored.claimed_until, stored.payload) == ("w1", at() + LEASE, row.payload)
    # Nobody else sends it while the writer's lease runs; once it expires (the writer died), anyone may.
    assert storage.outbox.claim_delivery(row.id, "w2", at(minutes=0.5), LEASE) is None
    assert storage.outbox.claim_due_deliveries("w2", at(minutes=0.5)) == []
    assert [d.id for d in storage.outbox.claim_due_deliveries("w2", at(minutes=1.5))] == [row.id]


def test_mark_sent_with_the_claimed_row_records_the_reply_ts(storage: Storage) -> None:
    recorded = storage.intake.record_routed_message(
        "Ev1", new_request(), reply_for, at(), claim=DeliveryClaim("w1", LEASE)
    )
    storage.outbox.mark_sent(recorded.delivery_id, "1700000001.000200", at(minutes=0.01), row=recorded.claimed)
    assert storage.outbox.get_delivery(recorded.delivery_id).status == "sent"
    assert storage.requests.get_request(recorded.request_id).reply_ts == "1700000001.000200"


def test_sent_deliveries_are_done_and_a_reply_records_its_ts(storage: Storage) -> None:
    recorded = storage.intake.record_routed_message("Ev1", new_request(), reply_for, at())
    assert storage.outbox.claim_delivery(recorded.delivery_id, "w1", at(), LEASE) is not None
    storage.outbox.mark_sent(recorded.delivery_id, "1700000001.000100", at(minutes=0.01))

    delivery = storage.outbox.get_delivery(recorded.delivery_id)
    assert delivery.status == "sent" and delivery.response_ts == "1700000001.000100"
    assert storage.requests.get_request(recorded.request_id).reply_ts == "1700000001.000100"
    assert storage.outbox.claim_due_deliveries("w2", at(hours=1)) == []


def test_retry_waits_until_next_attempt_and_failed_is_final(storage: Storage) -> None:
    retried = storage.outbox.enqueue(message(1), at())
    failed = storage.outbox.enqueue(message(2), at())
    storage.outbox.claim_due_deliveries("w1", at())
    storage.outbox.mark_retry(retried, "429 ratelimited", at(minutes=5), at())
    storage.outbox.mark_failed(failed, "channel_not_found", at())

    assert storage.outbox.claim_due_deliveries("w1", at(minutes=4)) == []
    again = storage.outbox.claim_due_deliveries("w1", at(minutes=5))
    assert [(d.id, d.attempts, d.last_error) for d in again] == [(retried, 1, "429 ratelimited")]
    gone = storage.outbox.get_delivery(failed)
    assert gone.status == "failed" and gone.last_error == "channel_not_found"


def test_two_relays_on_two_engines_never_claim_the_same_delivery(database_url: str, storage: Storage) -> None:
    total = 60
    for n in range(total):
        storage.outbox.enqueue(message(n), at())
    engines = [make_engine(database_url) for _ in range(2)]
    stores = [Storage.open(engine, sleep=lambda _s: None) for engine in engines]
    start = threading.Barrier(len(stores))
    claimed: dict[str, list[int]] = {"w0": [], "w1": []}
    errors: list[BaseException] = []

    def relay(worker: str, worker_store: Storage) -> None:
        try:
            start.wait(timeout=10)
            while True:
                batch = worker_store.outbox.claim_due_deliveries(worker, at(), limit=3, lease=LEASE)
                if not batch:
                    return
                claimed[worker].extend(d.id for d in batch)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=relay, args=(f"w{i}", s)) for i, s in enumerate(stores)]
    run_racing(threads, engines)

    assert errors == []
    everything = claimed["w0"] + claimed["w1"]
    assert len(everything) == total
    assert len(set(everything)) == total  # no delivery claimed twice


def test_mark_sent_many_records_every_delivery_and_reply_ts_in_one_go(storage):
    import datetime as dt

    from bot.domain.deliveries import NewDelivery

    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    ids = [
        storage.outbox.enqueue(
            NewDelivery(kind="digest", method="chat.postMessage", payload={"channel": "C1", "text": str(i)}), now
        )
        for i in range(3)
    ]
    rows = storage.outbox.claim_due_deliveries("worker", now, limit=10)
    assert sorted(r.id for r in rows) == sorted(ids)
    storage.outbox.mark_sent_many([(row, f"17000000{row.id}.0001") for row in rows], now)
    for row in rows:
        sent = storage.outbox.get_delivery(row.id)
        assert sent.status == "sent" and sent.response_ts == f"17000000{row.id}.0001"
    assert storage.outbox.claim_due_deliveries("worker", now + dt.timedelta(hours=1)) == []


def test_a_sent_delivery_keeps_its_bookkeeping_but_not_its_payload(storage: Storage) -> None:
    one, two, failed, pending = (storage.outbox.enqueue(message(n), at()) for n in range(4))
    storage.outbox.mark_sent(one, "1.1", at(minutes=1))
    rows = storage.outbox.claim_due_deliveries("w1", at(minutes=1))
    storage.outbox.mark_sent_many([(row, "1.2") for row in rows if row.id == two], at(minutes=2))
    storage.outbox.mark_failed(failed, "channel_not_found", at(minutes=2))

    sent = [storage.outbox.get_delivery(i) for i in (one, two)]
    assert [(d.status, d.response_ts, d.payload) for d in sent] == [("sent", "1.1", None), ("sent", "1.2", None)]
    # What is not sent yet, or failed and may be sent again, keeps what to send.
    assert storage.outbox.get_delivery(failed).payload == {"channel": "C9", "text": "m2"}
    assert storage.outbox.get_delivery(pending).payload == {"channel": "C9", "text": "m3"}


def test_mark_sent_many_records_the_replies_ts_and_counts_a_row_marked_twice_twice(storage: Storage) -> None:
    claim = DeliveryClaim("w1", dt.timedelta(seconds=30))
    requests = [new_request() for _ in range(3)]
    rows = []
    for n, request in enumerate(requests):
        reply = NewDelivery(kind="reply", method="chat.postMessage", payload={"n": n}, dedup_key=f"reply:{n}")
        rows.append(storage.intake.record_routed_message(f"Ev{n}", request, reply, at(), claim=claim))
    first, second, third = (result.claimed for result in rows)

    storage.outbox.mark_sent_many([(first, "1.1"), (second, None)], at(minutes=1))
    storage.outbox.mark_sent_many([(third, "3.1"), (third, "3.2")], at(minutes=2))  # sent twice, recorded twice

    sent = [storage.outbox.get_delivery(row.id) for row in (first, second, third)]
    assert [(d.status, d.response_ts, d.attempts, d.payload) for d in sent[:2]] == [
        ("sent", "1.1", 1, None),
        ("sent", None, 1, None),
    ]
    assert sent[0].sent_at == at(minutes=1) and sent[2].sent_at == at(minutes=2)
    assert (sent[2].attempts, sent[2].response_ts) == (2, "3.2")  # in order, as one by one
    replies_ts = [storage.requests.get_request(row.request_id).reply_ts for row in (first, second, third)]
    assert replies_ts == ["1.1", None, "3.2"]

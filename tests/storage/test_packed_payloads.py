"""Outbox payloads are stored packed (compact JSON, zlib) and read back the same, older rows included."""

from __future__ import annotations

import json

from sqlalchemy import text

from bot.domain.deliveries import NewDelivery
from bot.storage.db import make_engine, upgrade
from bot.storage.stores import Storage
from tests.storage.storage_factories import at

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": f"line {n} · déjà vu"}} for n in range(40)]


def test_a_payload_is_stored_packed_and_read_back_the_same(storage: Storage) -> None:
    payload = {"channel": "C1", "text": "hello", "blocks": BLOCKS}
    delivery_id = storage.outbox.enqueue(NewDelivery(kind="reminder", method="chat.postMessage", payload=payload), at())
    assert storage.outbox.get_delivery(delivery_id).payload == payload
    with storage.engine.connect() as connection:
        stored = connection.execute(text("SELECT payload FROM deliveries WHERE id = :id"), {"id": delivery_id}).scalar()
    assert len(bytes(stored)) * 3 < len(json.dumps(payload))


def test_rows_written_before_the_upgrade_still_read(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0005_retention")
        payload = {"channel": "C1", "text": "written before 0004", "blocks": BLOCKS[:2]}
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO deliveries (kind, method, payload, status, attempts, next_attempt_at, created_at) "
                    "VALUES ('reminder', 'chat.postMessage', :payload, 'pending', 0, :at, :at)"
                ),
                {"payload": json.dumps(payload), "at": at().replace(tzinfo=None)},
            )
        upgrade(engine)
        storage = Storage.open(engine)
        claimed = storage.outbox.claim_due_deliveries("w1", at(minutes=1))
        assert [row.payload for row in claimed] == [payload]
    finally:
        engine.dispose()

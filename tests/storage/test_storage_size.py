"""Migration 0008 and what it stores: packed explanations and personas, partial indexes, no sent payloads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from bot.storage.db import make_engine, upgrade
from bot.storage.packing import pack_json, pack_text, unpack_json, unpack_text
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for

EXPLANATION = "Budgets and budget alerts (matched 'aws budget', 'monthly budget') → finance responsible; $18,250 stated"
PERSONAS = {"responsible": ["finance"], "accountable": ["finops-practitioner"], "consulted": [], "informed": ["x"]}


@pytest.mark.parametrize(
    "value", [EXPLANATION, "", "déjà vu ✓ a config's own topic", "x" * 5000, "{not json, but text}"]
)
def test_packed_text_reads_back_the_same(value: str) -> None:
    packed = pack_text(value)
    assert unpack_text(packed) == value
    # Text stored before packing (as text, or as its bytes once the column became binary) reads as it is.
    assert unpack_text(value) == value
    assert unpack_text(value.encode()) == value


def test_the_dictionary_packs_what_the_router_writes() -> None:
    assert len(pack_text(EXPLANATION)) * 2 < len(EXPLANATION.encode())
    assert len(pack_json(PERSONAS)) * 3 < len(json.dumps(PERSONAS, separators=(",", ":")))
    assert unpack_json(pack_json(PERSONAS)) == PERSONAS
    assert unpack_json(json.dumps(PERSONAS).encode()) == PERSONAS


def test_a_recorded_request_stores_explanation_and_personas_packed(storage: Storage) -> None:
    recorded = storage.intake.record_routed_message(
        "Ev1", new_request(explanation=EXPLANATION, personas=PERSONAS), reply_for, at()
    )
    request = storage.requests.get_request(recorded.request_id)
    assert (request.explanation, request.personas) == (EXPLANATION, PERSONAS)
    with storage.engine.connect() as connection:
        stored = connection.execute(text("SELECT explanation, personas FROM routed_requests")).one()
    assert len(bytes(stored.explanation)) < len(EXPLANATION) / 2
    assert len(bytes(stored.personas)) < 40


def test_rows_written_before_0008_read_the_same_after_it(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0007_owning_team")
        stamp = at().replace(tzinfo=None)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO routed_requests (id, workspace, channel_id, message_ts, thread_ts, source,"
                    " excerpt, topics, personas, primary_persona, explanation, repeat_count, status, status_at,"
                    " created_at, nudged_windows, next_nudge_at) VALUES (1, 'T1', 'C1', '1.000100', '1.000100',"
                    " 'person', 'our bill', '[\"budgets\"]', :personas, 'finance', :explanation, 0, 'open', :at,"
                    " :at, 0, :at)"
                ),
                {"personas": json.dumps(PERSONAS), "explanation": EXPLANATION, "at": stamp},
            )
            connection.execute(
                text(
                    "INSERT INTO request_events (request_id, action, from_status, to_status, actor, at, detail)"
                    " VALUES (1, 'nudge', NULL, NULL, NULL, :at, 'null'),"
                    " (1, 'routed', NULL, 'open', 'U1', :at, '{\"event_id\": \"Ev1\"}')"
                ),
                {"at": stamp},
            )
            for status in ("sent", "pending"):
                connection.execute(
                    text(
                        "INSERT INTO deliveries (request_id, kind, method, payload, status, attempts,"
                        " next_attempt_at, created_at) VALUES (1, 'reply', 'chat.postMessage', :payload, :status,"
                        " 0, :at, :at)"
                    ),
                    {"payload": json.dumps({"text": status}).encode(), "status": status, "at": stamp},
                )
        upgrade(engine)
        storage = Storage.open(engine)

        request = storage.requests.get_request(1)
        assert (request.explanation, request.personas, request.topics) == (EXPLANATION, PERSONAS, ["budgets"])
        assert [row["detail"] for row in storage.requests.request_history(1)] == [None, {"event_id": "Ev1"}]
        assert [storage.outbox.get_delivery(i).payload for i in (1, 2)] == [None, {"text": "pending"}]
        assert [row["action"] for row in storage.requests.export(at(days=-1))] == ["nudge", "routed"]
        # Old and new rows side by side, through the partial indexes: open requests, nudges due, the digest.
        new = storage.intake.record_routed_message("Ev2", new_request(personas=PERSONAS), reply_for, at(hours=1))
        storage.requests.apply_action(new.request_id, "take", "U2", at(hours=2))
        assert [r.id for r in storage.requests.open_requests()] == [1, new.request_id]
        assert storage.requests.count_open() == 2
        assert [r.id for r in storage.requests.due_nudges(at(minutes=1))] == [1]
        week = storage.digest.digest_data(at(days=-1), at(days=6), "finops-practitioner")
        assert (week.total_routed, [p.acknowledged for p in week.personas]) == (1, [1])
    finally:
        engine.dispose()

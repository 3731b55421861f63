"""Recording routed messages: event dedup, idempotent messages, repeat alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.deliveries import NewDelivery
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for


def test_a_routed_message_is_stored_with_its_reply_in_one_go(storage: Storage) -> None:
    request = new_request(excerpt="x" * 900)
    result = storage.intake.record_routed_message("Ev1", request, reply_for, at())

    assert not result.duplicate and result.repeat_of is None
    stored = storage.requests.get_request(result.request_id)
    assert stored is not None
    assert stored.status == "open"
    assert stored.created_at == at()
    assert stored.topics == ["anomaly"]
    assert stored.personas == {"responsible": ["finops-practitioner"], "accountable": ["leadership"]}
    assert len(stored.excerpt) == 500 and stored.excerpt.endswith("…")
    delivery = storage.outbox.get_delivery(result.delivery_id)
    assert delivery is not None
    assert delivery.status == "pending" and delivery.request_id == result.request_id
    # The reply factory received the new id, so its buttons can carry it.
    assert delivery.payload["text"] == f"request {result.request_id}"
    history = storage.requests.request_history(result.request_id)
    assert [(e["action"], e["to_status"]) for e in history] == [("routed", "open")]
    assert history[0]["detail"]["matched_terms"] == ["bill", "jump"]


def test_the_same_event_twice_records_one_request_and_one_reply(storage: Storage) -> None:
    request = new_request()
    first = storage.intake.record_routed_message("Ev1", request, reply_for, at())
    again = storage.intake.record_routed_message("Ev1", request, reply_for, at(minutes=1))

    assert again.duplicate
    assert again.request_id == first.request_id
    assert again.delivery_id is None
    assert storage.outbox.count_deliveries("pending") == 1


def test_the_same_message_under_another_event_id_is_a_duplicate(storage: Storage) -> None:
    request = new_request()
    first = storage.intake.record_routed_message("Ev1", request, reply_for, at())
    again = storage.intake.record_routed_message("Ev2", request, reply_for, at())
    without_event = storage.intake.record_routed_message(None, request, reply_for, at())

    assert again.duplicate and without_event.duplicate
    assert again.request_id == first.request_id == without_event.request_id
    assert storage.outbox.count_deliveries("pending") == 1


def test_mark_event_processed_is_true_once(storage: Storage) -> None:
    assert storage.intake.mark_event_processed("Ev9", at()) is True
    assert storage.intake.mark_event_processed("Ev9", at(minutes=5)) is False


def test_pruning_forgets_only_old_event_ids(storage: Storage) -> None:
    storage.intake.mark_event_processed("old", at())
    storage.intake.mark_event_processed("new", at(hours=3))
    assert storage.intake.prune_processed_events(at(hours=2)) == 1
    assert storage.intake.mark_event_processed("old", at(hours=4)) is True
    assert storage.intake.mark_event_processed("new", at(hours=4)) is False


def test_a_repeat_alert_within_the_window_links_to_the_first(storage: Storage) -> None:
    window = dt.timedelta(hours=24)
    first = storage.intake.record_routed_message(
        "Ev1", new_request(fingerprint="aws:123:ec2"), reply_for, at(), repeat_window=window
    )

    def link(original) -> NewDelivery:
        return NewDelivery(
            kind="repeat",
            method="chat.postMessage",
            payload={"channel": "C1", "text": f"seen before in {original.message_ts} ({original.repeat_count}x)"},
        )

    repeat = storage.intake.record_routed_message(
        "Ev2", new_request(fingerprint="aws:123:ec2"), reply_for, at(hours=5), repeat_window=window, repeat_reply=link
    )

    assert repeat.repeat_of == first.request_id
    assert repeat.request_id == first.request_id
    original = storage.requests.get_request(first.request_id)
    assert original.repeat_count == 1
    delivery = storage.outbox.get_delivery(repeat.delivery_id)
    assert delivery.kind == "repeat"
    assert delivery.payload["text"] == f"seen before in {original.message_ts} (1x)"
    assert storage.requests.count_open() == 1
    assert [e["action"] for e in storage.requests.request_history(first.request_id)] == ["routed", "repeat"]


def test_a_repeat_after_the_window_or_of_a_closed_request_is_a_new_request(storage: Storage) -> None:
    window = dt.timedelta(hours=24)
    first = storage.intake.record_routed_message(
        "Ev1", new_request(fingerprint="fp"), reply_for, at(), repeat_window=window
    )
    later = storage.intake.record_routed_message(
        "Ev2", new_request(fingerprint="fp"), reply_for, at(hours=25), repeat_window=window
    )
    assert later.repeat_of is None and later.request_id != first.request_id

    storage.requests.apply_action(later.request_id, "resolve", "U2", at(hours=26))
    after_close = storage.intake.record_routed_message(
        "Ev3", new_request(fingerprint="fp"), reply_for, at(hours=27), repeat_window=window
    )
    assert after_close.repeat_of is None
    assert after_close.request_id not in (first.request_id, later.request_id)


def test_naive_datetimes_are_refused(storage: Storage) -> None:
    with pytest.raises(ValueError, match="aware UTC"):
        storage.intake.mark_event_processed("Ev1", dt.datetime(2026, 1, 1))

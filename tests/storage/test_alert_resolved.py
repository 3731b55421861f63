"""A sender's "resolved" notification noted on its alert's request: in one transaction, once."""

from __future__ import annotations

from bot.domain.deliveries import NewDelivery
from bot.domain.requests import RequestView
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for


def note(firing: RequestView) -> NewDelivery:
    return NewDelivery(
        kind="resolved",
        method="chat.postMessage",
        payload={"channel": firing.channel_id, "text": f"resolved: request {firing.id}"},
        dedup_key=f"resolved:{firing.id}",
    )


def test_the_note_goes_to_the_latest_unclosed_request_of_the_alert_which_stays_open(storage: Storage) -> None:
    older = storage.intake.record_routed_message("Ev1", new_request(fingerprint="fp"), reply_for, at())
    latest = storage.intake.record_routed_message("Ev2", new_request(fingerprint="fp"), reply_for, at(days=3))
    storage.intake.record_routed_message("Ev3", new_request(fingerprint="other"), reply_for, at(days=4))

    result = storage.requests.note_alert_resolved("Ev-ok", "fp", note, "aws-cloudwatch", at(days=5))

    assert (result.request_id, result.duplicate) == (latest.request_id, False)
    delivery = storage.outbox.get_delivery(result.delivery_id)
    assert (delivery.kind, delivery.request_id) == ("resolved", latest.request_id)
    assert delivery.payload["text"] == f"resolved: request {latest.request_id}"
    assert storage.requests.get_request(latest.request_id).status == "open"
    history = storage.requests.request_history(latest.request_id)
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in history] == [
        ("routed", None, "open", "U1"),
        ("source-resolved", "open", "open", "aws-cloudwatch"),
    ]
    assert [e["action"] for e in storage.requests.request_history(older.request_id)] == ["routed"]


def test_the_same_notification_twice_is_noted_once(storage: Storage) -> None:
    storage.intake.record_routed_message("Ev1", new_request(fingerprint="fp"), reply_for, at())
    first = storage.requests.note_alert_resolved("Ev-ok", "fp", note, "azure", at(hours=1))
    again = storage.requests.note_alert_resolved("Ev-ok", "fp", note, "azure", at(hours=2))
    assert not first.duplicate and again.duplicate
    assert (again.request_id, again.delivery_id) == (None, None)
    assert storage.outbox.count_deliveries("pending") == 2  # the alert's own reply and one note


def test_without_an_unclosed_request_of_the_alert_nothing_is_written_but_the_event_id(storage: Storage) -> None:
    closed = storage.intake.record_routed_message("Ev1", new_request(fingerprint="fp"), reply_for, at())
    storage.requests.apply_action(closed.request_id, "resolve", "U2", at(hours=1))
    pending_before = storage.outbox.count_deliveries("pending")

    result = storage.requests.note_alert_resolved("Ev-ok", "fp", note, "azure", at(hours=2))
    never_fired = storage.requests.note_alert_resolved("Ev-ok2", "unknown", note, "azure", at(hours=2))

    assert (result.request_id, result.delivery_id, result.duplicate) == (None, None, False)
    assert (never_fired.request_id, never_fired.delivery_id) == (None, None)
    assert storage.outbox.count_deliveries("pending") == pending_before
    assert storage.intake.mark_event_processed("Ev-ok", at(hours=3)) is False

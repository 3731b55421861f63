"""Button presses: the state machine, replays, closed and unknown requests, races; nudges."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from bot.domain.deliveries import NewDelivery
from bot.domain.requests import RequestView, RoutedDetail
from bot.storage.db import make_engine
from bot.storage.models import request_events
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for, run_racing


@pytest.fixture
def request_id(storage: Storage) -> int:
    result = storage.intake.record_routed_message("Ev1", new_request(next_nudge_at=at(days=1)), reply_for, at())
    return result.request_id


def test_take_acknowledges_and_stops_nudges(storage: Storage, request_id: int) -> None:
    result = storage.requests.apply_action(request_id, "take", "U2", at(hours=1))
    assert result.ok and result.outcome == "done" and result.changed
    assert result.request.status == "acknowledged"
    assert result.request.status_by == "U2"
    assert result.request.acknowledged_at == at(hours=1)
    assert result.request.next_nudge_at is None
    assert storage.requests.due_nudges(at(days=3)) == []


def test_the_terms_a_request_was_routed_on_are_kept_for_its_reply_updates(storage: Storage, request_id: int) -> None:
    assert storage.requests.routed_detail(request_id) == RoutedDetail(("bill", "jump"), None)
    assert storage.requests.routed_detail(request_id + 1000) == RoutedDetail()


def test_the_amount_as_stated_is_kept_for_its_reply_updates(storage: Storage) -> None:
    euros = new_request(amount_usd=1_102_000.0, amount_stated="€950,000")
    request_id = storage.intake.record_routed_message("Ev-eur", euros, reply_for, at()).request_id
    dollars_id = storage.intake.record_routed_message("Ev-usd", new_request(), reply_for, at()).request_id
    assert storage.requests.routed_detail(request_id) == RoutedDetail(("bill", "jump"), "€950,000")
    assert storage.requests.routed_detail(dollars_id) == RoutedDetail(("bill", "jump"), None)
    # Kept only when there is one: the 'routed' event of a request without it carries no extra key.
    with storage.engine.connect() as connection:
        details = connection.execute(select(request_events.c.request_id, request_events.c.detail)).all()
    assert {row.request_id: "amount_stated" in row.detail for row in details} == {request_id: True, dollars_id: False}


def test_stated_amounts_are_read_for_a_page_of_requests_in_one_go(storage: Storage) -> None:
    euros = new_request(amount_usd=1_102_000.0, amount_stated="€950,000")
    request_id = storage.intake.record_routed_message("Ev-eur", euros, reply_for, at()).request_id
    dollars_id = storage.intake.record_routed_message("Ev-usd", new_request(), reply_for, at()).request_id
    assert storage.requests.stated_amounts([request_id, dollars_id, 999_999]) == {request_id: "€950,000"}
    assert storage.requests.stated_amounts([]) == {}


def test_a_request_routed_before_the_stated_amount_was_kept_reads_without_it(storage: Storage) -> None:
    request_id = storage.intake.record_routed_message("Ev-old", new_request(), reply_for, at()).request_id
    with storage.engine.begin() as connection:  # a 'routed' event as written before: no amount_stated
        connection.execute(
            update(request_events)
            .where(request_events.c.request_id == request_id)
            .values(detail={"event_id": "Ev-old", "matched_terms": ["bill"]})
        )
    assert storage.requests.routed_detail(request_id) == RoutedDetail(("bill",), None)


def test_a_replayed_take_is_ok_and_changes_nothing(storage: Storage, request_id: int) -> None:
    storage.requests.apply_action(request_id, "take", "U2", at(hours=1))
    replay = storage.requests.apply_action(request_id, "take", "U3", at(hours=2))
    assert replay.ok and replay.outcome == "replay" and not replay.changed
    assert replay.message == "Already taken by U2."
    assert storage.requests.get_request(request_id).status_by == "U2"
    assert [e["action"] for e in storage.requests.request_history(request_id)] == ["routed", "take"]


def test_resolve_closes_and_later_actions_are_refused(storage: Storage, request_id: int) -> None:
    storage.requests.apply_action(request_id, "take", "U2", at(hours=1))
    resolved = storage.requests.apply_action(request_id, "resolve", "U2", at(hours=2))
    assert resolved.ok and resolved.request.status == "resolved"
    assert resolved.request.resolved_at == resolved.request.closed_at == at(hours=2)

    again = storage.requests.apply_action(request_id, "resolve", "U3", at(hours=3))
    assert again.ok and again.outcome == "replay"
    take = storage.requests.apply_action(request_id, "take", "U3", at(hours=3))
    assert not take.ok and take.outcome == "closed"
    assert take.message == "This request is already resolved by U2; nothing changed."
    history = storage.requests.request_history(request_id)
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in history] == [
        ("routed", None, "open", "U1"),
        ("take", "open", "acknowledged", "U2"),
        ("resolve", "acknowledged", "resolved", "U2"),
    ]


def test_not_a_request_closes_and_is_recorded_as_feedback(storage: Storage, request_id: int) -> None:
    result = storage.requests.apply_action(request_id, "not_a_request", "U4", at(hours=1))
    assert result.ok and result.request.status == "not_a_request"
    [feedback] = storage.requests.feedback_since(at())
    assert feedback.kind == "not_a_request"
    assert feedback.from_persona == "finops-practitioner" and feedback.to_persona is None
    assert feedback.matched_terms == ["bill", "jump"]
    assert feedback.topics == ["anomaly"] and feedback.actor == "U4"
    assert storage.requests.open_requests() == []


def test_reassign_moves_ownership_restarts_the_window_and_teaches(storage: Storage, request_id: int) -> None:
    storage.requests.apply_action(request_id, "take", "U2", at(hours=1))
    result = storage.requests.apply_action(
        request_id, "reassign", "U2", at(hours=2), to_persona="engineering", next_nudge_at=at(days=2)
    )
    assert result.ok and result.changed
    moved = result.request
    assert moved.status == "rerouted"
    assert moved.primary_persona == "engineering"
    assert moved.personas["responsible"] == ["engineering"]
    assert moved.personas["accountable"] == ["leadership"]
    assert moved.acknowledged_at is None and moved.next_nudge_at == at(days=2)
    [feedback] = storage.requests.feedback_since(at())
    assert (feedback.kind, feedback.from_persona, feedback.to_persona) == (
        "reassigned",
        "finops-practitioner",
        "engineering",
    )
    assert storage.requests.request_history(request_id)[-1]["detail"] == {
        "from_persona": "finops-practitioner",
        "to_persona": "engineering",
    }

    replay = storage.requests.apply_action(request_id, "reassign", "U5", at(hours=3), to_persona="engineering")
    assert replay.outcome == "replay"
    taken = storage.requests.apply_action(request_id, "take", "U6", at(hours=4))
    assert taken.changed and taken.request.status == "acknowledged"
    assert [r.id for r in storage.requests.open_requests(["engineering"])] == [request_id]
    assert storage.requests.open_requests(["finops-practitioner"]) == []


def test_unknown_requests_and_bad_actions_get_clear_messages(storage: Storage) -> None:
    unknown = storage.requests.apply_action(424242, "take", "U2", at())
    assert not unknown.ok and unknown.outcome == "unknown"
    assert "#424242" in unknown.message
    invalid = storage.requests.apply_action(1, "explode", "U2", at())  # type: ignore[arg-type]
    assert not invalid.ok and invalid.outcome == "invalid"
    no_target = storage.requests.apply_action(1, "reassign", "U2", at())
    assert not no_target.ok and "persona" in no_target.message


def test_a_press_the_caller_may_not_make_changes_nothing(storage: Storage, request_id: int) -> None:
    refused = storage.requests.apply_action(request_id, "resolve", "U9", at(hours=1), allowed=False)
    assert not refused.ok and refused.outcome == "not_allowed"
    assert storage.requests.get_request(request_id).status == "open"
    assert len(storage.requests.request_history(request_id)) == 1


def test_the_in_place_update_is_enqueued_with_the_change(storage: Storage, request_id: int) -> None:
    def update(request: RequestView) -> NewDelivery:
        return NewDelivery(
            kind="update", method="chat.update", payload={"text": f"{request.status} by {request.status_by}"}
        )

    result = storage.requests.apply_action(request_id, "take", "U2", at(hours=1), update_reply=update)
    delivery = storage.outbox.get_delivery(result.delivery_id)
    assert delivery.payload == {"text": "acknowledged by U2"}
    assert delivery.request_id == request_id


def test_concurrent_presses_apply_once(database_url: str, storage: Storage, request_id: int) -> None:
    presses = 6
    engines = [make_engine(database_url) for _ in range(presses)]
    start = threading.Barrier(presses)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def press(n: int) -> None:
        try:
            start.wait(timeout=10)
            action = "take" if n % 2 else "resolve"
            result = Storage.open(engines[n], sleep=lambda _s: None).requests.apply_action(
                request_id, action, f"U{n}", at(hours=1)
            )
            outcomes.append(result.outcome)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(presses)]
    run_racing(threads, engines)

    assert errors == []
    assert len(outcomes) == presses
    history = storage.requests.request_history(request_id)
    changes = [e for e in history if e["action"] != "routed"]
    # Each recorded change starts from the state the previous one left.
    previous = "open"
    for change in changes:
        assert change["from_status"] == previous
        previous = change["to_status"]
    assert previous == storage.requests.get_request(request_id).status
    assert outcomes.count("done") == len(changes)
    assert storage.requests.get_request(request_id).status in ("acknowledged", "resolved")


def test_a_nudge_is_claimed_once_per_window_and_never_after_a_take(storage: Storage, request_id: int) -> None:
    assert storage.requests.due_nudges(at(hours=23)) == []
    [due] = storage.requests.due_nudges(at(days=1))
    assert due.id == request_id

    nudge = NewDelivery(kind="nudge", method="chat.postMessage", payload={"text": "still open"})
    assert storage.requests.mark_nudged(request_id, at(days=2), at(days=1), nudge) is True
    assert storage.requests.mark_nudged(request_id, at(days=2), at(days=1), nudge) is False  # a second scheduler
    assert storage.requests.get_request(request_id).nudged_windows == 1
    assert [d.kind for d in storage.outbox.deliveries_for_request(request_id)] == ["reply", "nudge"]

    storage.requests.apply_action(request_id, "take", "U2", at(days=1, hours=2))
    assert storage.requests.due_nudges(at(days=5)) == []
    assert storage.requests.mark_nudged(request_id, at(days=6), at(days=5), nudge) is False

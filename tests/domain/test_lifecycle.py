"""The request lifecycle as a pure function: every action from every status, with plain values."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain.lifecycle import RollupDelta, check_action, reassigned_personas, transition, unknown_request
from bot.domain.requests import (
    ACKNOWLEDGED,
    ACTIONS,
    NOT_A_REQUEST,
    OPEN,
    REROUTED,
    RESOLVED,
    RequestView,
)

CREATED = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
TAKEN = CREATED + dt.timedelta(hours=1)
NOW = CREATED + dt.timedelta(hours=3)
NEXT_NUDGE = NOW + dt.timedelta(days=1)


def request(status: str = OPEN, **changes) -> RequestView:
    values = {
        "id": 7,
        "workspace": "T1",
        "channel_id": "C1",
        "message_ts": "1.0",
        "reply_ts": "1.1",
        "source": "person",
        "source_name": "U1",
        "excerpt": "who owns the RI renewal?",
        "topics": ["commitments"],
        "primary_topic": "commitments",
        "personas": {"responsible": ["engineering", "finance"], "accountable": ["leadership"]},
        "primary_persona": "engineering",
        "amount_usd": 1200.0,
        "explanation": "",
        "confidence": 0.9,
        "fingerprint": None,
        "repeat_count": 0,
        "status": status,
        "status_by": None if status == OPEN else "U2",
        "status_at": CREATED,
        "created_at": CREATED,
        "acknowledged_at": TAKEN if status == ACKNOWLEDGED else None,
        "resolved_at": None,
        "closed_at": None,
        "nudged_windows": 0,
        "next_nudge_at": CREATED + dt.timedelta(hours=4),
    }
    if status == REROUTED:
        values["primary_persona"] = "finance"
    if status == RESOLVED:
        values["resolved_at"] = values["closed_at"] = TAKEN
    if status == NOT_A_REQUEST:
        values["closed_at"] = TAKEN
    values.update(changes)
    return RequestView(**values)


def press(current: RequestView, action: str, to_persona: str | None = None, allowed: bool = True):
    target = to_persona if to_persona is not None else ("procurement" if action == "reassign" else None)
    return transition(current, action, "U9", NOW, to_persona=target, allowed=allowed, next_nudge_at=NEXT_NUDGE)


# --- each action from each status ----------------------------------------------------------------

# (status, action) -> the outcome; replays are the action that produced the status.
EXPECTED = {
    (OPEN, "take"): "done",
    (OPEN, "reassign"): "done",
    (OPEN, "not_a_request"): "done",
    (OPEN, "resolve"): "done",
    (REROUTED, "take"): "done",
    (REROUTED, "reassign"): "done",  # to another persona than the current owner
    (REROUTED, "not_a_request"): "done",
    (REROUTED, "resolve"): "done",
    (ACKNOWLEDGED, "take"): "replay",
    (ACKNOWLEDGED, "reassign"): "done",
    (ACKNOWLEDGED, "not_a_request"): "done",
    (ACKNOWLEDGED, "resolve"): "done",
    (RESOLVED, "take"): "closed",
    (RESOLVED, "reassign"): "closed",
    (RESOLVED, "not_a_request"): "closed",
    (RESOLVED, "resolve"): "replay",
    (NOT_A_REQUEST, "take"): "closed",
    (NOT_A_REQUEST, "reassign"): "closed",
    (NOT_A_REQUEST, "not_a_request"): "replay",
    (NOT_A_REQUEST, "resolve"): "closed",
}
NEW_STATUS = {"take": ACKNOWLEDGED, "reassign": REROUTED, "not_a_request": NOT_A_REQUEST, "resolve": RESOLVED}


def test_the_table_covers_every_status_and_action() -> None:
    assert {status for status, _ in EXPECTED} == {OPEN, REROUTED, ACKNOWLEDGED, RESOLVED, NOT_A_REQUEST}
    assert {action for _, action in EXPECTED} == set(ACTIONS)


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED))
def test_every_action_from_every_status(status: str, action: str) -> None:
    current = request(status)
    step = press(current, action)
    assert step.outcome == EXPECTED[(status, action)]
    if step.outcome == "done":
        assert step.ok and step.changed
        assert step.to_status == NEW_STATUS[action]
        assert step.values["status_by"] == "U9" and step.values["status_at"] == NOW
        assert step.message.startswith(f"Request #{current.id} ")
    else:
        assert not step.changed and step.values == {} and step.rollups == () and step.feedback is None
        assert step.ok == (step.outcome == "replay")


# --- what each change writes ----------------------------------------------------------------------


def test_take_acknowledges_and_stops_nudges() -> None:
    step = press(request(OPEN), "take")
    assert step.values == {
        "status": ACKNOWLEDGED,
        "status_by": "U9",
        "status_at": NOW,
        "acknowledged_at": NOW,
        "ack_seconds": 3 * 3600.0,
        "next_nudge_at": None,
    }
    assert step.rollups == (RollupDelta("acknowledged", "engineering", "commitments", NOW),)
    assert step.feedback is None and step.detail is None
    assert step.message == "Request #7 taken by U9."


def test_resolve_closes_and_counts_a_resolution() -> None:
    step = press(request(ACKNOWLEDGED), "resolve")
    assert step.values["status"] == RESOLVED
    assert step.values["resolved_at"] == step.values["closed_at"] == NOW
    assert step.values["next_nudge_at"] is None
    assert step.rollups == (RollupDelta("closed", "engineering", "commitments", NOW, resolved=True),)
    assert step.message == "Request #7 resolved by U9."


def test_not_a_request_closes_and_is_kept_as_feedback() -> None:
    step = press(request(OPEN), "not_a_request")
    assert step.values["status"] == NOT_A_REQUEST and step.values["closed_at"] == NOW
    assert "resolved_at" not in step.values
    assert step.rollups == (RollupDelta("closed", "engineering", "commitments", NOW, resolved=False),)
    assert step.feedback == "not_a_request" and step.feedback_to_persona is None
    assert step.message == "Request #7 marked not a FinOps request by U9."


def test_reassign_moves_the_counts_and_undoes_a_take() -> None:
    step = press(request(ACKNOWLEDGED), "reassign", to_persona="procurement")
    assert step.values["status"] == REROUTED
    assert step.values["primary_persona"] == "procurement"
    assert step.values["acknowledged_at"] is None and step.values["ack_seconds"] is None
    assert step.values["nudged_windows"] == 0 and step.values["next_nudge_at"] == NEXT_NUDGE
    assert step.rollups == (
        RollupDelta("routed", "engineering", "commitments", CREATED, sign=-1, has_amount=True),
        RollupDelta("routed", "procurement", "commitments", CREATED, has_amount=True),
        RollupDelta("acknowledged", "engineering", "commitments", TAKEN, sign=-1),
    )
    assert step.detail == {"from_persona": "engineering", "to_persona": "procurement"}
    assert step.feedback == "reassigned" and step.feedback_to_persona == "procurement"
    assert step.message == "Request #7 reassigned to procurement by U9."


def test_reassigning_an_untaken_request_without_an_amount_moves_only_the_routed_count() -> None:
    step = press(request(OPEN, amount_usd=None), "reassign", to_persona="finance")
    assert step.rollups == (
        RollupDelta("routed", "engineering", "commitments", CREATED, sign=-1),
        RollupDelta("routed", "finance", "commitments", CREATED),
    )


def test_reassign_without_a_next_nudge_stops_nudging() -> None:
    step = transition(request(OPEN), "reassign", "U9", NOW, to_persona="finance", next_nudge_at=None)
    assert step.values["next_nudge_at"] is None


def test_reassign_refuses_a_naive_next_nudge() -> None:
    with pytest.raises(ValueError, match="next_nudge_at"):
        transition(request(OPEN), "reassign", "U9", NOW, to_persona="finance", next_nudge_at=dt.datetime(2026, 5, 5))


def test_a_transition_does_not_change_the_request_it_is_given() -> None:
    current = request(OPEN)
    snapshot = dataclasses.replace(current)
    press(current, "reassign")
    assert current == snapshot


# --- replays and refusals ----------------------------------------------------------------------------


def test_a_replay_names_who_did_it_first() -> None:
    assert press(request(ACKNOWLEDGED), "take").message == "Already taken by U2."
    assert press(request(RESOLVED), "resolve").message == "Already resolved by U2."
    assert press(request(NOT_A_REQUEST), "not_a_request").message == "Already marked not a FinOps request by U2."


def test_reassigning_to_the_current_owner_again_is_a_replay() -> None:
    step = press(request(REROUTED), "reassign", to_persona="finance")
    assert step.outcome == "replay" and step.ok
    assert step.message == "Already reassigned to finance by U2."


def test_reassigning_an_open_request_to_its_owner_is_a_change() -> None:
    # Only a reroute can be replayed: an open request was never reassigned.
    step = press(request(OPEN), "reassign", to_persona="engineering")
    assert step.outcome == "done" and step.values["status"] == REROUTED


def test_a_closed_request_refuses_other_actions() -> None:
    step = press(request(RESOLVED), "take")
    assert not step.ok and step.outcome == "closed"
    assert step.message == "This request is already resolved by U2; nothing changed."
    step = press(request(NOT_A_REQUEST), "resolve")
    assert step.message == "This request is already marked not a FinOps request by U2; nothing changed."


def test_a_press_that_is_not_allowed_changes_nothing() -> None:
    step = press(request(OPEN), "resolve", allowed=False)
    assert not step.ok and step.outcome == "not_allowed"
    assert step.message == "You are not allowed to do that for this request."
    assert step.values == {}


def test_replays_and_closed_requests_are_answered_before_permission() -> None:
    assert press(request(RESOLVED), "resolve", allowed=False).outcome == "replay"
    assert press(request(RESOLVED), "take", allowed=False).outcome == "closed"


def test_invalid_presses_are_refused_before_any_request_is_read() -> None:
    unknown = check_action("delete", None)
    assert unknown is not None and unknown.outcome == "invalid" and unknown.message == "Unknown action 'delete'."
    nobody = check_action("reassign", None)
    assert nobody is not None and nobody.message == "Choose a persona to reassign the request to."
    assert check_action("take", None) is None
    assert transition(request(OPEN), "reassign", "U9", NOW, to_persona="").outcome == "invalid"
    assert transition(request(RESOLVED), "delete", "U9", NOW).outcome == "invalid"


def test_an_unknown_request_is_named() -> None:
    step = unknown_request(42)
    assert not step.ok and step.outcome == "unknown"
    assert step.message == "This request (#42) is not known to the bot any more."


# --- reassigned personas ------------------------------------------------------------------------------


def test_the_new_owner_leads_the_responsible_personas_and_the_old_owner_leaves_them() -> None:
    personas = {"responsible": ["engineering", "finance"], "accountable": ["leadership"]}
    assert reassigned_personas(personas, "engineering", "procurement") == {
        "responsible": ["procurement", "finance"],
        "accountable": ["leadership"],
    }


def test_the_new_owner_is_taken_out_of_its_other_roles() -> None:
    personas = {"responsible": ["engineering"], "consulted": ["finance", "itfm"], "accountable": ["finance"]}
    assert reassigned_personas(personas, "engineering", "finance") == {
        "responsible": ["finance"],
        "consulted": ["itfm"],
        "accountable": [],
    }


def test_a_request_without_responsible_personas_gets_one() -> None:
    assert reassigned_personas({"informed": ["leadership"]}, "engineering", "finance") == {
        "informed": ["leadership"],
        "responsible": ["finance"],
    }

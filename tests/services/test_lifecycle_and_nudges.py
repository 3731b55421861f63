"""Button presses, App Home and nudges against in-memory ports."""

from __future__ import annotations

import datetime as dt
import json

from bot.domain.deliveries import UPDATE
from bot.domain.inputs import ActionPress
from bot.render.replies import ACTION_REASSIGN, ACTION_RESOLVE, ACTION_TAKE
from bot.services.home import Home
from bot.services.lifecycle import Lifecycle
from bot.services.nudges import Nudges
from tests.services.fakes import ALERTS_CHANNEL, NOW, FakeRequests, FakeSender, holder, request_view, shipped_config


def press(action_id: str, request_id: int = 1, user: str = "U9", to_persona: str | None = None) -> ActionPress:
    ts = request_view(request_id).message_ts
    return ActionPress(action_id, f"{ALERTS_CHANNEL}:{ts}", to_persona, user, "T1", reply_ts="1700000001.000100")


def lifecycle(requests: FakeRequests, memberships=None, closers=False) -> tuple[Lifecycle, FakeSender]:
    sender = FakeSender()
    config = None
    if closers:
        config = shipped_config()
        acknowledgement = config.routing.acknowledgement.model_copy(update={"closers": ("finance",)})
        config = config.model_copy(
            update={"routing": config.routing.model_copy(update={"acknowledgement": acknowledgement})}
        )
    runtime_holder = holder(memberships, config)
    return Lifecycle(runtime_holder, requests, requests, sender.notify, lambda: NOW), sender


def test_take_applies_the_action_and_updates_the_reply_in_place() -> None:
    requests = FakeRequests([request_view(1)])
    service, sender = lifecycle(requests)

    outcome = service.press(press(ACTION_TAKE))

    assert outcome.ok
    assert requests.actions == [(1, "take", "U9", None)]
    [update] = requests.enqueued
    assert update.method == UPDATE and update.payload["ts"] == "1700000001.000100"
    assert sender.notified == [outcome.delivery_id]


def test_reassign_tags_the_new_owner_in_a_new_thread_reply() -> None:
    requests = FakeRequests([request_view(1)])
    service, _ = lifecycle(requests)

    assert service.press(press(ACTION_REASSIGN, to_persona="finance")).ok

    notice = next(d for d in requests.enqueued if d.kind == "reassign")
    assert notice.payload["thread_ts"] == request_view(1).message_ts
    assert "<#CFINANCE>" in json.dumps(notice.payload)


def test_unknown_buttons_personas_and_requests_change_nothing() -> None:
    requests = FakeRequests([request_view(1)])
    service, _ = lifecycle(requests)

    assert not service.press(None).ok
    assert not service.press(press("finops_launch_missiles")).ok
    assert not service.press(press(ACTION_REASSIGN, to_persona="<!here>")).ok
    assert not service.press(press(ACTION_TAKE, request_id=42)).ok
    assert requests.actions == []


def test_only_configured_closers_may_resolve() -> None:
    requests = FakeRequests([request_view(1)])
    service, _ = lifecycle(requests, memberships={"UBOSS": ("finance",)}, closers=True)

    refused = service.press(press(ACTION_RESOLVE, user="USTRANGER"))
    assert not refused.ok and "closers" in refused.message
    assert service.press(press(ACTION_RESOLVE, user="UBOSS")).ok
    assert [action for _, action, _, _ in requests.actions] == ["resolve"]


def test_home_lists_the_callers_open_requests() -> None:
    requests = FakeRequests([request_view(1, primary_persona="finance", excerpt="accrual question")])
    view = Home(holder({"UFIN": ("finance",)}), requests).view_for("UFIN")

    assert "accrual question" in json.dumps(view)
    assert json.dumps(Home(holder(), requests).view_for("USTRANGER")).count("accrual question") == 0


def test_home_dates_a_taken_request_from_when_it_was_taken() -> None:
    taken = request_view(1, primary_persona="finance", status="acknowledged", status_at=NOW)
    view = json.dumps(Home(holder({"UFIN": ("finance",)}), FakeRequests([taken])).view_for("UFIN"))

    assert f"Taken since {NOW:%Y-%m-%d} (opened {taken.created_at:%Y-%m-%d})" in view


def test_nudges_tag_the_accountable_persona_once_per_window() -> None:
    overdue = request_view(1, next_nudge_at=NOW - dt.timedelta(hours=1))
    not_yet = request_view(2, next_nudge_at=NOW + dt.timedelta(hours=1))
    requests, sender = FakeRequests([overdue, not_yet]), FakeSender()
    nudges = Nudges(holder(), requests, sender.notify, lambda: NOW)

    assert nudges.sweep() == 1
    [(request_id, delivery)] = requests.nudged
    assert request_id == 1 and delivery.dedup_key == "nudge:1:1"
    assert "<#CFINOPSPR>" in json.dumps(delivery.payload) and "3d" in json.dumps(delivery.payload)
    assert nudges.sweep() == 0  # the next window is set on the request
    assert sender.notified == [None]

"""Intake against in-memory ports: what is recorded, what is replied, what is ignored."""

from __future__ import annotations

import json

from bot.domain.inputs import IncomingMessage
from bot.services.intake import Intake
from tests.services.fakes import ALERTS_CHANNEL, NOW, FakeRequests, FakeSender, holder

COST_REQUEST = "our RI coverage dropped to 60% this month, who looks at it?"


def message(text: str, channel: str = ALERTS_CHANNEL, event_id: str | None = "Ev1", **fields) -> IncomingMessage:
    return IncomingMessage(
        event_id=event_id,
        retry_num=0,
        team_id="T1",
        channel_id=channel,
        ts=fields.pop("ts", "1700000000.000100"),
        user_id=fields.pop("user_id", "U1"),
        bot_id=fields.pop("bot_id", None),
        app_name=fields.pop("app_name", None),
        message={"text": text, "attachments": fields.pop("attachments", []), "blocks": []},
    )


def intake() -> tuple[Intake, FakeRequests, FakeSender]:
    records, sender = FakeRequests(), FakeSender()
    return Intake(holder(), records, sender, lambda: NOW), records, sender


def test_a_cost_request_is_recorded_with_its_reply_and_the_relay_is_told() -> None:
    service, records, sender = intake()

    outcome = service.handle(message(COST_REQUEST))

    assert outcome.action == "routed"
    [(event_id, request, reply)] = records.recorded
    assert event_id == "Ev1"
    assert request.primary_persona == "finops-practitioner"
    assert request.next_nudge_at is not None and request.next_nudge_at > NOW
    assert reply is not None and reply.payload["thread_ts"] == "1700000000.000100"
    assert reply.payload["channel"] == ALERTS_CHANNEL
    assert "<#CFINOPSPR>" in json.dumps(reply.payload)  # the persona's resolved channel is tagged
    assert sender.notified == [outcome.delivery_id]


def test_messages_outside_watched_channels_are_ignored_and_not_recorded() -> None:
    service, records, sender = intake()

    assert service.handle(message(COST_REQUEST, channel="CELSEWHERE")).action == "ignored"
    assert records.recorded == [] and records.seen_events == set() and sender.notified == []


def test_chatter_is_remembered_by_event_id_so_a_retry_is_a_duplicate() -> None:
    service, records, _ = intake()
    chatter = message("lunch is at noon, the meeting room is reserved", event_id="EvChat")

    assert service.handle(chatter).action == "chatter"
    assert service.handle(chatter).action == "duplicate"
    assert records.recorded == []


def test_a_retried_event_is_recorded_once() -> None:
    service, records, sender = intake()

    assert service.handle(message(COST_REQUEST)).action == "routed"
    assert service.handle(message(COST_REQUEST)).action == "duplicate"
    assert len(records.recorded) == 1 and len(sender.notified) == 1


def test_alerts_from_bots_carry_a_fingerprint_for_repeats_and_people_do_not() -> None:
    service, records, _ = intake()
    text = "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"

    service.handle(message(text, event_id="EvBot", bot_id="B1", app_name="AWS Chatbot"))
    service.handle(message(text, event_id="EvPerson", ts="1700000000.000200"))

    bot_request, person_request = (request for _, request, _ in records.recorded)
    assert bot_request.source == "app" and bot_request.fingerprint
    assert person_request.source == "person" and person_request.fingerprint is None
    assert bot_request.amount_usd == 41236.55

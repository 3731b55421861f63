"""A "resolved" notification from a receiver: a note in its alert's thread, tagging nobody, never a request."""

from __future__ import annotations

import datetime as dt

from bot.domain.alerts import Alert
from bot.services.alert_intake import AlertIntake
from tests.services.fakes import ALERTS_CHANNEL, NOW, FakeRequests, FakeSender, holder, request_view


def cleared(**fields: object) -> Alert:
    values: dict = dict(
        receiver="azure",
        source="azure-monitor",
        kind="notification",
        delivery_id="a-1:Resolved:2026-12-01",
        alert_key="sub_cost-spike",
        title="Azure alert cost-spike resolved",
        text="Spend is <!channel> back within range",
        resolved=True,
    )
    values.update(fields)
    return Alert(**values)


def intake(records: FakeRequests, sender: FakeSender) -> AlertIntake:
    return AlertIntake(holder(), records, records, sender, lambda: NOW, lambda: "T1")


def test_a_resolved_notification_is_a_thread_note_on_the_latest_open_request_of_its_alert() -> None:
    notice = cleared()
    records = FakeRequests(
        [
            request_view(1, fingerprint=notice.fingerprint(), reply_ts="111.1", created_at=NOW - dt.timedelta(days=9)),
            request_view(2, fingerprint=notice.fingerprint(), reply_ts="222.2", created_at=NOW - dt.timedelta(hours=2)),
            request_view(3, fingerprint="another alert", reply_ts="333.3", created_at=NOW),
        ]
    )
    sender = FakeSender()

    answer = intake(records, sender).accept(notice, "#cost-alerts")

    assert answer == {"action": "resolved", "request_id": 2}
    assert records.recorded == []  # no new request, so no one is paged again
    [note] = records.enqueued
    assert (note.kind, note.payload["thread_ts"], note.payload["channel"]) == ("resolved", "222.2", ALERTS_CHANNEL)
    shown = str(note.payload)
    assert "Azure Monitor reports this alert resolved" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<@" not in shown and "<!subteam" not in shown and "<#" not in shown  # tags nobody
    assert len(sender.notified) == 1


def test_a_resolved_notification_without_an_open_request_posts_nothing() -> None:
    records, sender = FakeRequests([request_view(1, fingerprint="another alert")]), FakeSender()
    assert intake(records, sender).accept(cleared(), "#cost-alerts") == {"action": "resolved", "request_id": None}
    assert (records.recorded, records.enqueued, sender.notified) == ([], [], [])


def test_the_same_resolved_delivery_twice_is_a_duplicate() -> None:
    notice = cleared()
    records, sender = FakeRequests([request_view(1, fingerprint=notice.fingerprint())]), FakeSender()
    service = intake(records, sender)
    assert service.accept(notice, "#cost-alerts")["action"] == "resolved"
    assert service.accept(notice, "#cost-alerts") == {"action": "duplicate", "request_id": None}
    assert len(records.enqueued) == 1

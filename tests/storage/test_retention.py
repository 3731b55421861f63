"""Retention: old event ids, sent payloads and schedule claims are pruned; the audit trail after its period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from bot.domain.deliveries import NewDelivery
from bot.storage.models import digest_daily, digest_hourly, processed_events, request_events, schedule_claims
from bot.storage.retention import PruneReport, RetentionPolicy, prune
from bot.storage.rollups import hour_number
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for

POLICY = RetentionPolicy(
    event_ids=dt.timedelta(hours=48),
    sent_deliveries=dt.timedelta(days=7),
    schedule_claims=dt.timedelta(days=35),
    requests=dt.timedelta(days=730),
)


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_event_ids_older_than_the_period_are_forgotten_and_the_message_is_still_a_duplicate(
    storage: Storage, migrated_engine: Engine
) -> None:
    request = new_request()
    first = storage.intake.record_routed_message("EvOld", request, reply_for, at())
    assert storage.intake.mark_event_processed("EvChatter", at(hours=1))
    assert storage.intake.mark_event_processed("EvRecent", at(days=3))

    report = prune(storage.database, at(days=3, hours=1), POLICY)

    assert report.event_ids == 2
    assert count(migrated_engine, processed_events) == 1
    assert not storage.intake.mark_event_processed("EvRecent", at(days=3, hours=2))
    # Slack retrying the pruned event days later: the message's own key still catches it.
    again = storage.intake.record_routed_message("EvOld", request, reply_for, at(days=3, hours=2))
    assert again.duplicate and again.request_id == first.request_id


def test_sent_payloads_older_than_the_period_are_dropped_and_nothing_else(
    storage: Storage, migrated_engine: Engine
) -> None:
    old_sent = storage.intake.record_routed_message("Ev1", new_request(), reply_for, at())
    recent_sent = storage.intake.record_routed_message("Ev2", new_request(), reply_for, at(days=6))
    old_failed = storage.outbox.enqueue(
        NewDelivery(kind="reminder", method="chat.postMessage", payload={"text": "f"}), at()
    )
    old_pending = storage.outbox.enqueue(
        NewDelivery(kind="reminder", method="chat.postMessage", payload={"text": "p"}, not_before=at(days=30)), at()
    )
    storage.outbox.mark_sent(old_sent.delivery_id, "1700000001.000100", at(minutes=1))
    storage.outbox.mark_sent(recent_sent.delivery_id, "1700000002.000100", at(days=6, minutes=1))
    storage.outbox.mark_failed(old_failed, "channel_not_found", at(minutes=1))
    export_before = list(storage.requests.export(at(days=-1)))
    history_before = storage.requests.request_history(old_sent.request_id)

    report = prune(storage.database, at(days=8), POLICY)

    assert report.sent_deliveries == 1
    assert storage.outbox.get_delivery(old_sent.delivery_id) is None
    recent = storage.outbox.get_delivery(recent_sent.delivery_id)
    # A sent row stays for the period, its payload already dropped when it was sent.
    assert (recent.status, recent.response_ts, recent.payload) == ("sent", "1700000002.000100", None)
    assert storage.outbox.get_delivery(old_failed).payload == {"text": "f"}
    assert storage.outbox.get_delivery(old_pending).payload == {"text": "p"}
    assert storage.requests.get_request(old_sent.request_id).reply_ts == "1700000001.000100"
    # The reply's ts (for updates) is on the request; the audit trail does not read the outbox:
    # export, history and digest are the same after the prune.
    assert list(storage.requests.export(at(days=-1))) == export_before
    assert storage.requests.request_history(old_sent.request_id) == history_before
    assert storage.digest.digest_data(at(days=-1), at(days=6), "finops-practitioner").total_routed == 1


def test_old_schedule_claims_go_but_each_schedule_keeps_its_latest(storage: Storage, migrated_engine: Engine) -> None:
    for days in (0, 1, 2):
        assert storage.schedule_claims.claim_occurrence("nudge:sweep", at(days=days), "w1", at(days=days))
    assert storage.schedule_claims.claim_occurrence("digest:weekly", at(days=1), "w1", at(days=1))
    assert storage.schedule_claims.claim_occurrence("duty:finance:close", at(days=50), "w1", at(days=50))

    report = prune(storage.database, at(days=60), POLICY)

    assert report.schedule_claims == 2
    with migrated_engine.connect() as connection:
        left = set(connection.execute(select(schedule_claims.c.schedule_id, schedule_claims.c.fire_time)))
    assert {(schedule, fire.replace(tzinfo=dt.UTC)) for schedule, fire in left} == {
        ("nudge:sweep", at(days=2)),
        ("digest:weekly", at(days=1)),
        ("duty:finance:close", at(days=50)),
    }
    # The ticker still sees the latest occurrence of each schedule.
    assert storage.schedule_claims.last_occurrence("nudge:sweep").fire_time == at(days=2)


def test_the_audit_trail_goes_after_its_period_but_open_work_and_the_daily_counts_stay(
    storage: Storage, migrated_engine: Engine
) -> None:
    resolved_early = storage.intake.record_routed_message("Ev1", new_request(), reply_for, at()).request_id
    not_a_request_early = storage.intake.record_routed_message("Ev2", new_request(), reply_for, at()).request_id
    open_since_then = storage.intake.record_routed_message("Ev3", new_request(), reply_for, at()).request_id
    resolved_late = storage.intake.record_routed_message("Ev4", new_request(), reply_for, at()).request_id
    assert storage.requests.apply_action(resolved_early, "resolve", "U1", at(days=1)).changed
    assert storage.requests.apply_action(not_a_request_early, "not_a_request", "U1", at(days=1)).changed
    assert storage.requests.apply_action(resolved_late, "resolve", "U1", at(days=700)).changed
    ended = storage.silences.add({"source": "aws"}, at(days=2), "maintenance", "U1", at())
    assert storage.silences.record_muted("k1", ended.id, "aws", "C1", "spend up", None, None, at(days=1))
    recent = storage.silences.add({"source": "gcp"}, at(days=800), "migration", "U1", at(days=700))
    assert storage.silences.record_muted("k2", recent.id, "gcp", "C1", "spend up", None, None, at(days=701))
    with migrated_engine.connect() as connection:
        daily_before = sorted(connection.execute(digest_daily.select()))

    now = at(days=735)  # the period (730 days) ends on day 5
    report = prune(storage.database, now, POLICY)

    assert (report.closed_requests, report.corrections, report.muted_alerts, report.silences) == (2, 1, 1, 1)
    assert storage.requests.get_request(resolved_early) is None
    assert storage.requests.get_request(not_a_request_early) is None
    assert storage.requests.request_history(resolved_early) == []
    assert storage.requests.get_request(open_since_then).status == "open"  # still someone's work
    assert storage.requests.get_request(resolved_late).status == "resolved"
    assert storage.requests.feedback_since(at(days=-1)) == []
    assert [silence.id for silence in storage.silences.recent(now, ended_within=dt.timedelta(days=3650))] == [recent.id]
    with migrated_engine.connect() as connection:
        events_left = {row.request_id for row in connection.execute(request_events.select())}
        hours_left = [row.hour for row in connection.execute(digest_hourly.select())]
        assert sorted(connection.execute(digest_daily.select())) == daily_before
    assert events_left == {open_since_then, resolved_late}
    assert hours_left and min(hours_left) >= hour_number(now - POLICY.requests)
    assert report.digest_hours >= 1  # the first day's routed counts
    # "Still open" sums the daily counts over all history: the three-year-old open request is in it.
    week = storage.digest.digest_data(at(days=728), at(days=735), "finops-practitioner")
    assert [p.still_open for p in week.personas if p.persona == "finops-practitioner"] == [1]
    assert prune(storage.database, now, POLICY) == PruneReport()


def test_the_audit_trail_is_kept_for_ever_without_a_period(storage: Storage) -> None:
    request_id = storage.intake.record_routed_message("Ev1", new_request(), reply_for, at()).request_id
    assert storage.requests.apply_action(request_id, "resolve", "U1", at(days=1)).changed

    report = prune(storage.database, at(days=3650), RetentionPolicy(requests=None))

    assert report.closed_requests == 0
    assert storage.requests.get_request(request_id).status == "resolved"


def test_prune_works_in_chunks_and_repeating_it_changes_nothing(storage: Storage, migrated_engine: Engine) -> None:
    for n in range(7):
        recorded = storage.intake.record_routed_message(f"Ev{n}", new_request(), reply_for, at(minutes=n))
        storage.outbox.mark_sent(recorded.delivery_id, f"1700000001.{n:06d}", at(minutes=n + 1))

    assert prune(storage.database, at(days=30), POLICY, chunk=3) == PruneReport(
        event_ids=7, sent_deliveries=7, schedule_claims=0
    )
    assert prune(storage.database, at(days=30), POLICY, chunk=3) == PruneReport()


def test_db_prune_uses_the_retention_settings(database_url: str, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main
    from bot.storage.db import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    storage = Storage.open(engine)
    now = dt.datetime.now(dt.UTC)
    storage.intake.mark_event_processed("EvDayOld", now - dt.timedelta(hours=25))
    storage.intake.mark_event_processed("EvNew", now)
    monkeypatch.setenv("FINOPS_RETAIN_EVENT_IDS_HOURS", "24")
    try:
        assert main(["db", "prune", "--database-url", database_url]) == 0
        assert "pruned 1 event ids, 0 sent deliveries, 0 schedule claims, 0 closed requests" in capsys.readouterr().out
        assert count(engine, processed_events) == 1
    finally:
        engine.dispose()


def test_the_requests_setting_becomes_the_policys_period_and_zero_keeps_them_for_ever() -> None:
    from bot.app import retention_policy
    from bot.settings import Settings

    assert retention_policy(Settings.from_env({})).requests == dt.timedelta(days=730)
    assert retention_policy(Settings.from_env({"FINOPS_RETAIN_REQUESTS_DAYS": "400"})).requests == dt.timedelta(
        days=400
    )
    assert retention_policy(Settings.from_env({"FINOPS_RETAIN_REQUESTS_DAYS": "0"})).requests is None

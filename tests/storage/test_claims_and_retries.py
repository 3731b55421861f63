"""Schedule occurrences claimed exactly once; writes retried through brief outages."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import exc

from bot.storage.db import make_engine
from bot.storage.retry import RetryPolicy
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, run_racing, unreachable_for


def test_an_occurrence_is_claimed_once_and_its_outcome_recorded(storage: Storage) -> None:
    fire = at(days=7)
    assert storage.schedule_claims.claim_occurrence("digest", fire, "sched-a", at(days=7, minutes=1)) is True
    assert storage.schedule_claims.claim_occurrence("digest", fire, "sched-b", at(days=7, minutes=1)) is False
    assert storage.schedule_claims.claim_occurrence("digest", at(days=14), "sched-b", at(days=14)) is True

    storage.schedule_claims.mark_occurrence("digest", fire, "posted", "ts 1700.1")
    row = storage.schedule_claims.occurrence("digest", fire)
    assert (row.claimed_by, row.status, row.note, row.fire_time) == ("sched-a", "posted", "ts 1700.1", fire)
    assert storage.schedule_claims.last_occurrence("digest").fire_time == at(days=14)
    assert storage.schedule_claims.last_occurrence("never") is None
    with pytest.raises(ValueError):
        storage.schedule_claims.mark_occurrence("digest", fire, "exploded")


def test_two_schedulers_racing_on_two_engines_claim_each_occurrence_once(database_url: str, storage: Storage) -> None:
    occurrences = [("duty:finance:weekly", at(days=d)) for d in range(20)]
    engines = [make_engine(database_url) for _ in range(2)]
    start = threading.Barrier(2)
    won: dict[str, list] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def scheduler(name: str, engine) -> None:
        racer = Storage.open(engine, sleep=lambda _s: None)
        try:
            start.wait(timeout=10)
            for schedule_id, fire in occurrences:
                if racer.schedule_claims.claim_occurrence(schedule_id, fire, name, fire):
                    won[name].append(fire)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(n, e)) for n, e in zip(won, engines, strict=False)]
    run_racing(threads, engines)

    assert errors == []
    assert sorted(won["a"] + won["b"]) == [fire for _, fire in occurrences]


def test_a_briefly_unreachable_database_gets_the_write_retried(database_url: str, storage: Storage) -> None:
    engine = unreachable_for(database_url, "processed_events", failures=2, reason="server closed the connection")
    waits: list[float] = []
    flaky = Storage.open(engine, retry=RetryPolicy(attempts=4, first_delay=0.1), sleep=waits.append)
    try:
        assert flaky.intake.mark_event_processed("Ev1", at()) is True
        assert waits == [0.1, 0.2]
        assert flaky.intake.mark_event_processed("Ev1", at()) is False  # written exactly once
    finally:
        engine.dispose()


def test_retries_are_bounded(database_url: str, storage: Storage) -> None:
    engine = unreachable_for(database_url, "processed_events")
    waits: list[float] = []
    down = Storage.open(engine, retry=RetryPolicy(attempts=3, first_delay=0.1), sleep=waits.append)
    try:
        with pytest.raises(exc.OperationalError):
            down.intake.mark_event_processed("Ev1", at())
        assert waits == [0.1, 0.2]
    finally:
        engine.dispose()
    assert storage.intake.mark_event_processed("Ev1", at()) is True  # nothing half-written

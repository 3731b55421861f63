"""The digest's rollups cannot drift: figures from them equal figures from the raw requests.

A randomised history (reassignments, repeats, takes undone by reassignment,
closures across week boundaries, amounts that tie) is written through the
storage's public API, then ``digest_data`` is compared with a plain recomputation
from every stored row, for whole-hour, half-hour-zone and empty weeks; and the
incrementally kept rollup tables are compared with the migration's backfill.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import statistics
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import delete, select

from bot.domain.digest import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.storage.models import digest_daily, digest_hourly, routed_requests, routing_feedback
from bot.storage.stores import Storage
from tests.storage.storage_factories import new_request, reply_for

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, midnight UTC
PERSONAS = ["finops-practitioner", "engineering", "finance", "procurement"]
TOPICS = ["anomaly", "budgets", "commitments", None]
FALLBACK = "finops-practitioner"
MIGRATION = Path(__file__).resolve().parents[2] / "bot/storage/migrations/versions/0002_digest_rollups.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("digest_rollups_migration", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _moment(rng: random.Random) -> dt.datetime:
    """Mostly anywhere in five weeks; sometimes exactly on an hour or a day boundary."""
    roll = rng.random()
    if roll < 0.1:
        return T0 + dt.timedelta(days=rng.randrange(-14, 21))
    if roll < 0.2:
        return T0 + dt.timedelta(hours=rng.randrange(-14 * 24, 21 * 24))
    return T0 + dt.timedelta(seconds=rng.uniform(-14 * 86400, 21 * 86400))


def _later(rng: random.Random, moment: dt.datetime) -> dt.datetime:
    return moment + rng.choice(
        [dt.timedelta(microseconds=rng.randrange(1, 10**6)), dt.timedelta(hours=rng.expovariate(1 / 20))]
    )


def seed_random_history(storage: Storage, seed: int, requests: int = 120) -> None:
    rng = random.Random(seed)
    for n in range(requests):
        created = _moment(rng)
        persona = rng.choice(PERSONAS)
        topic = rng.choice(TOPICS)
        request = new_request(
            primary_persona=persona,
            personas={"responsible": [persona]},
            primary_topic=topic,
            topics=[topic] if topic else [],
            amount_usd=rng.choice([None, 100.0, 250.0, 250.0, round(rng.uniform(1, 5000), 2)]),
            fingerprint=f"alert-{rng.randrange(30)}" if rng.random() < 0.3 else None,
        )
        result = storage.intake.record_routed_message(
            f"Ev{seed}-{n}", request, reply_for, created, repeat_window=dt.timedelta(hours=6)
        )
        if result.repeat_of is not None:
            continue  # a repeat adds no request: the first one just counts it
        request_id, moment = result.request_id, created
        for _step in range(rng.randrange(0, 4)):
            moment = _later(rng, moment)
            action = rng.choice(["take", "take", "reassign", "resolve", "not_a_request"])
            storage.requests.apply_action(
                request_id,
                action,
                f"U{rng.randrange(5)}",
                moment,
                to_persona=rng.choice(PERSONAS) if action == "reassign" else None,
            )


def reference_digest(storage: Storage, week_start: dt.datetime, fallback: str = FALLBACK) -> DigestData:
    """``digest_data`` recomputed the obvious way, from every stored row."""
    week_end = week_start + dt.timedelta(days=7)
    previous_start = week_start - dt.timedelta(days=7)
    with storage.engine.connect() as connection:
        rows = connection.execute(select(routed_requests)).all()
        feedback = connection.execute(
            select(routing_feedback)
            .where(routing_feedback.c.at >= week_start, routing_feedback.c.at < week_end)
            .order_by(routing_feedback.c.at, routing_feedback.c.id)
        ).all()

    def ref(row: object) -> RequestRef:
        return RequestRef(
            request_id=row.id,
            channel_id=row.channel_id,
            message_ts=row.message_ts,
            opened_at=row.created_at,
            topic=row.primary_topic,
            amount_usd=row.amount_usd,
            excerpt=row.excerpt,
            status=row.status,
        )

    def in_week(moment: dt.datetime | None, start: dt.datetime = week_start) -> bool:
        return moment is not None and start <= moment < start + dt.timedelta(days=7)

    personas = []
    for persona in sorted({row.primary_persona for row in rows}):
        mine = [row for row in rows if row.primary_persona == persona]
        routed = [row for row in mine if in_week(row.created_at)]
        taken = [row for row in mine if in_week(row.acknowledged_at)]
        still_open = sorted(
            (row for row in mine if row.created_at < week_end and (row.closed_at is None or row.closed_at >= week_end)),
            key=lambda row: (row.created_at, row.id),
        )
        resolved = [row for row in mine if in_week(row.closed_at) and row.status == "resolved"]
        topics = Counter(row.primary_topic for row in routed if row.primary_topic is not None)
        week = PersonaWeek(
            persona=persona,
            routed=len(routed),
            acknowledged=len(taken),
            resolved=len(resolved),
            still_open=len(still_open),
            previous_routed=sum(1 for row in mine if in_week(row.created_at, previous_start)),
            median_ack_seconds=(
                statistics.median((row.acknowledged_at - row.created_at).total_seconds() for row in taken)
                if taken
                else None
            ),
            top_topics=tuple(sorted(topics.items(), key=lambda item: (-item[1], item[0]))[:3]),
            oldest_open=tuple(ref(row) for row in still_open[:5]),
            largest_amounts=tuple(
                ref(row)
                for row in sorted(
                    (row for row in routed if row.amount_usd is not None), key=lambda row: (-row.amount_usd, row.id)
                )[:5]
            ),
        )
        if week.routed or week.acknowledged or week.resolved or week.still_open:
            personas.append(week)
    personas.sort(key=lambda week: (-week.routed, week.persona))
    this_week = [row for row in rows if in_week(row.created_at)]
    fallback_rows = sorted(
        (row for row in this_week if row.primary_topic is None and row.primary_persona == fallback),
        key=lambda row: (row.created_at, row.id),
    )
    return DigestData(
        week_start=week_start,
        week_end=week_end,
        total_routed=len(this_week),
        previous_total_routed=sum(1 for row in rows if in_week(row.created_at, previous_start)),
        daily_routed=tuple(
            sum(1 for row in this_week if (row.created_at - week_start) // dt.timedelta(days=1) == day)
            for day in range(7)
        ),
        personas=tuple(personas),
        fallback=tuple(ref(row) for row in fallback_rows[:10]),
        reassignments=tuple(
            Reassignment(
                request_id=row.request_id,
                topic=(row.topics or [None])[0],
                from_persona=row.from_persona,
                to_persona=row.to_persona,
                actor=row.actor,
                at=row.at,
            )
            for row in feedback[:20]
        ),
        extra={"fallback_count": len(fallback_rows), "reassignment_count": len(feedback)},
    )


WEEK_STARTS = {
    "midnight UTC": T0,
    "the week before": T0 - dt.timedelta(days=7),
    "05:00 UTC (a whole-hour zone)": T0 + dt.timedelta(hours=5),
    "18:30 UTC (a half-hour zone)": T0 - dt.timedelta(hours=5, minutes=30),
    "an odd instant": T0 + dt.timedelta(days=3, hours=7, minutes=13, seconds=5, microseconds=123456),
    "quiet, later (only what is still open)": T0 + dt.timedelta(days=35),
    "empty, long before": T0 - dt.timedelta(days=70),
}


@pytest.mark.parametrize("seed", [1, 2])
def test_digest_from_rollups_equals_a_recount_of_the_requests(storage: Storage, seed: int) -> None:
    seed_random_history(storage, seed)
    for name, week_start in WEEK_STARTS.items():
        expected = reference_digest(storage, week_start)
        actual = storage.digest.digest_data(week_start, week_start + dt.timedelta(days=7), FALLBACK)
        assert actual == expected, name
    quiet = storage.digest.digest_data(T0 - dt.timedelta(days=70), T0 - dt.timedelta(days=63), FALLBACK)
    assert quiet.personas == () and quiet.total_routed == 0
    busy = storage.digest.digest_data(T0, T0 + dt.timedelta(days=7), FALLBACK)
    assert busy.total_routed > 0 and any(p.largest_amounts for p in busy.personas)


def _nonzero_rows(storage: Storage) -> dict[str, set[tuple]]:
    with storage.engine.connect() as connection:
        return {
            table.name: {
                tuple(row)
                for row in connection.execute(select(table))
                if any(
                    value
                    for name, value in row._mapping.items()
                    if name in ("routed", "closed", "with_amount", "acknowledged", "resolved")
                )
            }
            for table in (digest_hourly, digest_daily)
        }


def test_rollups_kept_on_writes_equal_the_migration_backfill(storage: Storage) -> None:
    seed_random_history(storage, seed=3)
    kept = _nonzero_rows(storage)
    assert kept["digest_hourly"] and kept["digest_daily"]
    with storage.engine.begin() as connection:
        connection.execute(delete(digest_hourly))
        connection.execute(delete(digest_daily))
        for statement in _migration().backfill_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
    assert _nonzero_rows(storage) == kept


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(storage: Storage) -> None:
    for hours in (1, 2, 4, 10):
        request_id = storage.intake.record_routed_message(None, new_request(), reply_for, T0).request_id
        storage.requests.apply_action(request_id, "take", "U1", T0 + dt.timedelta(hours=hours))
    data = storage.digest.digest_data(T0, T0 + dt.timedelta(days=7), FALLBACK)
    assert data.personas[0].median_ack_seconds == 3 * 3600


def test_a_take_undone_by_reassignment_no_longer_counts(storage: Storage) -> None:
    request_id = storage.intake.record_routed_message(
        None, new_request(primary_persona="finance"), reply_for, T0
    ).request_id
    storage.requests.apply_action(request_id, "take", "U1", T0 + dt.timedelta(hours=1))
    storage.requests.apply_action(request_id, "reassign", "U1", T0 + dt.timedelta(hours=2), to_persona="procurement")
    data = storage.digest.digest_data(T0, T0 + dt.timedelta(days=7), FALLBACK)
    assert [(p.persona, p.routed, p.acknowledged, p.still_open, p.median_ack_seconds) for p in data.personas] == [
        ("procurement", 1, 0, 1, None)
    ]
    assert data == reference_digest(storage, T0)

"""Schedules from config, their ids and content keys, and which occurrences are due or missed."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config.models import DigestConfig, Duty
from bot.scheduling.schedules import (
    Schedule,
    ScheduleConfigError,
    due_occurrences,
    fire_times_between,
    next_fire_time,
    schedules_from_config,
)
from tests.scheduling.scheduling_fakes import make_config, utc

HOUR = dt.timedelta(hours=1)


def duty_schedule(**overrides) -> Schedule:
    values = dict(
        id="duty:finance:check",
        kind="duty",
        timezone="UTC",
        cron="0 9 * * *",
        recipients=("finance",),
        subject="finance",
        text="Check the budget",
    )
    values.update(overrides)
    return Schedule(**values)


def test_every_kind_of_schedule_comes_from_config_with_stable_ids():
    config = make_config(
        duties=[Duty(id="budget-check", text="Check budgets", schedule="0 9 * * MON-FRI")],
        digest=DigestConfig(per_persona=True),
    )
    ids = [s.id for s in schedules_from_config(config)]
    assert ids == [
        "duty:finance:budget-check",
        "digest:weekly",
        "digest:persona:finance",
        "digest:persona:engineering",
        "digest:persona:leadership",
        "nudge:sweep",
    ]
    assert ids == [s.id for s in schedules_from_config(config)]


@pytest.mark.parametrize(
    ("duty_tz", "persona_tz", "routing_tz", "expected"),
    [
        ("Asia/Kolkata", "Europe/Berlin", "UTC", "Asia/Kolkata"),
        (None, "Europe/Berlin", "UTC", "Europe/Berlin"),
        (None, None, "America/New_York", "America/New_York"),
    ],
)
def test_duty_timezone_falls_back_persona_then_routing(duty_tz, persona_tz, routing_tz, expected):
    config = make_config(
        duties=[Duty(id="d", text="t", schedule="0 9 * * *", timezone=duty_tz)],
        persona_timezone=persona_tz,
        routing_timezone=routing_tz,
    )
    (duty,) = [s for s in schedules_from_config(config) if s.kind == "duty"]
    assert duty.timezone == expected


def test_bad_schedules_are_all_reported_together():
    config = make_config(
        duties=[
            Duty(id="a", text="t", schedule="0 9 * *"),
            Duty(id="b", text="t", schedule="0 9 * * *", timezone="Nowhere/Land"),
        ]
    )
    with pytest.raises(ScheduleConfigError) as caught:
        schedules_from_config(config)
    assert len(caught.value.problems) == 2
    assert "personas[finance].duties[a]" in caught.value.problems[0]
    assert "Nowhere/Land" in caught.value.problems[1]


def test_content_key_ignores_id_cron_and_timezone_but_not_text_or_recipient():
    base = duty_schedule()
    assert duty_schedule(id="duty:finance:renamed").content_key == base.content_key
    assert duty_schedule(cron="0 10 * * *", timezone="Europe/Berlin").content_key == base.content_key
    assert duty_schedule(text="Check  the BUDGET ").content_key == base.content_key  # whitespace/case only
    assert duty_schedule(text="Check the forecast").content_key != base.content_key
    assert duty_schedule(recipients=("engineering",), subject="engineering").content_key != base.content_key


def test_schedule_needs_exactly_one_of_cron_and_fire_at():
    with pytest.raises(ValueError, match="exactly one"):
        Schedule(id="x", kind="duty", timezone="UTC")
    with pytest.raises(ValueError, match="exactly one"):
        Schedule(id="x", kind="duty", timezone="UTC", cron="0 9 * * *", fire_at=(utc(2026, 1, 1),))


def test_explicit_fire_times():
    schedule = Schedule(id="c", kind="calendar", timezone="UTC", fire_at=(utc(2026, 5, 1, 9),))
    assert fire_times_between(schedule, utc(2026, 5, 1), utc(2026, 5, 2)) == [utc(2026, 5, 1, 9)]
    assert fire_times_between(schedule, utc(2026, 5, 1, 9), utc(2026, 5, 2)) == []
    assert next_fire_time(schedule, utc(2026, 4, 1)) == utc(2026, 5, 1, 9)
    assert next_fire_time(schedule, utc(2026, 5, 1, 9)) is None


def test_due_inside_grace_and_missed_beyond_it_on_a_first_run():
    schedule = duty_schedule()
    inside = due_occurrences([schedule], utc(2026, 5, 4, 9, 30), HOUR)
    assert [o.fire_time for o in inside.due] == [utc(2026, 5, 4, 9)]
    late = due_occurrences([schedule], utc(2026, 5, 4, 10, 30), HOUR)
    assert late.due == []
    # A first run looks back a week for occurrences to record as skipped.
    assert [o.fire_time for o in late.missed] == [utc(2026, 4, 28 + d, 9) for d in range(3)] + [
        utc(2026, 5, 1, 9),
        utc(2026, 5, 2, 9),
        utc(2026, 5, 3, 9),
        utc(2026, 5, 4, 9),
    ]


def test_missed_after_a_previous_run_is_only_what_left_the_window_since():
    schedule = duty_schedule()
    result = due_occurrences([schedule], utc(2026, 5, 4, 10, 1), HOUR, last_run=utc(2026, 5, 4, 9, 59, 30))
    assert [o.fire_time for o in result.missed] == [utc(2026, 5, 4, 9)]
    steady = due_occurrences([schedule], utc(2026, 5, 4, 10, 2), HOUR, last_run=utc(2026, 5, 4, 10, 1))
    assert steady.missed == [] and steady.due == []


def test_sweeps_run_only_their_newest_occurrence_and_are_never_missed():
    sweep = Schedule(id="nudge:sweep", kind="nudge-sweep", timezone="UTC", cron="*/15 * * * *", catch_up=False)
    result = due_occurrences([sweep], utc(2026, 5, 4, 10, 50), HOUR)
    assert [o.fire_time for o in result.due] == [utc(2026, 5, 4, 10, 45)]
    assert result.missed == []


def test_due_occurrences_refuses_naive_now():
    with pytest.raises(ValueError):
        due_occurrences([duty_schedule()], dt.datetime(2026, 5, 4), HOUR)

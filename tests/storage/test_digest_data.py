"""The digest's figures on a small hand-made history."""

from __future__ import annotations

import datetime as dt

from bot.domain.digest import Reassignment
from bot.storage.stores import Storage
from tests.storage.storage_factories import new_request, reply_for

UTC = dt.UTC
WEEK_START = dt.datetime(2026, 3, 2, tzinfo=UTC)
WEEK_END = WEEK_START + dt.timedelta(days=7)


def day(days: float, hours: float = 10) -> dt.datetime:
    return WEEK_START + dt.timedelta(days=days, hours=hours)


def routed(storage: Storage, when: dt.datetime, persona: str, topic: str | None, amount: float | None = None) -> int:
    request = new_request(
        primary_persona=persona,
        personas={"responsible": [persona]},
        primary_topic=topic,
        topics=[topic] if topic else [],
        amount_usd=amount,
    )
    return storage.intake.record_routed_message(None, request, reply_for, when).request_id


def seed(storage: Storage) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["prev_open"] = routed(storage, day(-3), "finance", "budgets")
    ids["prev_done"] = routed(storage, day(-3), "finance", "budgets")
    storage.requests.apply_action(ids["prev_done"], "resolve", "U1", day(-2))

    ids["r1"] = routed(storage, day(0), "finops-practitioner", "anomaly", 500)
    storage.requests.apply_action(ids["r1"], "take", "U2", day(0, 11))  # 1 h
    storage.requests.apply_action(ids["r1"], "resolve", "U2", day(1))
    ids["r2"] = routed(storage, day(1), "finops-practitioner", "anomaly", 9000)
    storage.requests.apply_action(ids["r2"], "take", "U2", day(1, 13))  # 3 h
    ids["r3"] = routed(storage, day(2), "finops-practitioner", "commitments")
    storage.requests.apply_action(ids["r3"], "take", "U3", day(2, 12))  # 2 h
    ids["r4"] = routed(storage, day(2, 11), "finops-practitioner", None)  # matched no topic: fallback
    ids["r5"] = routed(storage, day(3), "engineering", "tagging")
    storage.requests.apply_action(ids["r5"], "not_a_request", "U4", day(3, 11))
    ids["r6"] = routed(storage, day(4), "finance", "invoices")
    storage.requests.apply_action(ids["r6"], "reassign", "U5", day(4, 11), to_persona="procurement")
    ids["r8"] = routed(storage, day(5), "finops-practitioner", "commitments", 100)
    storage.requests.apply_action(ids["r8"], "resolve", "U2", day(8))  # closed only after the week
    ids["next_week"] = routed(storage, day(8), "finops-practitioner", "anomaly")
    return ids


def test_digest_figures_for_a_week(storage: Storage) -> None:
    ids = seed(storage)
    data = storage.digest.digest_data(WEEK_START, WEEK_END, "finops-practitioner")

    assert data.total_routed == 7
    assert data.previous_total_routed == 2
    assert data.daily_routed == (1, 1, 2, 1, 1, 1, 0)
    assert [p.persona for p in data.personas] == ["finops-practitioner", "engineering", "procurement", "finance"]

    practitioner = data.personas[0]
    assert (practitioner.routed, practitioner.acknowledged, practitioner.resolved, practitioner.still_open) == (
        5,
        3,
        1,
        4,
    )
    assert practitioner.previous_routed == 0
    assert practitioner.median_ack_seconds == 7200
    assert practitioner.top_topics == (("anomaly", 2), ("commitments", 2))
    assert [r.request_id for r in practitioner.largest_amounts] == [ids["r2"], ids["r1"], ids["r8"]]
    assert [r.request_id for r in practitioner.oldest_open] == [ids["r2"], ids["r3"], ids["r4"], ids["r8"]]
    assert practitioner.oldest_open[0].opened_at == day(1)
    assert practitioner.oldest_open[1].status == "acknowledged"

    engineering, procurement, finance = data.personas[1:]
    assert (engineering.routed, engineering.still_open, engineering.median_ack_seconds) == (1, 0, None)
    assert (procurement.routed, procurement.still_open) == (1, 1)
    assert (finance.routed, finance.previous_routed, finance.resolved, finance.still_open) == (0, 2, 0, 1)
    assert [r.request_id for r in finance.oldest_open] == [ids["prev_open"]]

    assert [r.request_id for r in data.fallback] == [ids["r4"]]
    assert data.extra["fallback_count"] == 1
    assert data.reassignments == (
        Reassignment(ids["r5"], "tagging", "engineering", None, "U4", day(3, 11)),
        Reassignment(ids["r6"], "invoices", "finance", "procurement", "U5", day(4, 11)),
    )


def test_caps_limit_the_lists(storage: Storage) -> None:
    seed(storage)
    data = storage.digest.digest_data(
        WEEK_START, WEEK_END, "finops-practitioner", oldest_open=2, largest_amounts=1, top_topics=1
    )
    practitioner = data.personas[0]
    assert len(practitioner.oldest_open) == 2
    assert len(practitioner.largest_amounts) == 1
    assert practitioner.top_topics == (("anomaly", 2),)


def test_an_empty_week_has_zeros_and_no_personas(storage: Storage) -> None:
    data = storage.digest.digest_data(WEEK_START, WEEK_END, "finops-practitioner")
    assert data.total_routed == 0 and data.previous_total_routed == 0
    assert data.daily_routed == (0,) * 7
    assert data.personas == () and data.fallback == () and data.reassignments == ()


def test_a_quiet_week_still_lists_what_remains_open(storage: Storage) -> None:
    seed(storage)
    later_start = WEEK_START + dt.timedelta(days=21)
    data = storage.digest.digest_data(later_start, later_start + dt.timedelta(days=7), "finops-practitioner")
    assert data.total_routed == 0
    assert data.daily_routed == (0,) * 7
    still_open = {p.persona: p.still_open for p in data.personas}
    # r2, r3, r4 and next_week (practitioner), prev_open (finance), r6 (procurement)
    assert still_open == {"finops-practitioner": 4, "finance": 1, "procurement": 1}
    assert all(p.routed == 0 and p.median_ack_seconds is None for p in data.personas)


def test_requests_on_a_day_boundary_count_for_the_day_they_open(storage: Storage) -> None:
    start = dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # a week starting at 05:00 UTC (local midnight)
    routed(storage, start, "finance", "budgets")
    routed(storage, start + dt.timedelta(days=1), "finance", "budgets")
    routed(storage, start + dt.timedelta(days=7) - dt.timedelta(microseconds=1), "finance", "budgets")
    routed(storage, start - dt.timedelta(microseconds=1), "finance", "budgets")  # the week before
    data = storage.digest.digest_data(start, start + dt.timedelta(days=7), "finops-practitioner")
    assert data.daily_routed == (1, 1, 0, 0, 0, 0, 1)
    assert (data.total_routed, data.previous_total_routed) == (3, 1)


def test_a_digest_week_is_seven_days(storage: Storage) -> None:
    import pytest

    with pytest.raises(ValueError, match="7 days"):
        storage.digest.digest_data(WEEK_START, WEEK_START + dt.timedelta(days=6), "finops-practitioner")


def test_requests_closed_after_the_week_rank_among_its_oldest_open_even_when_the_list_is_full(storage: Storage) -> None:
    # Unclosed now: five finance requests, one a day. Closed only after the week: two more,
    # between the first and the last of them; one closed inside the week is not open at its end.
    unclosed = [routed(storage, day(-20 + 2 * n), "finance", "budgets") for n in range(5)]
    closed_later = [routed(storage, day(-19), "finance", "budgets"), routed(storage, day(-15), "finance", "budgets")]
    closed_inside = routed(storage, day(-18), "finance", "budgets")
    for request_id in closed_later:
        storage.requests.apply_action(request_id, "resolve", "U1", day(9))
    storage.requests.apply_action(closed_inside, "resolve", "U1", day(3))

    data = storage.digest.digest_data(WEEK_START, WEEK_END, "finops-practitioner", oldest_open=5)

    finance = next(p for p in data.personas if p.persona == "finance")
    assert finance.still_open == 7
    assert [r.request_id for r in finance.oldest_open] == [
        unclosed[0],
        closed_later[0],
        unclosed[1],
        unclosed[2],
        closed_later[1],
    ]


def test_a_receivers_alert_is_linked_and_exported_by_its_post(storage: Storage) -> None:
    from bot.render.blocks import message_link

    request = new_request(channel_id="C9", message_ts="alert.fc2b92afc2f809f573a45af4")  # a receiver's key
    recorded = storage.intake.record_routed_message(None, request, reply_for, day(1))
    storage.outbox.mark_sent(recorded.delivery_id, "1772442000.000100", day(1, hours=11))

    week = storage.digest.digest_data(WEEK_START, WEEK_END, "finops-practitioner")
    [oldest] = [ref for persona in week.personas for ref in persona.oldest_open]
    assert message_link(oldest) == "https://slack.com/archives/C9/p1772442000000100"  # the post, not the channel
    [row] = storage.requests.export(WEEK_START)
    assert (row["message_ts"], row["reply_ts"]) == ("alert.fc2b92afc2f809f573a45af4", "1772442000.000100")

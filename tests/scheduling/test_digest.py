"""Digest rendering: Slack limits on huge weeks, an empty week, escaping, the week's shape, hints."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.domain.digest import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.render.blocks import humanise_duration
from bot.render.digest import change, digest_for_persona, render_digest, sparkline
from bot.scheduling.weeks import WeekError, last_complete_week, parse_iso_week, week_label
from tests.scheduling.scheduling_fakes import utc

WEEK_START, WEEK_END = utc(2026, 11, 16), utc(2026, 11, 23)


def ref(
    n: int, excerpt: str = "EC2 spend up 40%", amount: float | None = 100.0, permalink: str | None = None
) -> RequestRef:
    return RequestRef(
        n,
        "C0ALERTS",
        f"17636{n:05d}.000200",
        WEEK_START + dt.timedelta(hours=n % 150),
        "anomaly",
        amount,
        excerpt,
        "open",
        permalink,
    )


def persona_week(persona: str, routed: int = 12, items: int = 3, **overrides) -> PersonaWeek:
    values = dict(
        persona=persona,
        routed=routed,
        acknowledged=9,
        resolved=7,
        still_open=5,
        previous_routed=10,
        median_ack_seconds=7800,
        top_topics=(("anomaly", 5), ("budget", 3)),
        oldest_open=tuple(ref(i) for i in range(items)),
        largest_amounts=tuple(ref(i, amount=1000.0 * (items - i)) for i in range(items)),
    )
    values.update(overrides)
    return PersonaWeek(**values)


def data(**overrides) -> DigestData:
    values = dict(
        week_start=WEEK_START,
        week_end=WEEK_END,
        total_routed=42,
        previous_total_routed=30,
        daily_routed=(5, 9, 18, 6, 4, 0, 0),
        personas=(persona_week("finance"), persona_week("engineering", routed=8)),
    )
    values.update(overrides)
    return DigestData(**values)


NAMES = {"finance": "Finance", "engineering": "Engineering"}
TOPICS = {"anomaly": "Cost anomaly", "budget": "Budgets"}


def all_text(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def assert_within_slack_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert 0 < len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
    assert message["text"] and len(message["text"]) <= 3000


def test_a_normal_week_reads_at_a_glance():
    message = render_digest(data(), NAMES, TOPICS, "2026-W47")
    assert_within_slack_limits(message)
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "FinOps weekly digest — 2026-W47", "emoji": True},
    }
    text = all_text(message)
    assert "*42* FinOps requests routed (▲ 40% vs the week before)" in text
    assert "`M T W T F S S`" in text and "busiest: Wed (18)" in text
    assert "*Finance* · 12 routed (▲ 20%)" in text
    assert "*5 still open* (taken or not)" in text  # the taken ones are not closed either
    assert "median time to acknowledge 2h 10m" in text
    assert "Top topics: Cost anomaly (5), Budgets (3)" in text
    assert "Largest: $3,000 <https://slack.com/archives/C0ALERTS/p1763600000000200|EC2 spend up 40%>" in text
    assert "…and 2 more" in text  # 5 still open, 3 listed
    assert "Finance: 12 routed, 5 still open (taken or not)." in message["text"]


def test_permalinks_are_preferred_over_archive_links():
    week = persona_week("finance", items=1, oldest_open=(ref(1, permalink="https://acme.slack.com/archives/C1/p1"),))
    text = all_text(render_digest(data(personas=(week,)), NAMES, TOPICS, "2026-W47"))
    assert "<https://acme.slack.com/archives/C1/p1|" in text


def test_open_requests_ages_are_told_as_of_now_in_a_week_still_under_way():
    week = persona_week("finance", items=1, oldest_open=(ref(0),))  # opened at the week's start
    at_week_end = all_text(render_digest(data(personas=(week,)), NAMES, TOPICS, "2026-W47"))
    mid_week = all_text(
        render_digest(data(personas=(week,)), NAMES, TOPICS, "2026-W47", as_of=WEEK_START + dt.timedelta(hours=5))
    )
    later = all_text(
        render_digest(data(personas=(week,)), NAMES, TOPICS, "2026-W47", as_of=WEEK_END + dt.timedelta(days=3))
    )
    assert "(7d)" in at_week_end
    assert "(5h)" in mid_week and "(7d)" not in mid_week
    assert "(7d)" in later  # a past week's digest, composed days later, still tells ages at the week's end


def test_a_digest_composed_mid_week_tells_ages_as_of_its_composition() -> None:
    from bot.config.loader import load_config
    from bot.services.scheduled_posts import compose_digest

    class Source:
        def digest_data(self, week_start, week_end, fallback_persona):  # type: ignore[no-untyped-def]
            week = persona_week("finance", items=1, oldest_open=(ref(0),))
            return data(week_start=week_start, week_end=week_end, personas=(week,))

    config = load_config("config").config
    message = compose_digest(config, Source(), WEEK_START + dt.timedelta(hours=5), "UTC", week=(WEEK_START, WEEK_END))
    assert "(5h)" in all_text(message)


def test_empty_week_is_friendly_and_valid():
    empty = DigestData(WEEK_START, WEEK_END, 0, 3, (0,) * 7, ())
    message = render_digest(empty, NAMES, TOPICS, "2026-W47")
    assert_within_slack_limits(message)
    assert "No FinOps requests were routed this week." in all_text(message)
    assert "No FinOps requests were routed this week." in message["text"]
    assert "The week before: 3 routed." in all_text(message)


def test_user_text_is_escaped():
    nasty = ref(1, excerpt="<!channel> cost & usage > budget <@U123|x>")
    week = persona_week("finance", oldest_open=(nasty,), largest_amounts=())
    message = render_digest(data(personas=(week,), fallback=(nasty,)), NAMES, TOPICS, "2026-W47")
    text = all_text(message)
    assert "<!channel>" not in text and "<@U123" not in text
    assert "&lt;!channel&gt; cost &amp; usage &gt; budget &lt;@U123¦x&gt;" in text


def test_a_huge_week_stays_within_limits_and_says_what_was_left_out():
    long_excerpt = "x" * 5000
    personas = tuple(
        persona_week(
            f"persona-{i:03d}",
            routed=1000 - i,
            items=50,
            oldest_open=tuple(ref(j, excerpt=long_excerpt) for j in range(50)),
            top_topics=tuple((f"topic-{k}", 100 - k) for k in range(40)),
        )
        for i in range(100)
    )
    reassignments = tuple(
        Reassignment(i, f"topic-{i % 30}", f"persona-{i % 7:03d}", f"persona-{i % 11:03d}", "U1", WEEK_START)
        for i in range(2000)
    )
    huge = data(
        personas=personas,
        total_routed=90_000,
        fallback=tuple(ref(i, excerpt=long_excerpt) for i in range(500)),
        reassignments=reassignments,
    )
    message = render_digest(huge, {}, {}, "2026-W47")
    assert_within_slack_limits(message)
    text = all_text(message)
    assert "more personas" in text
    assert "*Went to the fallback owner (500)*" in text and "…and 495 more" in text
    assert "*Reassignments (2000)*" in text and "more patterns" in text
    assert len(text) < 40_000


def test_reassignments_suggest_a_routing_change_when_moves_repeat():
    moves = tuple(Reassignment(i, "anomaly", "engineering", "finance", "U1", WEEK_START) for i in range(3)) + (
        Reassignment(9, None, "finance", None, "U2", WEEK_START),
    )
    text = all_text(render_digest(data(reassignments=moves), NAMES, TOPICS, "2026-W47"))
    assert "• 3 Cost anomaly requests moved Engineering → Finance" in text
    assert "• 1 request from Finance marked not a FinOps request" in text
    assert "consider `finops-bot suggest-routing`" in text


def test_a_single_reassignment_does_not_suggest_a_change():
    moves = (Reassignment(1, "anomaly", "engineering", "finance", "U1", WEEK_START),)
    assert "suggest-routing" not in all_text(render_digest(data(reassignments=moves), NAMES, TOPICS, "2026-W47"))


def test_per_persona_digest_keeps_only_that_persona():
    moves = (
        Reassignment(1, "anomaly", "engineering", "finance", "U1", WEEK_START),
        Reassignment(2, "anomaly", "engineering", "leadership", "U1", WEEK_START),
    )
    mine = digest_for_persona(data(reassignments=moves, fallback=(ref(1),)), "finance", "finops-practitioner")
    assert [w.persona for w in mine.personas] == ["finance"]
    assert mine.total_routed == 12 and mine.fallback == () and [r.request_id for r in mine.reassignments] == [1]
    message = render_digest(mine, NAMES, TOPICS, "2026-W47", audience="finance")
    assert message["blocks"][0]["text"]["text"] == "FinOps weekly digest for Finance — 2026-W47"


def test_a_first_week_says_there_was_nothing_the_week_before():
    text = all_text(render_digest(data(previous_total_routed=0), NAMES, TOPICS, "2026-W47"))
    assert "*42* FinOps requests routed (none the week before)" in text
    assert "vs the week before" not in text


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(12, 10, "▲ 20%"), (5, 10, "▼ 50%"), (10, 10, "no change"), (3, 0, "new this week"), (0, 0, "no change")],
)
def test_change_against_the_previous_week(current, previous, expected):
    assert change(current, previous) == expected


def test_sparkline_scales_to_the_busiest_day_and_marks_empty_days():
    assert sparkline([0, 1, 8, 4]) == "· ▂ █ ▅"
    assert sparkline([0, 0]) == "· ·"


@pytest.mark.parametrize(
    ("seconds", "expected"), [(30, "<1m"), (300, "5m"), (3600, "1h"), (7800, "2h 10m"), (183600, "2d 3h")]
)
def test_humanised_durations(seconds, expected):
    assert humanise_duration(seconds) == expected


def test_iso_week_parsing_in_a_timezone():
    assert parse_iso_week("2026-W47", "UTC") == (utc(2026, 11, 16), utc(2026, 11, 23))
    assert parse_iso_week("2026-W47", "Asia/Kolkata") == (utc(2026, 11, 15, 18, 30), utc(2026, 11, 22, 18, 30))
    assert parse_iso_week("2026W01", "UTC")[0] == utc(2025, 12, 29)  # ISO week 1 can start in December
    assert week_label(utc(2025, 12, 29), "UTC") == "2026-W01"


@pytest.mark.parametrize("label", ["2026-47", "W47", "2026-W54", "2025-W53"])
def test_bad_weeks_are_readable_errors(label):
    with pytest.raises(WeekError, match=label):
        parse_iso_week(label, "UTC")


def test_last_complete_week_is_the_week_that_just_ended():
    assert last_complete_week(utc(2026, 11, 23, 9), "UTC") == (utc(2026, 11, 16), utc(2026, 11, 23))
    assert last_complete_week(utc(2026, 11, 27, 17), "UTC") == (utc(2026, 11, 16), utc(2026, 11, 23))
    # Monday 01:00 in Berlin is still Sunday in UTC; the Berlin week has ended.
    assert last_complete_week(utc(2026, 11, 23, 0), "Europe/Berlin") == (utc(2026, 11, 15, 23), utc(2026, 11, 22, 23))

"""Finance-date duties and recurring calendar entries go through the ticker exactly like cron ones.

Claimed before posting, posted once across steady ticks, restarts and racing
schedulers, skipped and recorded beyond the grace period; a recurring calendar
reminder names the due date of its own occurrence.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config.models import CalendarEntry, Duty
from bot.services.scheduled_posts import build_ticker
from tests.scheduling.scheduling_fakes import FakeStore, RecordingPoster, make_config, tick_at_once, utc


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def bd3(**overrides) -> Duty:
    return Duty(**{"id": "invoices", "text": "Reconcile last month's invoices", "on": "business-day 3", **overrides})


def reminders(poster: RecordingPoster) -> list[dict]:
    """What was posted besides the weekly digest (which falls on the Mondays these tests run through)."""
    return [m for m in poster.messages if m["channel"] != "#finops"]


def run_ticks(ticker, clock: FakeClock, until: dt.datetime, step: dt.timedelta) -> None:
    while clock.now < until:
        ticker.tick()
        clock.now += step


def test_a_business_day_duty_posts_once_on_its_day_across_steady_ticks(poster: RecordingPoster) -> None:
    store = FakeStore()
    # June 2026 begins on a Monday: BD+3 is Wednesday 3rd; with a US holiday calendar nothing moves.
    clock = FakeClock(utc(2026, 6, 1, 0))
    ticker = build_ticker(make_config(duties=[bd3(at="09:30")], persona_holidays="US"), store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 6, 6), step=dt.timedelta(minutes=5))
    assert [m["channel"] for m in reminders(poster)] == ["#finops-finance"]
    assert "Reconcile last month's invoices" in reminders(poster)[0]["text"]
    assert store.status("duty:finance:invoices", utc(2026, 6, 3, 9, 30)) == "posted"


def test_a_holiday_moves_the_duty_and_the_claim_follows_it(poster: RecordingPoster) -> None:
    store = FakeStore()
    # January 2026: the 1st is New Year's Day, then a weekend: BD+3 is Tuesday 6th, not Monday 5th.
    config = make_config(duties=[bd3()], persona_holidays="US", persona_timezone="America/New_York")
    clock = FakeClock(utc(2026, 1, 5, 13))
    ticker = build_ticker(config, store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 1, 7), step=dt.timedelta(minutes=10))
    assert len(poster.messages) == 1
    assert store.status("duty:finance:invoices", utc(2026, 1, 6, 14)) == "posted"  # 09:00 EST
    assert store.status("duty:finance:invoices", utc(2026, 1, 5, 14)) is None


def test_restart_inside_grace_posts_once_and_outside_grace_records_skipped(poster: RecordingPoster) -> None:
    store = FakeStore()
    config = make_config(duties=[bd3()], grace_minutes=60)
    fire = utc(2026, 6, 3, 9)
    clock = FakeClock(fire + dt.timedelta(minutes=40))
    assert [o.fire_time for o in build_ticker(config, store, poster, clock, "w1").tick().posted] == [fire]
    clock.now += dt.timedelta(minutes=5)
    assert build_ticker(config, store, poster, clock, "w2").tick().posted == []
    assert len(poster.messages) == 1

    late_store, late_poster = FakeStore(), RecordingPoster()
    clock = FakeClock(fire + dt.timedelta(hours=2))
    report = build_ticker(config, late_store, late_poster, clock, "w3").tick()
    assert late_poster.messages == [] and fire in [o.fire_time for o in report.skipped]
    assert late_store.status("duty:finance:invoices", fire) == "skipped"


def test_two_schedulers_racing_post_each_finance_date_once(poster: RecordingPoster) -> None:
    duties = [bd3(id=f"d{i}", text=f"duty {i}", on=rule) for i, rule in enumerate(["business-day 3"] * 10)]
    duties += [bd3(id="month-end", text="month end", on="last-business-day", at="09:00")]
    config = make_config(duties=duties)
    store = FakeStore()
    now = utc(2026, 6, 3, 9, 0, 5)
    tickers = [build_ticker(config, store, poster, lambda: now, f"w{i}") for i in range(2)]
    reports = tick_at_once(tickers, start_timeout=10, join_timeout=30)
    assert len(reports) == 2
    assert len(poster.messages) == 10 and len({str(m["blocks"]) for m in poster.messages}) == 10
    assert sum(len(r.posted) for r in reports) == 10
    # The month end of May (Friday 29th, 09:00) lies inside the week looked back: recorded skipped, once.
    assert store.status("duty:finance:month-end", utc(2026, 5, 29, 9)) == "skipped"


def test_a_recurring_calendar_entry_reminds_of_its_own_due_date(poster: RecordingPoster) -> None:
    entry = CalendarEntry(
        id="month-end-close",
        name="Month-end close",
        on="last-business-day",
        owners={"responsible": ["finance"], "accountable": ["leadership"]},
        lead_days=(5, 2),
        note="Accrue cloud spend not yet invoiced.",
    )
    store = FakeStore()
    clock = FakeClock(utc(2026, 5, 20))
    ticker = build_ticker(make_config(calendar=[entry]), store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 6, 27), step=dt.timedelta(minutes=20))
    posts = [(m["channel"], m["text"]) for m in reminders(poster)]
    # May: due Friday 29th, reminded Friday 22nd (the 24th is a Sunday) and Wednesday 27th; June: due Tuesday 30th.
    assert posts == [
        ("#finops-finance", "@finops-finance <@U0FIN> Month-end close is due Fri 29 May 2026, in 7 days (5 business days)."),
        ("#finops-finance", "@finops-finance <@U0FIN> Month-end close is due Fri 29 May 2026, in 2 days."),
        ("#finops-leadership", "Month-end close is due Fri 29 May 2026, in 2 days."),
        ("#finops-finance", "@finops-finance <@U0FIN> Month-end close is due Tue 30 Jun 2026, in 5 days (3 business days)."),
        ("#finops-finance", "@finops-finance <@U0FIN> Month-end close is due Tue 30 Jun 2026, in 4 days (2 business days)."),
        ("#finops-leadership", "Month-end close is due Tue 30 Jun 2026, in 4 days (2 business days)."),
    ]  # fmt: skip
    assert store.status("calendar:month-end-close:2d", utc(2026, 6, 26, 9)) == "posted"


@pytest.mark.parametrize("rule", ["business-day 3", "quarter-end"])
def test_a_renamed_finance_date_duty_does_not_post_the_same_occurrence_again(
    poster: RecordingPoster, rule: str
) -> None:
    store = FakeStore()
    fire = utc(2026, 6, 3, 9) if rule == "business-day 3" else utc(2026, 6, 30, 9)
    clock = FakeClock(fire + dt.timedelta(seconds=5))
    build_ticker(make_config(duties=[bd3(on=rule)]), store, poster, clock, "w1").tick()
    clock.now += dt.timedelta(minutes=2)
    renamed = make_config(duties=[bd3(id="invoice-reconciliation", on=rule)])
    report = build_ticker(renamed, store, poster, clock, "w2").tick()
    assert report.posted == [] and fire in [o.fire_time for o in report.duplicates]
    assert len(poster.messages) == 1

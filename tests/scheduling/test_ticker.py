"""The ticker posts each occurrence once: restarts, grace, races, reloads, renames, DST."""

from __future__ import annotations

import datetime as dt
import threading

from bot.config.models import Duty
from bot.domain.digest import RequestRef
from bot.scheduling.schedules import Schedule
from bot.scheduling.ticker import Ticker
from bot.services.scheduled_posts import build_ticker
from tests.scheduling.scheduling_fakes import FakeStore, make_config, tick_at_once, utc

HOUR = dt.timedelta(hours=1)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


def daily_duty(text: str = "Review yesterday's anomalies", duty_id: str = "anomalies", cron: str = "0 9 * * *") -> Duty:
    return Duty(id=duty_id, text=text, schedule=cron)


def run_ticks(ticker: Ticker, clock: FakeClock, until: dt.datetime, step: dt.timedelta = dt.timedelta(seconds=30)):
    while clock.now < until:
        ticker.tick()
        clock.advance(step)


def test_a_duty_posts_to_its_channel_with_mentions_and_open_requests(poster):
    opened = utc(2026, 5, 1, 12)
    store = FakeStore(
        open_by_persona={
            "finance": [
                RequestRef(7, "C123", "1714564800.000100", opened, "anomaly", 1200.0, "Spend <spike> & more", "open")
            ]
        }
    )
    clock = FakeClock(utc(2026, 5, 5, 9, 0, 10))
    ticker = build_ticker(make_config(duties=[daily_duty()]), store, poster, clock, "w1")
    report = ticker.tick()
    assert [o.schedule.id for o in report.posted] == ["duty:finance:anomalies"]
    (message,) = poster.messages
    assert message["channel"] == "#finops-finance"
    assert "@finops-finance" in message["text"] and "<@U0FIN>" in message["text"]
    blocks_text = str(message["blocks"])
    assert "https://slack.com/archives/C123/p1714564800000100" in blocks_text
    assert "Spend &lt;spike&gt; &amp; more" in blocks_text
    assert store.status("duty:finance:anomalies", utc(2026, 5, 5, 9)) == "posted"


def test_steady_ticks_post_each_occurrence_once(poster):
    store = FakeStore()
    clock = FakeClock(utc(2026, 5, 5, 8, 59))
    ticker = build_ticker(make_config(duties=[daily_duty()]), store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 5, 5, 11))
    assert len(poster.messages) == 1


def test_restart_inside_grace_posts_the_missed_occurrence_once(poster):
    store = FakeStore()
    config = make_config(duties=[daily_duty()], grace_minutes=60)
    # The process was down at 09:00 and comes back at 09:40.
    clock = FakeClock(utc(2026, 5, 5, 9, 40))
    first = build_ticker(config, store, poster, clock, "w1")
    report = first.tick()
    assert [o.fire_time for o in report.posted] == [utc(2026, 5, 5, 9)]
    # And a second restart a few minutes later does not post it again.
    clock.advance(dt.timedelta(minutes=5))
    second = build_ticker(config, store, poster, clock, "w2")
    assert second.tick().posted == []
    assert len(poster.messages) == 1


def test_restart_outside_grace_skips_and_records_once(poster, caplog):
    store = FakeStore()
    config = make_config(duties=[daily_duty()], grace_minutes=60)
    clock = FakeClock(utc(2026, 5, 4, 9, 1))
    build_ticker(config, store, poster, clock, "w0").tick()  # it ran yesterday, then was down at 09:00
    poster.messages.clear()
    clock.now = utc(2026, 5, 5, 10, 30)
    with caplog.at_level("WARNING"):
        report = build_ticker(config, store, poster, clock, "w1").tick()
    assert poster.messages == []
    assert utc(2026, 5, 5, 9) in [o.fire_time for o in report.skipped]
    assert store.status("duty:finance:anomalies", utc(2026, 5, 5, 9)) == "skipped"
    assert "missed" in store.rows[("duty:finance:anomalies", utc(2026, 5, 5, 9))]["note"]
    assert "missed by more than the 1:00:00 grace period" in caplog.text
    assert "duty:finance:anomalies@2026-05-05T09:00Z" in caplog.text
    # Another restart neither posts nor records it again.
    again = build_ticker(config, store, poster, clock, "w2").tick()
    assert again.skipped == [] and poster.messages == []


def test_a_first_start_on_a_new_database_records_earlier_fire_times_without_a_warning(poster, caplog):
    store = FakeStore()
    config = make_config(duties=[daily_duty()], grace_minutes=60)
    clock = FakeClock(utc(2026, 5, 5, 10, 30))
    with caplog.at_level("INFO"):
        report = build_ticker(config, store, poster, clock, "w1").tick()
    duty = [o.fire_time for o in report.skipped if o.schedule.kind == "duty"]
    assert poster.messages == [] and len(duty) == 7  # today's 09:00 and the six days before
    row = store.rows[("duty:finance:anomalies", utc(2026, 5, 5, 9))]
    assert row["status"] == "skipped" and "before this schedule's first run on this database" in row["note"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert not [m for m in warned if "skipped" in m or "missed" in m], warned
    assert (
        f"new to this database; their {len(report.skipped)} fire time(s) of the last 7 day(s) recorded" in caplog.text
    )
    # From then on the schedule has a history: a later outage is a real miss, and warned about.
    clock.now = utc(2026, 5, 7, 10, 30)
    caplog.clear()
    with caplog.at_level("WARNING"):
        build_ticker(config, store, poster, clock, "w2").tick()
    assert "missed by more than the 1:00:00 grace period" in caplog.text
    assert "duty:finance:anomalies@2026-05-07T09:00Z" in caplog.text


def test_a_posted_occurrence_is_not_recorded_as_missed_later(poster):
    store = FakeStore()
    config = make_config(duties=[daily_duty()], grace_minutes=10)
    clock = FakeClock(utc(2026, 5, 5, 9, 1))
    build_ticker(config, store, poster, clock, "w1").tick()
    clock.now = utc(2026, 5, 5, 12)
    report = build_ticker(config, store, poster, clock, "w2").tick()
    assert utc(2026, 5, 5, 9) not in [o.fire_time for o in report.skipped]
    assert store.status("duty:finance:anomalies", utc(2026, 5, 5, 9)) == "posted"


def test_zero_grace_still_tolerates_timer_lateness(poster):
    store = FakeStore()
    clock = FakeClock(utc(2026, 5, 5, 9, 0, 45))
    build_ticker(make_config(duties=[daily_duty()], grace_minutes=0), store, poster, clock, "w1").tick()
    assert len(poster.messages) == 1


def test_two_tickers_racing_post_once(poster):
    duties = [daily_duty(text=f"duty {i}", duty_id=f"d{i}") for i in range(25)]
    config = make_config(duties=duties)
    store = FakeStore()
    now = utc(2026, 5, 5, 9, 0, 5)
    tickers = [build_ticker(config, store, poster, lambda: now, f"w{i}") for i in range(2)]
    reports = tick_at_once(tickers, start_timeout=10, join_timeout=30)
    assert len(reports) == 2
    texts = sorted(m["text"] for m in poster.messages)
    assert len(texts) == 25 and len(set(texts)) == 25
    assert sum(len(r.posted) for r in reports) == 25
    today = utc(2026, 5, 5, 9)
    assert sum(1 for r in reports for o in r.already_claimed if o.fire_time == today) == 25
    # The six days before (within the week looked back) were recorded as skipped once, by either ticker.
    assert sum(1 for r in reports for o in r.skipped if o.schedule.kind == "duty") == 25 * 6


def test_reload_takes_effect_next_tick_without_double_posting(poster):
    store = FakeStore()
    current = {"config": make_config(duties=[daily_duty()])}
    clock = FakeClock(utc(2026, 5, 5, 9, 0, 5))
    ticker = build_ticker(lambda: current["config"], store, poster, clock, "w1")
    ticker.tick()
    # Reload: same duty reworded, plus a new duty due at 09:00 too.
    current["config"] = make_config(
        duties=[
            daily_duty(text="Review anomalies (new wording)"),
            daily_duty(text="Check forecasts", duty_id="forecast"),
        ]
    )
    clock.advance(dt.timedelta(seconds=30))
    report = ticker.tick()
    assert [o.schedule.id for o in report.posted] == ["duty:finance:forecast"]
    assert len(poster.messages) == 2


def test_renamed_duty_does_not_post_the_same_occurrence_again(poster):
    store = FakeStore()
    clock = FakeClock(utc(2026, 5, 5, 9, 0, 5))
    build_ticker(make_config(duties=[daily_duty(duty_id="anomalies")]), store, poster, clock, "w1").tick()
    clock.advance(dt.timedelta(minutes=3))
    renamed = build_ticker(make_config(duties=[daily_duty(duty_id="anomaly-review")]), store, poster, clock, "w2")
    report = renamed.tick()
    assert report.posted == []
    # Today's occurrence and the week the first process recorded as missed: all already handled.
    assert {o.schedule.id for o in report.duplicates} == {"duty:finance:anomaly-review"}
    assert utc(2026, 5, 5, 9) in [o.fire_time for o in report.duplicates]
    assert store.status("duty:finance:anomaly-review", utc(2026, 5, 5, 9)) == "skipped"
    assert len(poster.messages) == 1
    # The renamed duty posts normally the next day.
    clock.now = utc(2026, 5, 6, 9, 0, 5)
    assert [o.schedule.id for o in renamed.tick().posted] == ["duty:finance:anomaly-review"]


def test_fall_back_day_posts_a_0130_duty_once(poster):
    store = FakeStore()
    config = make_config(duties=[daily_duty(cron="30 1 * * *")], persona_timezone="America/New_York")
    clock = FakeClock(utc(2026, 11, 1, 5))  # 01:00 EDT
    ticker = build_ticker(config, store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 11, 1, 8), step=dt.timedelta(minutes=1))  # through the repeated hour
    assert len(poster.messages) == 1
    assert store.status("duty:finance:anomalies", utc(2026, 11, 1, 5, 30)) == "posted"


def test_spring_forward_day_posts_a_0230_duty_at_0330(poster):
    store = FakeStore()
    config = make_config(duties=[daily_duty(cron="30 2 * * *")], persona_timezone="America/New_York")
    clock = FakeClock(utc(2026, 3, 8, 6))  # 01:00 EST
    ticker = build_ticker(config, store, poster, clock, "w1")
    run_ticks(ticker, clock, utc(2026, 3, 8, 9), step=dt.timedelta(minutes=1))
    assert len(poster.messages) == 1
    assert store.status("duty:finance:anomalies", utc(2026, 3, 8, 7, 30)) == "posted"  # 03:30 EDT


def test_a_failing_post_is_recorded_as_failed_and_not_retried(claims):
    attempts = []

    def broken_poster(message):
        attempts.append(message)
        raise RuntimeError("outbox unavailable")

    schedule = Schedule(id="duty:x:y", kind="duty", timezone="UTC", cron="0 9 * * *", text="t")
    ticker = Ticker(
        lambda: [schedule],
        claims,
        broken_poster,
        {"duty": lambda o, now: [{"channel": "#c", "text": "t"}]},
        clock=lambda: utc(2026, 5, 5, 9, 1),
        worker_id="w1",
    )
    report = ticker.tick()
    ticker.tick(utc(2026, 5, 5, 9, 2))
    assert len(attempts) == 1 and len(report.failed) == 1
    assert claims.status("duty:x:y", utc(2026, 5, 5, 9)) == "skipped"
    assert "failed: RuntimeError: outbox unavailable" in claims.rows[("duty:x:y", utc(2026, 5, 5, 9))]["note"]


def test_kinds_without_a_handler_stay_unclaimed_for_a_process_that_has_one(claims, poster):
    sweep = Schedule(id="nudge:sweep", kind="nudge-sweep", timezone="UTC", cron="*/15 * * * *", catch_up=False)
    ticker = Ticker(lambda: [sweep], claims, poster, {}, clock=lambda: utc(2026, 5, 5, 9, 1), worker_id="w1")
    report = ticker.tick()
    assert len(report.unhandled) == 1 and claims.rows == {}


def test_a_schedule_provider_error_posts_nothing_and_does_not_raise(claims, poster):
    def broken():
        raise ValueError("config reload failed")

    ticker = Ticker(broken, claims, poster, {}, clock=lambda: utc(2026, 5, 5, 9), worker_id="w1")
    report = ticker.tick()
    assert report.posted == [] and poster.messages == []


def test_nudge_sweep_runs_through_its_handler_once_per_slot(poster):
    store = FakeStore()
    calls = []

    def sweep(now):
        calls.append(now)
        return [{"channel": "#finops-leadership", "text": "nudge"}]

    clock = FakeClock(utc(2026, 5, 5, 9, 0, 5))
    ticker = build_ticker(make_config(), store, poster, clock, "w1", nudge_sweep=sweep)
    run_ticks(ticker, clock, utc(2026, 5, 5, 9, 31))
    assert len(calls) == 3  # 09:00, 09:15, 09:30
    assert store.status("nudge:sweep", utc(2026, 5, 5, 9, 15)) == "posted"


def test_weekly_digest_covers_the_week_before_and_posts_to_its_channel(poster):
    store = FakeStore()
    clock = FakeClock(utc(2026, 11, 23, 9, 0, 5))  # Monday 09:00 UTC
    build_ticker(make_config(), store, poster, clock, "w1").tick()
    assert store.digest_calls == [(utc(2026, 11, 16), utc(2026, 11, 23), "finops-practitioner")]
    (message,) = poster.messages
    assert message["channel"] == "#finops"
    assert message["blocks"][0]["text"]["text"] == "FinOps weekly digest — 2026-W47"
    assert "No FinOps requests were routed this week." in message["text"]


def test_calendar_reminder_reaches_responsible_then_accountable_on_the_last_step(poster):
    from bot.config.models import CalendarEntry

    entry = CalendarEntry(id="ri", name="RI expiry", date=dt.date(2026, 6, 30), topic="commitments", lead_days=(30, 7))
    store = FakeStore()
    clock = FakeClock(utc(2026, 5, 29, 9, 0, 5))  # the 30-day step, moved from Sunday to Friday
    ticker = build_ticker(make_config(calendar=[entry]), store, poster, clock, "w1")
    ticker.tick()
    assert [m["channel"] for m in poster.messages] == ["#finops-finance"]
    clock.now = utc(2026, 6, 23, 9, 0, 5)
    ticker.tick()
    assert [m["channel"] for m in poster.messages[1:]] == ["#finops-finance", "#finops-leadership"]
    assert "last reminder" in str(poster.messages[-1]["blocks"])


def test_start_timer_calls_tick_on_an_apscheduler_interval():
    from bot.scheduling.ticker import start_timer

    ticked = threading.Event()

    class SignallingTicker:
        def tick(self):
            ticked.set()

    background = start_timer(SignallingTicker(), interval_seconds=60)
    try:
        assert ticked.wait(timeout=10), "the first tick runs immediately"
        (job,) = background.get_jobs()
        assert job.coalesce is True and job.max_instances == 1
    finally:
        background.shutdown(wait=True)


def test_retention_prune_runs_daily_through_its_handler(poster):
    store = FakeStore()
    pruned = []
    clock = FakeClock(utc(2026, 5, 5, 3, 30))
    ticker = build_ticker(make_config(), store, poster, clock, "w1", prune=pruned.append)
    run_ticks(ticker, clock, utc(2026, 5, 5, 4, 0))
    assert len(pruned) == 1 and utc(2026, 5, 5, 3, 40) <= pruned[0] < utc(2026, 5, 5, 3, 41)
    # Claimed like every occurrence (so one process prunes), and nothing to post: recorded as skipped.
    assert store.status("retention:prune", utc(2026, 5, 5, 3, 40)) == "skipped"
    assert poster.messages == []

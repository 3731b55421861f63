"""Time-dependent behaviour (nudges, repeat alerts) with the clock under the test's control.

The services run in-process here, built by the same factory as production, with
the real WebClient talking to the simulator; only the clock is the test's.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.app import build_services
from bot.config.loader import load_config
from bot.devtools.local import bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.settings import Settings
from bot.slack.payloads import ActionPress, incoming_message
from tests.slack.harness import SHIPPED_CONFIG


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def world(tmp_path, database_url):
    config = load_config(SHIPPED_CONFIG).config
    # Monday 2026-11-23 10:00 UTC.
    clock = FakeClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, config)
        person = sim.add_user("dana", email="dana@example.com")
        settings = Settings.from_env(bot_env(sim, database=database_url, config_dir=SHIPPED_CONFIG))
        services = build_services(settings, clock=clock, upgrade_schema=True, start_relay=False)
        try:
            yield sim, services, clock, person
        finally:
            services.close()


def deliver(sim, services, person, text, bot_id=None):
    event = sim.record_message("cost-alerts", None if bot_id else person, text, bot_id=bot_id)
    body = {"type": "event_callback", "team_id": sim.team_id, "event_id": sim.new_event_id(), "event": event}
    outcome = services.intake.handle(incoming_message(body))
    services.relay.drain()
    return event["ts"], outcome


def thread_posts(sim, ts):
    return [c for c in sim.calls("chat.postMessage") if c.ok and c.params.get("thread_ts") == ts]


def test_unacknowledged_request_nudges_the_accountable_persona_once_per_window(world):
    sim, services, clock, person = world
    ts, outcome = deliver(sim, services, person, "our Datadog contract renewal is in 60 days, who negotiates? $240k/yr")
    assert outcome.action == "routed"
    assert len(thread_posts(sim, ts)) == 1

    clock.advance(hours=4)
    assert services.nudges.sweep() == 0  # inside the one-business-day window

    clock.advance(days=1)
    assert services.nudges.sweep() == 1
    services.relay.drain()
    nudge = thread_posts(sim, ts)[-1]
    assert "Nobody has taken this request" in json.dumps(nudge.params)
    assert services.nudges.sweep() == 0  # one nudge per window

    request = services.storage.requests.find_by_message(sim.team_id, sim.channel_id("cost-alerts"), ts)
    press = ActionPress("finops_take", f"{request.channel_id}:{ts}", None, person, sim.team_id)
    assert services.lifecycle.press(press).ok
    clock.advance(days=7)
    assert services.nudges.sweep() == 0  # none after acknowledgement


def test_repeat_alert_within_the_window_links_to_the_first_thread(world):
    sim, services, clock, person = world
    alert_bot = sim.add_bot("AWS Budgets")
    text = (
        "AWS Budgets: data-platform-monthly has exceeded your alert threshold. Account 123456789012. ACTUAL Amount: ${}"
    )
    _first_ts, first = deliver(sim, services, person, text.format("41,236.55"), bot_id=alert_bot)
    clock.advance(hours=3)
    second_ts, second = deliver(sim, services, person, text.format("43,001.10"), bot_id=alert_bot)
    assert (first.action, second.action) == ("routed", "repeat")
    (link,) = thread_posts(sim, second_ts)
    assert "Same alert as before" in json.dumps(link.params)
    # The amount grew: the note says by how much without opening the first thread.
    assert "now *$43,001.10* (first $41,237)" in link.params["text"]
    request = services.storage.requests.get_request(first.request_id)
    assert request.repeat_count == 1

    clock.advance(days=2)  # outside the 24-hour repeat window: a new request again
    _third_ts, third = deliver(sim, services, person, text.format("45,000.00"), bot_id=alert_bot)
    assert third.action == "routed"


def test_a_post_that_reached_slack_before_a_crash_is_not_posted_again(world):
    from bot.slack.relay import DEFAULT_LEASE as LEASE
    from bot.slack.relay import send_delivery, slack_method, tag_with_delivery

    sim, services, clock, person = world
    event = sim.record_message("cost-alerts", person, "RI utilization dropped to 71%, who owns coverage?")
    body = {"type": "event_callback", "team_id": sim.team_id, "event_id": sim.new_event_id(), "event": event}
    outcome = services.intake.handle(incoming_message(body))
    # Another instance claims the reply, posts it, and dies before recording that it did.
    row = services.storage.outbox.claim_delivery(outcome.delivery_id, "crashed-worker", clock(), lease=LEASE)
    method = slack_method(row.method)
    payload = tag_with_delivery(method, dict(row.payload), row.id)
    assert send_delivery(services.client, method, payload, row.attempts, clock()).sent
    clock.advance(seconds=LEASE.total_seconds() + 1)

    assert services.relay.drain() == 1  # recovered: found in the thread, marked sent
    assert len(thread_posts(sim, event["ts"])) == 1
    assert services.storage.outbox.get_delivery(row.id).status == "sent"


@pytest.fixture
def closers_world(tmp_path, database_url):
    import shutil

    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    routing = config_dir / "routing.yaml"
    text = routing.read_text()
    assert "  closers: []" in text
    routing.write_text(text.replace("  closers: []", "  closers: [finance, boss@example.com]", 1))
    config = load_config(config_dir).config
    assert config.routing.acknowledgement.closers == ("finance", "boss@example.com")
    clock = FakeClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    with SlackSimulator(socket_mode=False) as sim:
        members = seed_workspace(sim, config)
        boss = sim.add_user("boss", email="boss@example.com")
        person = sim.add_user("dana", email="dana@example.com")
        settings = Settings.from_env(bot_env(sim, database=database_url, config_dir=config_dir))
        services = build_services(settings, clock=clock, upgrade_schema=True, start_relay=False)
        try:
            yield sim, services, members, boss, person
        finally:
            services.close()


def test_only_configured_closers_may_resolve(closers_world):
    sim, services, _members, boss, person = closers_world
    ts, _ = deliver(sim, services, person, "AWS Budgets: data-platform-monthly exceeded its $40,000 threshold")
    ref = f"{sim.channel_id('cost-alerts')}:{ts}"
    refused = services.lifecycle.press(ActionPress("finops_resolve", ref, None, person, sim.team_id))
    assert not refused.ok and "closers" in refused.message
    assert services.lifecycle.press(
        ActionPress("finops_take", ref, None, person, sim.team_id)
    ).ok  # taking is open to all
    assert services.lifecycle.press(ActionPress("finops_resolve", ref, None, boss, sim.team_id)).ok  # by email
    request = services.storage.requests.find_by_message(sim.team_id, sim.channel_id("cost-alerts"), ts)
    assert request.status == "resolved" and request.status_by == boss


def test_scheduler_posts_a_due_duty_reminder_once_with_real_mentions(world):
    from bot.scheduling.schedules import next_fire_time, schedules_from_config
    from bot.services.scheduled_posts import build_scheduler

    sim, services, clock, _person = world
    duty = next(s for s in schedules_from_config(services.config) if s.kind == "duty")

    fire = next_fire_time(duty, clock())
    clock.now = fire + dt.timedelta(seconds=30)
    first, second = (
        build_scheduler(
            services.holder,
            services.storage,
            services.storage.outbox,
            services.nudges,
            services.relay.notify,
            clock,
            name,
        )
        for name in ("scheduler-a", "scheduler-b")
    )
    first.tick()
    second.tick()
    services.relay.drain()
    posts = [c for c in sim.calls("chat.postMessage") if c.ok and duty.text[:30] in json.dumps(c.params)]
    assert len(posts) == 1
    assert "<!subteam^S" in json.dumps(posts[0].params) or "<#C" in json.dumps(posts[0].params)

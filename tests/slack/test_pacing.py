"""Posts paced per channel (issue 13, "Sending like Slack wants"): the real relay against the fake Slack.

The simulator limits `chat.postMessage` per channel as Slack does (429 past the
limit), a little more loosely than the bot paces, so one 429 means the bot sent
too fast. Time is real here (a fast rate keeps the tests short); the pacing
arithmetic itself is tested on a hand-moved clock in tests/domain/test_pacing.py.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.app import build_services
from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import Call, SlackSimulator
from bot.domain.deliveries import POST, NewDelivery
from bot.settings import Settings
from bot.slack.relay import MAX_HOLD_BACKS
from tests.slack.harness import SHIPPED_CONFIG, Harness, copy_config, start_harness, stop_harness, wait_until

RATE = 10.0  # posts a second per channel
BURST = 2
ALERTS = 30
ALERT = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: ${n},236.55"
# A lease shorter than the busy channel's backlog takes: posts wait their turn past it, held by renewals.
LEASE = 1.0
PACED = {
    "FINOPS_SLACK_CHANNEL_RATE": str(RATE),
    "FINOPS_SLACK_CHANNEL_BURST": str(BURST),
    "FINOPS_DELIVERY_LEASE_SECONDS": str(LEASE),
}


def watch_two_channels(config: Path) -> None:
    routing = config / "routing.yaml"
    text = routing.read_text()
    assert "channels: ['#cost-alerts']" in text
    routing.write_text(text.replace("channels: ['#cost-alerts']", "channels: ['#cost-alerts', '#cost-alerts-eu']"))


def paced_bot(tmp_path: Path, limit: float | None = RATE) -> Harness:
    config = copy_config(tmp_path, watch_two_channels)

    def like_slack(sim: SlackSimulator) -> None:
        # One token of slack for network jitter: arrival gaps can be a little shorter than send gaps.
        sim.rate_limit_posts(limit, burst=BURST + 1)

    return start_harness(
        tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", config, PACED, seed_from=config, before_start=like_slack
    )


def replies_in(sim: SlackSimulator, channel: str, threads: list[str]):
    wanted = set(threads)
    return lambda call: (
        call.method == "chat.postMessage"
        and call.ok
        and call.params.get("channel") == channel
        and call.params.get("thread_ts") in wanted
    )


def first_per_thread(calls: list[Call]) -> list[Call]:
    seen: set[str] = set()
    firsts = []
    for call in calls:
        if call.params["thread_ts"] not in seen:
            seen.add(call.params["thread_ts"])
            firsts.append(call)
    return firsts


def test_a_burst_in_one_channel_goes_out_in_order_without_429_while_another_channel_is_not_held_back(tmp_path):
    harness = paced_bot(tmp_path)
    sim = harness.sim
    try:
        busy, quiet = harness.alerts, sim.channel_id("cost-alerts-eu")
        threads = [harness.post(ALERT.format(n=n + 10)) for n in range(ALERTS)]
        other = sim.post_message(harness.bot.url, quiet, harness.person, ALERT.format(n=99))

        quiet_reply = sim.wait_for(replies_in(sim, quiet, [other]), timeout=15)[0]
        busy_replies = first_per_thread(sim.wait_for(replies_in(sim, busy, threads), count=ALERTS, timeout=30))

        assert [call.status for call in sim.calls("chat.postMessage") if not call.ok] == []  # no 429, no error
        # In order of the alerts (the deliveries' creation order).
        assert [call.params["thread_ts"] for call in busy_replies] == threads
        # Paced: after the burst, about one post per 1/RATE seconds.
        spread = busy_replies[-1].at - busy_replies[0].at
        assert spread >= 0.9 * (ALERTS - BURST) / RATE
        # The other channel's reply did not wait behind the busy channel's backlog.
        assert quiet_reply.at < busy_replies[-1].at - 1.0
        # Posts that waited longer than a lease were still this process's all along: none was looked up
        # in Slack as if a crashed process might have sent it (that costs a rate-limited call each).
        assert spread > 2 * LEASE
        assert sim.calls("conversations.replies") == [] and sim.calls("conversations.history") == []
    finally:
        stop_harness(harness)


def test_a_429_pauses_that_channel_only_and_its_post_goes_first_when_it_resumes(tmp_path):
    harness = paced_bot(tmp_path, limit=None)
    sim = harness.sim
    try:
        busy, quiet = harness.alerts, sim.channel_id("cost-alerts-eu")
        sim.fail_next("chat.postMessage", status=429, retry_after=2)
        threads = [harness.post(ALERT.format(n=n + 10)) for n in range(3)]
        other = sim.post_message(harness.bot.url, quiet, harness.person, ALERT.format(n=99))

        quiet_reply = sim.wait_for(replies_in(sim, quiet, [other]), timeout=15)[0]
        busy_posts = sim.wait_for(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == busy, 4)
        refused, *sent = busy_posts

        assert (refused.status, refused.params["thread_ts"]) == (429, threads[0])
        assert [call.params["thread_ts"] for call in sent] == threads  # the refused one first, then the rest
        assert all(call.ok for call in sent)
        assert sent[0].at - refused.at >= 1.9  # Retry-After: 2, honoured for that channel
        assert quiet_reply.at - refused.at < 1.5  # the other channel went on meanwhile
    finally:
        stop_harness(harness)


def test_sigterm_hands_back_posts_still_waiting_their_turn_and_the_next_process_sends_each_once(tmp_path):
    harness = paced_bot(tmp_path)
    restarted = None
    try:
        threads = [harness.post(ALERT.format(n=n + 10)) for n in range(ALERTS)]
        harness.sim.wait_for(replies_in(harness.sim, harness.alerts, threads), count=BURST + 1)
        harness.bot.stop()  # SIGTERM while most replies wait for the channel's turn
        assert harness.bot.process is not None and harness.bot.process.returncode == 0
        with harness.store.engine.connect() as connection:
            leased = connection.execute(
                text("SELECT id FROM deliveries WHERE status = 'pending' AND claimed_by IS NOT NULL")
            ).all()
        assert leased == []  # released for the next process, not left leased to a dead one
        assert harness.store.outbox.count_deliveries("pending") > 0  # the test stopped it mid-backlog

        restarted = LocalBot(harness.bot.env).start()
        wait_until(lambda: harness.store.outbox.count_deliveries("pending") == 0, timeout=30, what="all sent")
        assert [len(harness.bot_posts_in_thread(ts)) for ts in threads] == [1] * ALERTS
        assert [c for c in harness.sim.calls("chat.postMessage") if c.status == 429] == []
    finally:
        if restarted is not None:
            restarted.stop()
        stop_harness(harness)


def test_a_post_refused_again_and_again_goes_back_to_the_outbox_backoff_then_is_sent_once(tmp_path):
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(SHIPPED_CONFIG).config)
        env = bot_env(sim, database=f"sqlite:///{tmp_path / 'bot.db'}", config_dir=SHIPPED_CONFIG, extra=PACED)
        services = build_services(Settings.from_env(env), upgrade_schema=True, relay_poll_seconds=0.2)
        try:
            channel = sim.channel_id("cost-alerts")
            sim.fail_next("chat.postMessage", status=429, retry_after=1, times=MAX_HOLD_BACKS + 1)
            delivery = NewDelivery(kind="scheduled", method=POST, payload={"channel": channel, "text": "stubborn"})
            delivery_id = services.storage.outbox.enqueue(delivery, services.clock())
            services.relay.notify(delivery_id)

            sim.wait_for(lambda c: c.method == "chat.postMessage" and c.ok, timeout=30)
            refusals = [c for c in sim.calls("chat.postMessage") if c.status == 429]
            row = services.storage.outbox.get_delivery(delivery_id)
        finally:
            services.close()

    assert len(refusals) == MAX_HOLD_BACKS + 1
    # Held in its channel MAX_HOLD_BACKS times, then rescheduled once in the outbox (one attempt counted).
    assert row is not None and row.attempts == 1 and row.last_error == "ratelimited"
    assert [m["text"] for m in sim.messages("cost-alerts")] == ["stubborn"]


def test_stopping_the_relay_hands_back_posts_still_waiting_their_turn(tmp_path):
    slow = {**PACED, "FINOPS_SLACK_CHANNEL_RATE": "0.1", "FINOPS_SLACK_CHANNEL_BURST": "1"}
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(SHIPPED_CONFIG).config)
        env = bot_env(sim, database=f"sqlite:///{tmp_path / 'bot.db'}", config_dir=SHIPPED_CONFIG, extra=slow)
        services = build_services(Settings.from_env(env), upgrade_schema=True)
        outbox = services.storage.outbox
        channel = sim.channel_id("cost-alerts")
        for n in range(4):
            post = NewDelivery(kind="scheduled", method=POST, payload={"channel": channel, "text": f"post {n}"})
            services.relay.notify(outbox.enqueue(post, services.clock()))
        sim.wait_for(lambda c: c.method == "chat.postMessage" and c.ok)
        services.close()  # what `socket` does on SIGTERM
        with services.engine.connect() as connection:
            pending = connection.execute(text("SELECT claimed_by FROM deliveries WHERE status = 'pending'")).all()

    assert [m["text"] for m in sim.messages("cost-alerts")] == ["post 0"]  # one a 10 s: the rest waited
    assert pending == [(None,)] * 3  # released, not left leased for a lease's length

"""A post Slack completes after the client gave up on it is not posted twice (issue 11, item 5)."""

from __future__ import annotations

import threading

from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

SLACK_LATENESS = 3.0
COST_REQUEST = "AWS spend is tracking 40% over forecast this month ($310k vs $220k plan), who owns this?"


def test_a_timed_out_post_that_lands_late_is_found_and_not_posted_again(tmp_path):
    harness = start_harness(
        tmp_path,
        f"sqlite:///{tmp_path / 'bot.db'}",
        copy_config(tmp_path),
        extra_env={"FINOPS_SLACK_TIMEOUT_SECONDS": "1", "FINOPS_SLACK_LATE_POST_WAIT_SECONDS": "8"},
    )
    try:
        # Slack holds the answer (and the post itself) until released: the bot's call times out first.
        harness.sim.fail_next("chat.postMessage", delay=600)
        ts = harness.post(COST_REQUEST)
        request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts)
        assert request is not None
        (delivery,) = harness.store.outbox.deliveries_for_request(request.id)
        wait_until(
            lambda: harness.store.outbox.get_delivery(delivery.id).attempts >= 1,
            timeout=30,
            what="the post to time out",
        )
        # The fault: Slack completes the post SLACK_LATENESS seconds after the client gave up (longer than
        # the relay's poll, shorter than the wait the bot is told to allow for late posts).
        threading.Event().wait(SLACK_LATENESS)
        completed = len(harness.sim.calls("chat.postMessage"))  # the held post is recorded once it completes
        harness.sim.release_delays()
        wait_until(
            lambda: len(harness.sim.calls("chat.postMessage")) > completed, timeout=30, what="the late post to land"
        )
        wait_until(
            lambda: harness.store.outbox.get_delivery(delivery.id).status == "sent",
            timeout=60,
            what="the delivery settled",
        )
        assert len(harness.bot_posts_in_thread(ts)) == 1
        assert len(harness.sim.thread(harness.alerts, ts)) == 2  # the alert and one reply
    finally:
        stop_harness(harness)

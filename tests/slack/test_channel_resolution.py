"""Watched channels when Slack fails to list them (issue 11, item 1).

Resolution is retried until it succeeds, the last good names survive a reload made while Slack fails,
and a message from a watched channel that arrives before its name is known is kept and routed later.
"""

from __future__ import annotations

import json
import urllib.request

from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

COST_ALERT = "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"


def health(harness) -> dict:
    with urllib.request.urlopen(harness.bot.health_url, timeout=10) as response:
        return json.loads(response.read())


def slack_cannot_list_channels(sim) -> None:
    sim.fail_next("conversations.list", status=503, times=10_000)


def test_channel_names_that_failed_at_start_up_are_resolved_once_slack_recovers(tmp_path):
    harness = start_harness(
        tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", copy_config(tmp_path), before_start=slack_cannot_list_channels
    )
    try:
        assert harness.sim.calls("conversations.list") and not health(harness).get("slack_names_complete", False)
        harness.sim.clear_failures()
        wait_until(
            lambda: health(harness).get("slack_names_complete", False), timeout=60, what="the names to be resolved"
        )
        ts = harness.post(COST_ALERT)
        assert "41,236" in json.dumps(harness.reply_to(ts))
    finally:
        stop_harness(harness)


def test_a_reload_while_slack_fails_keeps_the_last_good_channel_names(tmp_path):
    config_dir = copy_config(tmp_path)
    harness = start_harness(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", config_dir)
    try:
        before = health(harness)["config_version"]
        slack_cannot_list_channels(harness.sim)
        routing = config_dir / "routing.yaml"
        routing.write_text(routing.read_text() + "\n# edited while Slack is failing\n")
        wait_until(lambda: health(harness)["config_version"] != before, timeout=30, what="the config to be reloaded")
        ts = harness.post(COST_ALERT)
        assert "41,236" in json.dumps(harness.reply_to(ts))
    finally:
        stop_harness(harness)


def test_a_message_that_came_while_the_names_were_unknown_is_answered_once_they_are(tmp_path, database_url):
    harness = start_harness(tmp_path, database_url, copy_config(tmp_path), before_start=slack_cannot_list_channels)
    try:
        ts = harness.post(COST_ALERT)  # acknowledged while #cost-alerts cannot be told apart from any channel
        assert not health(harness).get("slack_names_complete", False)
        harness.sim.clear_failures()
        assert "41,236" in json.dumps(harness.reply_to(ts, timeout=60))
        wait_until(lambda: harness.store.held.count() == 0, timeout=30, what="the held message to be forgotten")
        assert len(harness.bot_posts_in_thread(ts)) == 1
    finally:
        stop_harness(harness)

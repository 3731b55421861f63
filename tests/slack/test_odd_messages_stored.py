"""Messages whose content a database may refuse are still routed, stored and answered, on both back ends.

Issue 11: NUL characters (item 3) and too-long bot names (item 2).
"""

from __future__ import annotations

import json

import pytest

from tests.slack.harness import copy_config, start_harness, stop_harness

COST_ALERT = "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"


@pytest.fixture
def running(tmp_path, database_url):
    harness = start_harness(tmp_path, database_url, copy_config(tmp_path))
    yield harness
    stop_harness(harness)


def test_nul_characters_are_dropped_and_the_message_is_answered(running):
    text = COST_ALERT.replace("threshold", "thresh\x00old") + "\x00"
    attachment = {"fallback": "cost\x00", "text": "EC2 spend up $9,000\x00", "title": "\x00AWS\x00"}
    ts = running.post(text, attachments=[attachment])
    assert "41,236" in json.dumps(running.reply_to(ts))
    request = running.store.requests.find_by_message(running.sim.team_id, running.alerts, ts)
    assert request is not None and "\x00" not in request.excerpt and "threshold" in request.excerpt


def test_a_bot_with_a_long_name_is_routed_and_its_name_kept(running):
    name = "AWS Cost Anomaly Detection for the data-platform production accounts (eu-west-1, us-east-1)"
    assert len(name) > 64
    bot_id = running.sim.add_bot(name)
    ts = running.sim.post_message(running.bot.url, running.alerts, text=COST_ALERT, bot_id=bot_id, username=name * 3)
    assert "41,236" in json.dumps(running.reply_to(ts))
    request = running.store.requests.find_by_message(running.sim.team_id, running.alerts, ts)
    assert request is not None and request.source == "app"
    assert request.source_name is not None and request.source_name.startswith(name[:64])

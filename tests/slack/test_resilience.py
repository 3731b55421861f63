"""Restarts, several instances, unresolvable names and Socket Mode, each with its own bot."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.storage.db import make_engine
from bot.storage.stores import Storage
from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

COST_REQUEST = "AWS spend is tracking 40% over forecast this month ($310k vs $220k plan), who owns this?"


def test_unresolvable_channel_names_the_persona_and_tags_the_fallback(tmp_path):
    def break_finance_channel(config_dir):
        personas = config_dir / "personas.yaml"
        text = personas.read_text()
        personas.write_text(
            text.replace('channel: "#finops-finance"', 'channel: "#no-such-channel"')
            .replace("channel: '#finops-finance'", "channel: '#no-such-channel'")
            .replace("channel: #finops-finance", "channel: '#no-such-channel'")
            .replace('usergroup: "@finops-finance"', 'usergroup: "@no-such-group"')
            .replace("usergroup: '@finops-finance'", "usergroup: '@no-such-group'")
        )
        assert "#no-such-channel" in personas.read_text()

    config_dir = copy_config(tmp_path, break_finance_channel)
    harness = start_harness(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", config_dir)
    try:
        ts = harness.post(
            "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"
        )
        reply = json.dumps(harness.reply_to(ts))
        assert "Finance" in reply  # named in plain text
        assert "Could not reach" in reply
        practitioner = harness.sim.workspace.find_channel("finops-team")
        assert practitioner is not None and f"<#{practitioner.id}>" in reply  # the fallback owner, really tagged
        assert any("no-such-channel" in line for line in harness.bot.log_lines)  # reported loudly at start-up
    finally:
        stop_harness(harness)


def test_reply_committed_before_a_crash_is_sent_once_after_restart(tmp_path):
    config_dir = copy_config(tmp_path)
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    harness = start_harness(tmp_path, database, config_dir)
    try:
        # Slack is down for this bot: the decision is committed, the send keeps failing.
        harness.sim.fail_next("chat.postMessage", status=503, times=1000)
        ts = harness.post(COST_REQUEST)
        request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts)
        assert request is not None  # committed before Slack got its 200
        (pending,) = harness.store.outbox.deliveries_for_request(request.id)

        def retry_scheduled():
            row = harness.store.outbox.get_delivery(pending.id)
            return row.attempts >= 1 and row.status == "pending" and row.claimed_by is None

        wait_until(retry_scheduled, timeout=60, what="the failed send to be rescheduled")
        harness.bot.kill()
        harness.sim.clear_failures()

        restarted = LocalBot(harness.bot.env).start()
        try:
            harness.reply_to(ts, timeout=60)
            assert len(harness.bot_posts_in_thread(ts)) == 1
            assert len(harness.store.outbox.deliveries_for_request(request.id)) == 1
            wait_until(
                lambda: harness.store.outbox.get_delivery(pending.id).status == "sent",
                timeout=60,
                what="the delivery marked sent",
            )
        finally:
            restarted.stop()
    finally:
        stop_harness(harness)


def test_two_instances_on_postgresql_post_one_reply_for_the_same_event(tmp_path, postgres_database_url):
    config_dir = copy_config(tmp_path)
    harness = start_harness(tmp_path, postgres_database_url, config_dir)
    second = LocalBot(harness.bot.env).start()
    try:
        for number in range(5):
            event = harness.sim.record_message(harness.alerts, harness.person, f"{COST_REQUEST} (team {number})")
            event_id = f"EvTWOINSTANCES{number}"
            barrier = threading.Barrier(2)

            def deliver(url, retry, event=event, event_id=event_id, barrier=barrier):
                barrier.wait()
                return harness.sim.send_event(url, event, event_id=event_id, retry_num=retry)

            with ThreadPoolExecutor(2) as pool:
                statuses = [
                    f.result().status
                    for f in [pool.submit(deliver, harness.bot.url, None), pool.submit(deliver, second.url, 1)]
                ]
            assert statuses == [200, 200]
            harness.reply_to(event["ts"])
            request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, event["ts"])
            assert len(harness.store.outbox.deliveries_for_request(request.id)) == 1
            assert len(harness.bot_posts_in_thread(event["ts"])) == 1
    finally:
        second.stop()
        stop_harness(harness)


def test_socket_mode_acknowledges_a_command_and_routes_an_event(tmp_path):
    config_dir = copy_config(tmp_path)
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    config = load_config(config_dir).config
    with SlackSimulator() as sim:
        seed_workspace(sim, config)
        person = sim.add_user("dana", email="dana@example.com")
        engine = make_engine(database)
        from bot.storage.db import upgrade

        upgrade(engine)
        env = bot_env(sim, database=database, config_dir=config_dir)
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "socket"], env={**__import__("os").environ, **env})
        try:
            sim.wait_for_socket_connection(timeout=60)
            envelope = sim.socket_send_command("/finops", "who-owns anomalies", user_id=person)
            ack = sim.wait_for_socket_ack(envelope, timeout=60)
            assert "Engineering" in json.dumps(ack)
            ts, event_envelope = sim.socket_post_message("cost-alerts", person, COST_REQUEST)
            sim.wait_for_socket_ack(event_envelope, timeout=60)
            replies = sim.wait_for_replies("cost-alerts", ts, count=1, timeout=60)
            assert replies[0]["thread_ts"] == ts
            assert (
                Storage.open(engine).requests.find_by_message(sim.team_id, sim.channel_id("cost-alerts"), ts)
                is not None
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
            engine.dispose()


def test_check_config_slack_reports_unresolvable_targets(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(copy_config(tmp_path / "ok")).config)
        for name, value in bot_env(sim, database=None, config_dir=tmp_path).items():
            monkeypatch.setenv(name, value)
        assert main(["check-config", "--config-dir", str(tmp_path / "ok" / "config"), "--slack"]) == 0
        assert "11 of 11 personas reachable" in capsys.readouterr().out

        def rename(config_dir):
            path = config_dir / "personas.yaml"
            path.write_text(path.read_text().replace("#finops-itfm", "#gone-itfm"))

        broken = copy_config(tmp_path / "broken", rename)
        assert main(["check-config", "--config-dir", str(broken), "--slack"]) == 1
        assert "gone-itfm" in capsys.readouterr().err


def health(harness) -> dict:
    import urllib.request

    with urllib.request.urlopen(harness.bot.health_url) as response:
        return json.loads(response.read())


def test_config_reload_takes_good_changes_and_keeps_the_last_good_config(tmp_path):
    config_dir = copy_config(tmp_path)
    harness = start_harness(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", config_dir)
    routing = config_dir / "routing.yaml"
    original = routing.read_text()
    try:
        assert "Engineering" in json.dumps(harness.command("who-owns anomalies").body)

        routing.write_text(original + "\nthis is: [not valid yaml\n")
        wait_until(
            lambda: any("config reload rejected" in line for line in harness.bot.log_lines),
            timeout=30,
            what="the bad config to be rejected",
        )
        assert "Engineering" in json.dumps(harness.command("who-owns anomalies").body)  # still serving

        routing.write_text(original.replace("fallback_persona: finops-practitioner", "fallback_persona: finance"))
        before = health(harness)["config_version"]
        wait_until(lambda: health(harness)["config_version"] != before, timeout=30, what="the good config to be loaded")
        ts = harness.post("Why did our AWS costs go up so much this month?")
        reply = json.dumps(harness.reply_to(ts))
        finance = harness.sim.workspace.find_channel("finops-finance")
        practitioner = harness.sim.workspace.find_channel("finops-team")
        assert finance is not None and practitioner is not None
        # The new fallback owner is tagged; the old one is not.
        assert f"<#{finance.id}>" in reply and f"<#{practitioner.id}>" not in reply
    finally:
        stop_harness(harness)

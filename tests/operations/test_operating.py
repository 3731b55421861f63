"""Operating the bot through the real processes: readiness, metrics, JSON logs, failed deliveries."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.storage.db import make_engine
from bot.storage.models import Delivery
from tests.slack.harness import SHIPPED_CONFIG, copy_config, wait_until

COST_REQUEST = "AWS bill doubled this month: $90k vs $45k, who owns it?"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Running:
    def __init__(self, tmp: Path, config_dir: Path, workers: int = 1, extra_env: dict | None = None):
        self.sim = SlackSimulator().start()
        self.members = seed_workspace(self.sim, load_config(SHIPPED_CONFIG).config)
        self.person = self.sim.add_user("dana", email="dana@example.com")
        self.database = f"sqlite:///{tmp / 'bot.db'}"
        env = bot_env(self.sim, database=self.database, config_dir=config_dir, extra=extra_env)
        self.bot = LocalBot(env, workers=workers).start()
        self.engine = make_engine(self.database)
        self.alerts = self.sim.channel_id("cost-alerts")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.bot.port}{path}"

    def ready(self) -> tuple[int, dict]:
        status, body = get(self.url("/readyz"))
        return status, json.loads(body)

    def metrics(self) -> str:
        status, body = get(self.url("/metrics"))
        assert status == 200
        return body.decode()

    def add_delivery(self, **values) -> int:
        now = dt.datetime.now(dt.UTC)
        row = {
            "kind": "reply",
            "method": "chat.postMessage",
            "payload": {"channel": self.alerts, "text": "a post that waited"},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            **values,
        }
        with self.engine.begin() as connection:
            return connection.execute(insert(Delivery).values(**row).returning(Delivery.id)).scalar_one()

    def status_of(self, delivery_id: int) -> str:
        with self.engine.connect() as connection:
            return connection.execute(select(Delivery.status).where(Delivery.id == delivery_id)).scalar_one()

    def stop(self) -> None:
        self.bot.stop()
        self.sim.stop()
        self.engine.dispose()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("operating")
    bot = Running(tmp, copy_config(tmp), workers=2)
    yield bot
    bot.stop()


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            total += float(match.group(2))
    return total


def test_liveness_and_readiness_answer_when_all_is_well(running: Running) -> None:
    assert get(running.url("/healthz"))[0] == 200
    status, body = running.ready()
    assert status == 200, body
    assert body["ready"] is True and body["reasons"] == []
    assert body["deliveries_pending"] == 0


def test_metrics_add_up_every_gunicorn_worker(running: Running) -> None:
    before = running.metrics()
    for number in range(4):
        ts = running.sim.post_message(
            running.bot.url, running.alerts, user=running.person, text=f"{COST_REQUEST} #{number}"
        )
        running.sim.wait_for_replies(running.alerts, ts, count=1, timeout=30)
    # The replies are in Slack; their sent marks are committed within the relay's 100 ms window.
    wait_until(lambda: "finops_deliveries_pending 0.0" in running.metrics(), what="no pending deliveries")
    # Each scrape is answered by whichever of the two workers accepts it; every one must see all four events.
    for _ in range(6):
        text = running.metrics()
        assert metric(text, "finops_events_received_total") - metric(before, "finops_events_received_total") == 4
        assert metric(text, "finops_events_routed_total") - metric(before, "finops_events_routed_total") == 4
        assert metric(text, "finops_ack_seconds_count") - metric(before, "finops_ack_seconds_count") >= 4
        assert metric(text, "finops_slack_api_calls_total", method="chat.postMessage", status="200") >= 4
        assert "finops_deliveries_pending 0.0" in text


def test_an_old_pending_delivery_fails_readiness_until_it_is_gone(running: Running) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    stuck = running.add_delivery(created_at=long_ago, next_attempt_at=long_ago + dt.timedelta(days=30))
    try:
        status, body = running.ready()
        assert status == 503
        assert any(reason.startswith("oldest pending delivery is") for reason in body["reasons"]), body
        assert metric(running.metrics(), "finops_delivery_oldest_pending_seconds") >= 7000
    finally:
        with running.engine.begin() as connection:
            connection.execute(delete(Delivery).where(Delivery.id == stuck))
    assert running.ready()[0] == 200


def test_a_permanent_refusal_is_listed_retried_and_then_sent(running: Running) -> None:
    failed = running.add_delivery(status="failed", attempts=1, last_error="not_in_channel")
    status, body = running.ready()
    assert status == 200  # one channel's refusal does not take the bot out of service
    assert {"error": "not_in_channel", "channel": running.alerts, "deliveries": 1} in body["permanent_errors"]

    cli = [sys.executable, "-m", "bot.cli", "deliveries"]
    listed = subprocess.run([*cli, "--failed", "--database-url", running.database], capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert re.search(
        rf"^\s*{failed}\s+failed .* error not_in_channel \(permanent\)  → invite the bot", listed.stdout, re.M
    )

    retried = subprocess.run(
        [*cli, "retry", str(failed), "--database-url", running.database], capture_output=True, text=True
    )
    assert retried.returncode == 0 and f"re-queued 1 delivery: {failed}" in retried.stdout
    wait_until(lambda: running.status_of(failed) == "sent", timeout=30, what="the retried delivery to be sent")
    assert any(call.params.get("text") == "a post that waited" for call in running.sim.calls("chat.postMessage"))

    again = subprocess.run(
        [*cli, "retry", str(failed), "--database-url", running.database], capture_output=True, text=True
    )
    assert again.returncode == 1 and f"not failed or not found: {failed}" in again.stderr


def test_bolt_says_nothing_about_an_unused_token(running: Running) -> None:
    assert "`token` will be unused" not in running.bot.log_text()


def test_an_unresolved_watched_channel_fails_readiness_and_logs_are_json(tmp_path: Path) -> None:
    def watch_a_missing_channel(config_dir: Path) -> None:
        path = config_dir / "routing.yaml"
        text = path.read_text()
        path.write_text(text.replace("channels: ['#cost-alerts']", "channels: ['#cost-alerts', '#nowhere']", 1))

    config_dir = copy_config(tmp_path, watch_a_missing_channel)
    assert "#nowhere" in (config_dir / "routing.yaml").read_text()
    bot = Running(tmp_path, config_dir, extra_env={"LOG_FORMAT": "json"})
    try:
        status, body = bot.ready()
        assert status == 503
        assert any("watched channel unresolved: #nowhere" in reason for reason in body["reasons"]), body

        doomed = bot.add_delivery(payload={"channel": "C0NOWHERE", "text": "nobody will read this"})
        wait_until(lambda: bot.status_of(doomed) == "failed", timeout=30, what="the delivery to fail")
        records = wait_until(
            lambda: [r for r in _json_lines(bot.bot.log_lines) if r.get("delivery_id") == doomed],
            timeout=30,
            what="a log line naming the delivery",
        )
        assert records[0]["level"] in ("WARNING", "ERROR") and "channel_not_found" in records[0]["message"]
        assert "finops_deliveries_failed_total" in bot.metrics()
        assert 'error="channel_not_found"' in bot.metrics()
    finally:
        bot.stop()
    lines = [line for line in bot.bot.log_lines if line.strip() and "finops-bot: listening on" not in line]
    assert lines, "the server logged nothing"
    for line in lines:
        record = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= record.keys()


def _json_lines(lines: list[str]) -> list[dict]:
    found = []
    for line in list(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append(record)
    return found

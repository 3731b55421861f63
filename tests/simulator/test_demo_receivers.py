"""The demo on a config with receivers: its local server needs no real receiver secrets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot.config.loader import load_config
from bot.devtools.demo import with_receiver_placeholders
from bot.receivers.http import missing_secrets
from bot.settings import Settings
from tests.simulator.demo_runs import run_demo_feed
from tests.slack.harness import SHIPPED_CONFIG

RECEIVERS = """
receivers:
  azure:
    channel: "#cost-alerts"
    auth: [token, basic]
  webhooks:
    - source: kube-cost
      channel: "#cost-alerts"
      fields: {text: message}

topics:
"""


def config_with_receivers(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, directory)
    routing = directory / "routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8").replace("\ntopics:\n", RECEIVERS, 1), encoding="utf-8")
    return directory


def test_each_missing_receiver_secret_gets_a_placeholder_and_a_set_one_is_kept(tmp_path: Path) -> None:
    config = load_config(config_with_receivers(tmp_path)).config
    env = with_receiver_placeholders({"SLACK_BOT_TOKEN": "xoxb-1", "FINOPS_AZURE_TOKEN": "mine"}, config)
    assert env["FINOPS_AZURE_TOKEN"] == "mine"
    assert ":" in env["FINOPS_AZURE_BASIC_AUTH"] and env["FINOPS_WEBHOOK_SECRET_KUBE_COST"]
    assert missing_secrets(Settings.from_env(env), config.routing.receivers) == []


def test_a_secret_set_in_the_environment_is_kept_not_replaced_by_a_placeholder(tmp_path: Path, monkeypatch) -> None:
    # A second new-user trial: a webhook signed with the exported secret got 401 from the demo's receiver.
    config = load_config(config_with_receivers(tmp_path)).config
    monkeypatch.setenv("FINOPS_WEBHOOK_SECRET_KUBE_COST", "s3cret")
    env = with_receiver_placeholders({"SLACK_BOT_TOKEN": "xoxb-1"}, config)
    assert "FINOPS_WEBHOOK_SECRET_KUBE_COST" not in env  # the server inherits the environment's
    assert env["FINOPS_AZURE_TOKEN"].startswith("demo:")


def test_the_demo_runs_a_config_that_configures_receivers(tmp_path: Path) -> None:
    # It used to stop with a traceback: serve refused to start without FINOPS_AZURE_TOKEN.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINOPS_", "SLACK_"))}
    result = run_demo_feed(tmp_path, config_with_receivers(tmp_path), env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "finops-bot APP" in result.stdout
    assert "Alert receivers on http://127.0.0.1:" in result.stdout

"""A receiver configured without its secret: `serve` refuses in one line before gunicorn starts; check-config notes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.slack.harness import copy_config

WEBHOOK_AND_AZURE = """
receivers:
  azure:
    channel: "#cost-alerts"
    auth: [token]
  webhooks:
    - source: kubecost
      channel: "#cost-alerts"
      fields:
        text: message
        scope: {namespace: labels.namespace}
"""


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def receivers_config(tmp_path: Path) -> Path:
    def add(config_dir: Path) -> None:
        with (config_dir / "routing.yaml").open("a", encoding="utf-8") as routing:
            routing.write(WEBHOOK_AND_AZURE)

    return copy_config(tmp_path, add)


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-secret-value",
        "SLACK_SIGNING_SECRET": "signing-secret-value",
        "FINOPS_CONFIG_DIR": str(receivers_config(tmp_path)),
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        **extra,
    }


def test_serve_without_a_webhook_secret_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    result = run_cli("serve", env=serve_env(tmp_path, FINOPS_AZURE_TOKEN="azure-token-value"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "finops-bot: missing setting: FINOPS_WEBHOOK_SECRET_KUBECOST must be set in the environment: "
        "receivers.webhooks[0] (source kubecost) in routing.yaml needs it"
    ]
    # Refused before gunicorn started: never "listening", never a worker's traceback.
    assert "listening on" not in result.stdout and "Traceback" not in result.stdout + result.stderr
    assert "azure-token-value" not in result.stdout + result.stderr


def test_serve_names_the_first_missing_secret_and_counts_the_others(tmp_path: Path) -> None:
    result = run_cli("serve", env=serve_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "finops-bot: missing setting: FINOPS_AZURE_TOKEN must be set in the environment: "
        "receivers.azure.auth: token in routing.yaml needs it (and 1 more receiver setting)"
    ]


def test_check_config_notes_a_missing_receiver_secret_without_failing(tmp_path: Path) -> None:
    config_dir = str(receivers_config(tmp_path))
    result = run_cli("check-config", "--config-dir", config_dir, env={"FINOPS_AZURE_TOKEN": "azure-token-value"})
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: FINOPS_WEBHOOK_SECRET_KUBECOST is not set in this environment; receivers.webhooks[0] "
        "(source kubecost) needs it: `finops-bot serve` will not start without it"
    ]
    with_secrets = run_cli(
        "check-config",
        "--config-dir",
        config_dir,
        env={"FINOPS_AZURE_TOKEN": "azure-token-value", "FINOPS_WEBHOOK_SECRET_KUBECOST": "whsec-value"},
    )
    assert with_secrets.returncode == 0 and "note:" not in with_secrets.stdout

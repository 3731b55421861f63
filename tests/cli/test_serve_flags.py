"""`finops-bot serve` refuses a bad --port, --workers or --threads, and a busy port, in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.devtools.local import bot_env
from bot.devtools.simulator import SlackSimulator
from bot.storage.db import upgrade
from tests.slack.harness import SHIPPED_CONFIG


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        # A traceback: OverflowError from gunicorn's bind.
        ("--port", "70000", "argument --port: 70000 is out of range: a port is 1-65535"),
        # gunicorn's bare "Error: Value must be positive".
        ("--threads", "-1", "argument --threads: -1 is too few: give 1 or more"),
        # Taken for "the default" and started with WEB_CONCURRENCY's.
        ("--workers", "0", "argument --workers: 0 is too few: give 1 or more"),
        ("--workers", "two", "argument --workers: 'two' is not a whole number"),
    ],
)
def test_a_bad_serve_flag_is_a_one_line_usage_error(
    flag: str, value: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", flag, value])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"finops-bot serve: error: {expected}"


def test_a_port_in_use_fails_at_once_in_one_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(database)
    with SlackSimulator(socket_mode=False) as sim, socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**clean, **bot_env(sim, database=database, config_dir=SHIPPED_CONFIG)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    # Not five seconds of gunicorn's "Connection in use" before it gave up.
    assert result.stderr.splitlines() == [
        f"finops-bot: port {port} is in use on 127.0.0.1; pick another with --port or PORT"
    ], result.stderr

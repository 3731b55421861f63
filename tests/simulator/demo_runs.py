"""`finops-bot demo --feed` run as a user runs it, on a config of the test's own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ONE_ALERT = '{"text": "AWS bill doubled this month: $90k vs $45k, who owns it?"}\n'


def run_demo_feed(
    tmp_path: Path, config_dir: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The demo replaying a one-alert feed on ``config_dir``; the process's own environment unless ``env``."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text(ONE_ALERT, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--config-dir", str(config_dir), "--feed", str(feed)],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(env) if env is not None else None,
    )

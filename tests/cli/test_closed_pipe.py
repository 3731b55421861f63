"""A reader that closes the bot's stdout early (`| head`) ends the command quietly, and not as a success."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from bot.cli import EXIT_BROKEN_PIPE
from tests.slack.harness import SHIPPED_CONFIG


def test_route_jsonl_cut_short_by_its_reader_exits_141_without_a_traceback() -> None:
    messages = "".join(
        json.dumps({"text": f"AWS bill doubled in account {n:012d}, who owns it?"}) + "\n" for n in range(20000)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
    with tempfile.TemporaryFile() as source:
        source.write(messages.encode())
        source.seek(0)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "route", "--jsonl"],
            env={**env, "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)},
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        first = json.loads(process.stdout.readline())
        process.stdout.close()  # what `head -1` does once it has its line
        errors = process.stderr.read().decode()
        code = process.wait(timeout=120)

    assert first["is_request"] is True
    assert (
        code == EXIT_BROKEN_PIPE == 141
    )  # a shell's code for SIGPIPE: fails a `pipefail` script, as `yes | head` does
    assert errors == ""

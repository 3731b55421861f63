"""Commands that read stdin refuse bytes that are not UTF-8 in one line, whatever the locale says.

Run as real processes: the locale and PYTHONIOENCODING only act at interpreter start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.slack.harness import SHIPPED_CONFIG

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff\xe0\n"
LATIN1 = '{"text": "café: AWS bill doubled"}\n'.encode("latin-1")
STRICT_UTF8 = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}
# Under the plain C locale Python reads stdin as UTF-8 with surrogateescape: bad bytes would slip through.
PLAIN_C = {"LC_ALL": "C", "LANG": "C"}


def cli(*args: str, stdin: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_", "LC_"))}
    clean.pop("PYTHONIOENCODING", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG), **env},
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", [["route"], ["route", "--jsonl"], ["who-owns", "--jsonl"], ["demo", "--feed", "-"]])
@pytest.mark.parametrize("locale", [STRICT_UTF8, PLAIN_C], ids=["strict-utf8", "c-locale"])
@pytest.mark.parametrize("data", [BINARY, LATIN1], ids=["binary", "latin1"])
def test_stdin_that_is_not_utf8_is_refused_in_one_line(command: list[str], locale: dict, data: bytes) -> None:
    result = cli(*command, stdin=data, env=locale)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"finops-bot: {' '.join(command)}: stdin is not UTF-8 text (line 1, byte ")
    assert "iconv -f latin1 -t utf-8" in line


def test_a_jsonl_stream_answers_the_lines_before_the_bad_one() -> None:
    good = json.dumps({"text": "AWS Budgets: prod has exceeded your alert threshold"}).encode() + b"\n"
    result = cli("route", "--jsonl", stdin=good * 3 + LATIN1 + good, env=STRICT_UTF8)
    assert result.returncode == 1
    assert "(line 4, byte 14)" in one_line(result)
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 3 and all(record["personas"] == ["finance"] for record in records)


def test_utf16_from_a_windows_pipe_is_named() -> None:
    result = cli("who-owns", "--jsonl", stdin='{"topic": "RI"}\n'.encode("utf-16"), env=STRICT_UTF8)
    assert result.returncode == 1
    assert "stdin is UTF-16 text" in one_line(result)


def test_utf8_with_a_byte_order_mark_is_text() -> None:
    result = cli("route", "--jsonl", stdin='\ufeff{"text": "coût AWS doublé"}\n'.encode(), env=STRICT_UTF8)
    assert result.returncode == 0, result.stderr.decode()
    assert "error" not in json.loads(result.stdout)


def test_demo_interactive_stops_at_a_binary_line_in_one_line() -> None:
    result = cli("demo", "--interactive", stdin=BINARY, env=STRICT_UTF8)
    assert result.returncode == 1
    assert one_line(result).startswith("finops-bot: demo --interactive: stdin is not UTF-8 text")

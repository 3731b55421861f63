"""Every start-up or command failure is one line naming what is wrong and what to do, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.devtools.local import bot_env, free_port, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.storage.db import make_engine, upgrade
from tests.slack.harness import SHIPPED_CONFIG, wait_until


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: bytes | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_", "LOG_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.decode()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    return url


def serve_env(database: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG),
        "DATABASE_URL": database,
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:9/bot"}, "unreachable"),
        ({"DATABASE_URL": "mysqlx://bot@localhost/bot"}, "DATABASE_URL is not usable"),
        ({"PORT": "70000"}, "PORT must be a port number 1-65535"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json"),
        ({"SLACK_API_URL": "http://127.0.0.1:9/api/"}, "Slack unreachable at http://127.0.0.1:9/api/"),
        ({"FINOPS_CONFIG_DIR": "/nonexistent/finops"}, "finops-bot init /nonexistent/finops"),
        ({"FINOPS_SLACK_CHANNEL_RATE": "-1"}, "FINOPS_SLACK_CHANNEL_RATE must be 0 (off) or more"),
    ],
)
def test_serve_refuses_in_one_line(database: str, extra: dict[str, str], expected: str) -> None:
    result = cli("serve", env=serve_env(database, **extra))
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("finops-bot: ") and expected in line
    assert "hunter2" not in line


def test_an_invalid_token_is_named_with_the_fix(database: str) -> None:
    with SlackSimulator() as sim:
        result = cli("serve", env=serve_env(database, SLACK_API_URL=sim.api_url, SLACK_BOT_TOKEN="xoxb-revoked"))
    assert result.returncode == 1
    line = one_line(result)
    assert "Slack refused the bot token (invalid_auth)" in line and "SLACK_BOT_TOKEN" in line


def test_a_port_out_of_range_on_the_command_line_is_a_usage_error(database: str) -> None:
    result = cli("socket", "--health-port", "99999", env=serve_env(database))
    assert result.returncode == 2
    assert "99999 is out of range" in result.stderr.decode()


def test_check_config_slack_with_slack_down_says_so(tmp_path: Path) -> None:
    result = cli(
        "check-config",
        "--slack",
        env={
            "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG),
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": "http://127.0.0.1:9/",
        },
    )
    assert result.returncode == 1
    # One line, the reason and the fix; a bare "conversations.list failed: URLError" came first.
    assert one_line(result) == (
        "finops-bot: check-config --slack: Slack unreachable at http://127.0.0.1:9/ ([Errno 111] Connection "
        "refused): check the network, proxy or SLACK_API_URL"
    )


def test_check_config_slack_with_a_revoked_token_says_so_once() -> None:
    # Every name was "channel not found" or "user group not found" (two dozen lines) before the one
    # line that said Slack refused the token.
    with SlackSimulator(socket_mode=False) as sim:
        result = cli(
            "check-config",
            "--slack",
            env={
                "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG),
                "SLACK_BOT_TOKEN": "xoxb-revoked",
                "SLACK_API_URL": sim.api_url,
            },
        )
    assert result.returncode == 1
    assert one_line(result) == (
        "finops-bot: check-config --slack: Slack refused the bot token (invalid_auth): set SLACK_BOT_TOKEN to the "
        "app's current Bot User OAuth Token (xoxb-...)"
    )


def test_check_config_slack_without_a_token_says_which_token_and_the_way_out() -> None:
    result = cli("check-config", "--slack", env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)})
    assert result.returncode == 1
    assert result.stdout.decode().startswith("configuration in ")  # the files themselves were checked
    line = one_line(result)
    assert line.startswith("finops-bot: check-config --slack: SLACK_BOT_TOKEN is not set: ")
    assert "Bot User OAuth Token (xoxb-" in line and "leave out --slack" in line


def test_check_config_slack_names_each_unresolved_target_once(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(config_dir).config)
        personas = config_dir / "personas.yaml"
        personas.write_text(personas.read_text().replace("#finops-itfm", "#gone-itfm"))
        result = cli(
            "check-config",
            "--slack",
            "--config-dir",
            str(config_dir),
            env=bot_env(sim, database=None, config_dir=config_dir),
        )
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err.count("gone-itfm") == 1, err
    assert ".slack.channel: cannot resolve #gone-itfm: channel not found" in err and "Traceback" not in err


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command a user can run, with its parser (``deliveries`` runs alone and with ``retry``)."""
    children = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if path and (not children or not children[0].required):
        yield path, parser
    for action in children:
        for name, child in action.choices.items():
            yield from _commands(child, (*path, name))


def test_every_command_but_init_accepts_config_dir() -> None:
    from bot.cli import build_parser

    commands = dict(_commands(build_parser()))
    assert ("deliveries",) in commands and ("deliveries", "retry") in commands and ("db", "status") in commands
    lacking = [
        " ".join(path)
        for path, parser in commands.items()
        if path != ("init",) and "--config-dir" not in {o for a in parser._actions for o in a.option_strings}
    ]
    assert lacking == []


def test_deliveries_takes_config_dir_like_the_other_commands(tmp_path: Path) -> None:
    result = cli("deliveries", "--config-dir", str(SHIPPED_CONFIG), cwd=tmp_path)
    assert result.returncode == 1  # past the command line: there is no database here
    assert one_line(result).startswith("finops-bot: no database at ")


@pytest.mark.parametrize(
    ("command", "code", "expected"),
    [
        (["silence", "expire", "999"], 1, "no silence 999"),
        (["silence", "add", "--match", "kubecost", "--for", "7d"], 2, "key=value"),
        (["silence", "add", "--match", "acount=1", "--for", "7d"], 2, "unknown matcher key 'acount' (did you mean"),
        (["deliveries", "retry"], 2, "give delivery IDs or --all-failed"),
        (["deliveries", "retry", "999"], 1, "not failed or not found: 999"),
        (["test-routes", "missing.yaml"], 1, "missing.yaml: cannot read"),
        (["db", "status", "--database-url", "postgresql://bot:hunter2@127.0.0.1:9/bot"], 1, "127.0.0.1:9"),
    ],
)
def test_command_failures_share_one_prefix(
    tmp_path: Path, database: str, command: list[str], code: int, expected: str
) -> None:
    env = {"DATABASE_URL": database, "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)}
    result = cli(*command, env=env, cwd=tmp_path)
    line = one_line(result)
    assert result.returncode == code, line
    assert line.startswith("finops-bot: ") and expected in line and "hunter2" not in line


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing.jsonl", "no such file"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: _write(tmp / "latin1.jsonl", '{"text": "café"}\n'.encode("latin-1")), "not UTF-8"),
    ],
)
def test_demo_feed_problems_are_one_line(tmp_path: Path, make, expected: str) -> None:
    result = cli("demo", "--feed", str(make(tmp_path)), env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)})
    assert result.returncode == 1
    assert expected in one_line(result)


@pytest.mark.parametrize(
    "command",
    [["serve"], ["db", "status"], ["db", "upgrade"], ["deliveries"], ["digest", "--dry-run"], ["silence", "list"]],
)
def test_a_database_finops_bot_does_not_support_is_one_line_saying_so(tmp_path: Path, command: list[str]) -> None:
    env = {**serve_env("mysql://bot:hunter2@db/bot"), "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)}
    result = cli(*command, env=env, cwd=tmp_path)
    line = one_line(result)
    assert result.returncode == 1, line
    assert line.startswith("finops-bot: DATABASE_URL ")
    # Not the missing MySQL driver: installing it would not make MySQL work.
    assert "it is for mysql, and finops-bot supports only PostgreSQL and SQLite" in line and "mysqlclient" not in line
    assert "hunter2" not in line


def test_a_postgresql_url_naming_another_driver_says_how_to_get_it(tmp_path: Path) -> None:
    result = cli("db", "status", "--database-url", "postgresql+pg8000://bot@db/bot", cwd=tmp_path)
    line = one_line(result)
    assert result.returncode == 1
    assert "pip install pg8000" in line and "postgresql://" in line


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_read_only_commands_create_no_database(tmp_path: Path) -> None:
    for command in (["export", "--since", "2026-01-01"], ["db", "status"], ["deliveries"], ["deliveries", "--failed"]):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 1, command
        assert "finops-bot db upgrade" in result.stderr.decode() or "DATABASE_URL" in result.stderr.decode()
        assert not (tmp_path / "finops-bot.db").exists(), command


def test_check_config_catches_the_unquoted_channel_comment_and_duties_with_nowhere_to_post(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    personas = config_dir / "personas.yaml"
    text = personas.read_text()
    quoted = 'channel: "#finops-team"'
    assert quoted in text
    personas.write_text(text.replace(quoted, "channel: #finops-team", 1))
    result = cli("check-config", "--config-dir", str(config_dir))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "unquoted # starts a comment" in err and 'quote it: channel: "#finops-team"' in err

    # A persona with duties and no channel at all: valid, with a warning.
    personas.write_text(text.replace(f"      {quoted}\n", "", 1))
    result = cli("check-config", "--config-dir", str(config_dir))
    assert result.returncode == 0, result.stderr.decode()
    assert "has duties but no slack.channel: its reminders have nowhere to be posted" in result.stdout.decode()


def test_socket_serves_health_and_stops_cleanly_on_sigterm(tmp_path: Path, database: str) -> None:
    config = load_config(SHIPPED_CONFIG).config
    port = free_port()
    with SlackSimulator() as sim:
        seed_workspace(sim, config)
        env = {**os.environ, **bot_env(sim, database=database, config_dir=SHIPPED_CONFIG), "LOG_LEVEL": "INFO"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "socket", "--health-port", str(port), "--health-host", "127.0.0.1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            sim.wait_for_socket_connection(timeout=60)
            ready = wait_until(lambda: _get(f"http://127.0.0.1:{port}/readyz"), timeout=30, what="/readyz")
            assert ready["ready"] is True
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                assert b"finops_deliveries_pending" in response.read()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = process.stdout.read().decode() if process.stdout else ""
    assert "Traceback" not in output
    # Connecting and stopping are the normal course of things, not warnings.
    assert " INFO bot.cli.processes: socket mode connected" in output
    assert " INFO bot.cli.processes: socket mode stopping" in output
    assert " WARNING " not in output, output


def test_the_first_scheduler_start_on_a_new_database_warns_of_nothing_missed(tmp_path: Path, database: str) -> None:
    lines: list[str] = []
    with SlackSimulator() as sim:
        seed_workspace(sim, load_config(SHIPPED_CONFIG).config)
        env = {**os.environ, **bot_env(sim, database=database, config_dir=SHIPPED_CONFIG), "LOG_LEVEL": "INFO"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "scheduler"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
        reader.start()
        try:
            # The first tick runs at start; the shipped duties fired several times in the week before.
            wait_until(lambda: any("new to this database" in line for line in lines), timeout=60, what="the first tick")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        reader.join(timeout=10)
    output = "".join(lines)
    assert "Traceback" not in output
    assert [line for line in lines if " WARNING " in line] == []
    assert "fire time(s) of the last 7 day(s) recorded as before the schedule was installed, not posted" in output


def _get(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def test_the_digest_footer_names_posts_slack_refused(tmp_path: Path, database: str) -> None:
    import datetime as dt

    from sqlalchemy import insert

    from bot.storage.models import Delivery

    now = dt.datetime.now(dt.UTC)
    engine = make_engine(database)
    with engine.begin() as connection:
        for _ in range(2):
            connection.execute(
                insert(Delivery).values(
                    kind="scheduled",
                    method="post",
                    payload={"channel": "C0FINANCE", "text": "reminder"},
                    status="failed",
                    attempts=1,
                    last_error="not_in_channel",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    engine.dispose()
    this_week = now.strftime("%G-W%V")
    result = cli(
        "digest",
        "--dry-run",
        "--week",
        this_week,
        "--database-url",
        database,
        env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)},
    )
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Slack refused 2 posts this week: `not_in_channel` in #C0FINANCE (2)" in out  # as Slack shows it
    assert "invite the bot to the channel" in out and "finops-bot deliveries retry --all-failed" in out


def test_test_routes_refuses_an_empty_file_unknown_keys_and_unknown_personas(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.yaml", b"")
    typo = _write(
        tmp_path / "typo.yaml", b"- {id: bill, text: AWS bill doubled, expcet: [finance], accept: [financ]}\n"
    )
    env = {"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)}
    result = cli("test-routes", str(empty), env=env)
    assert result.returncode == 1 and "no cases" in one_line(result)
    result = cli("test-routes", str(typo), env=env)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "case 1 (bill): unknown key 'expcet' (did you mean 'expect'?)" in err
    assert "case 1 (bill): accept: unknown persona 'financ' (did you mean 'finance'?)" in err
    assert "Traceback" not in err

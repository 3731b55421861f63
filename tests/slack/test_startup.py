"""Start-up refuses clearly: missing settings, bad config, outdated schema; secrets never logged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bot.settings import Settings, SettingsError
from bot.storage.db import make_engine
from tests.slack.harness import SHIPPED_CONFIG, copy_config


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def serve_env(tmp_path, database: str = "x.db", **overrides: str) -> dict[str, str]:
    """What `serve` needs, fake secrets included; ``overrides`` replace any of it."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-secret-value",
        "SLACK_SIGNING_SECRET": "signing-secret-value",
        "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG),
        "DATABASE_URL": f"sqlite:///{tmp_path}/{database}",
        **overrides,
    }


def test_missing_settings_stop_serve_with_one_line_naming_them_all(tmp_path):
    result = run_cli(
        "serve", env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.returncode == 1
    # Both at once (a new user met them one per attempt), and where to find them (the line named only the
    # variables).
    assert result.stderr.strip() == (
        "finops-bot: missing settings: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set in the environment: "
        "the Bot User OAuth Token (xoxb-..., under OAuth & Permissions) and the Signing Secret (under Basic "
        "Information) of your Slack app (README, Installing in Slack); `finops-bot demo` runs the bot without Slack"
    )


def test_one_missing_setting_is_named_alone(tmp_path):
    result = run_cli("serve", env=serve_env(tmp_path, SLACK_SIGNING_SECRET=""))
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        "finops-bot: missing setting: SLACK_SIGNING_SECRET must be set in the environment: the Signing Secret "
    )


def test_bad_config_stops_serve_and_names_file_line_and_key(tmp_path):
    def misspell(config_dir):
        path = config_dir / "routing.yaml"
        path.write_text(
            path.read_text().replace("fallback_persona: finops-practitioner", "fallback_persona: finops-practitoner")
        )

    config_dir = copy_config(tmp_path, misspell)
    result = run_cli("serve", env=serve_env(tmp_path, FINOPS_CONFIG_DIR=str(config_dir)))
    assert result.returncode == 1
    assert "routing.yaml:" in result.stderr and "fallback_persona" in result.stderr
    assert "did you mean 'finops-practitioner'" in result.stderr
    assert "xoxb-secret-value" not in result.stderr + result.stdout


def test_outdated_schema_stops_serve_and_says_what_to_run(tmp_path):
    make_engine(f"sqlite:///{tmp_path}/empty.db").dispose()
    result = run_cli("serve", env=serve_env(tmp_path, "empty.db"))
    assert result.returncode == 1
    assert "run `finops-bot db upgrade`" in result.stderr


def test_socket_mode_needs_an_app_token():
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    with pytest.raises(SettingsError, match="app-level token"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}).require("SLACK_APP_TOKEN")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("xoxp-1111-2222-secretpart", "SLACK_BOT_TOKEN holds a user token (xoxp-...); it must be the app's Bot User"),
        ("xapp-1-A1-secretpart", "SLACK_BOT_TOKEN holds an app-level token (xapp-..., which goes in SLACK_APP_TOKEN)"),
        ('"xoxb-1111-secretpart"', "SLACK_BOT_TOKEN has quotes or white space in it"),
        ("xoxb-1111-secretpart\n", "SLACK_BOT_TOKEN has quotes or white space in it"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "check-config"])
def test_a_bot_token_of_another_kind_stops_start_up_in_one_line(tmp_path, command, token, expected):
    # The database does not exist: without the check, serve would stop there instead.
    result = run_cli(command, env=serve_env(tmp_path, "missing.db", SLACK_BOT_TOKEN=token))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"finops-bot: malformed setting: {expected}")
    assert "secretpart" not in result.stderr + result.stdout


def test_fake_bot_tokens_of_the_right_kind_still_start() -> None:
    # Only the prefix is checked: the tests and the demo run on tokens such as xoxb-test.
    Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-test"}).require("SLACK_BOT_TOKEN")
    Settings.from_env({"SLACK_BOT_TOKEN": "xoxe.xoxb-1-rotating"}).check_tokens()  # token rotation's expiring one
    Settings.from_env({}).check_tokens()  # check-config where no token is set: nothing to say


def test_settings_never_show_secrets(caplog):
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "shh-secret", "SLACK_APP_TOKEN": "xapp-secret"}
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s / %r", settings, settings)
    shown = caplog.text + repr(settings) + str(settings)
    for secret in ("xoxb-very-secret", "shh-secret", "xapp-secret"):
        assert secret not in shown
    assert settings.bot_token.value == "xoxb-very-secret"


def test_malformed_numbers_are_named():
    with pytest.raises(SettingsError, match="PORT must be a whole number"):
        Settings.from_env({"PORT": "eighty"})


def test_api_url_gets_the_trailing_slash_webclient_needs():
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"
    assert Settings.from_env({}).slack_api_url == "https://slack.com/api/"


def test_secrets_do_not_reach_the_running_servers_log(harness):
    harness.post("AWS bill doubled this month: $90k vs $45k, who owns it?")
    log = harness.bot.log_text()
    for secret in (harness.sim.bot_token, harness.sim.signing_secret):
        assert secret not in log


def test_demo_replays_the_feed_and_shows_threads(tmp_path):
    result = run_cli("demo", env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "#cost-alerts" in out
    assert "finops-bot APP" in out and "│" in out  # thread replies from the bot
    assert "Status: *Taken*" in out  # the button press updated a reply in place
    # ...before `/finops open` runs, so the list agrees with the reply above it.
    assert "Cost anomalies → Engineering · Taken since " in out


def test_demo_skips_feed_lines_that_are_not_messages_names_them_and_exits_1(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "AWS bill doubled this month, who owns it?"}\nnot json\n["a list"]\n', encoding="utf-8")
    result = run_cli("demo", "--feed", str(feed), env={"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)})
    assert result.returncode == 1  # as route --jsonl: the rest is done, the status says not all of it
    assert f"{feed}:2: not JSON" in result.stderr
    assert f"{feed}:3: not a Slack message" in result.stderr
    assert "2 feed line(s) skipped" in result.stderr
    assert "AWS bill doubled this month" in result.stdout and "finops-bot APP" in result.stdout


def test_demo_keeps_what_it_routed_in_the_database_given(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "AWS bill doubled this month, who owns it?"}\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {"FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)}
    result = run_cli("demo", "--feed", str(feed), "--database-url", url, env=env)
    assert result.returncode == 0, result.stderr
    assert f"on the database {url}" in result.stdout
    exported = run_cli("export", "--since", "2000-01-01", "--format", "jsonl", "--database-url", url, env=env)
    assert exported.returncode == 0, exported.stderr
    assert '"excerpt": "AWS bill doubled this month, who owns it?"' in exported.stdout

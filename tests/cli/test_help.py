"""`--help` of the long-running commands says what they need before a first run fails for want of it."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("command", "settings"),
    [
        ("serve", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
        ("socket", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]),
        ("scheduler", ["SLACK_BOT_TOKEN"]),
    ],
)
def test_the_help_of_a_long_running_command_names_its_settings(
    command: str, settings: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    # argparse wraps the description; the words are what matter.
    shown = " ".join(capsys.readouterr().out.split())
    assert all(f"{setting} " in shown or f"{setting}," in shown for setting in settings), shown
    assert "DATABASE_URL" in shown and "finops-bot db upgrade" in shown and "finops-bot demo" in shown


@pytest.mark.parametrize("command", ["demo", "export", "digest", "reminders", "db"])
def test_the_help_of_every_command_says_what_it_does(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    _usage, _, rest = capsys.readouterr().out.partition("\n\n")
    description = rest.split("\n\n")[0]
    # Without a description argparse goes straight from the usage to the option list.
    assert description and not description.startswith(("options:", "positional arguments:")), rest


def test_the_config_dir_help_names_every_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["route", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "personas.yaml, routing.yaml and, optionally, owners.yaml" in shown

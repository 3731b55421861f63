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

"""`finops-bot check-config --slack` with a name Slack cannot resolve: the output agrees with the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config.loader import load_config
from bot.devtools.local import bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from tests.slack.harness import copy_config

TEAMS = """\
version: 1
teams:
  - id: payments
    name: Payments
    slack: {channel: "#payments-eng"}
    personas: [engineering]
    scopes:
      aws_accounts: ["111122223333"]
"""


def _line_of(path: Path, text: str) -> int:
    """The first line (not a comment) that starts with ``text``."""
    lines = enumerate(path.read_text().splitlines(), start=1)
    return next(number for number, line in lines if line.strip().startswith(text))


def test_an_unresolved_channel_is_located_with_a_did_you_mean_and_the_summary_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = copy_config(tmp_path)
    (config_dir / "owners.yaml").write_text(TEAMS)
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(config_dir).config)
        for name, value in bot_env(sim, database=None, config_dir=config_dir).items():
            monkeypatch.setenv(name, value)
        personas = config_dir / "personas.yaml"
        personas.write_text(personas.read_text().replace('channel: "#finops-finance"', 'channel: "#finops-financ"'))
        owners = config_dir / "owners.yaml"
        owners.write_text(TEAMS.replace("#payments-eng", "#payment-eng"))
        finance = [persona.id for persona in load_config(config_dir).config.personas.personas].index("finance")

        assert main(["check-config", "--config-dir", str(config_dir), "--slack"]) == 1

    out, err = capsys.readouterr()
    line = _line_of(personas, 'channel: "#finops-financ"')
    # It said "is valid" and "11 of 11 personas reachable" (finance's user group resolved), then exited 1.
    assert " is valid" not in out
    assert f"configuration in {config_dir}: the files are valid (their Slack names are checked below)" in out
    assert "  slack:            10 of 11 personas resolve in full; unresolved: finance (#finops-financ)" in out
    assert "0 of 1 owning teams resolve in full; unresolved: payments (#payment-eng)" in out
    assert err.splitlines() == [
        f"{personas}:{line}: personas[{finance}].slack.channel: "
        "cannot resolve #finops-financ: channel not found (did you mean '#finops-finance'?)",
        f"{owners}:5: teams[0].slack.channel: cannot resolve #payment-eng: channel not found "
        "(did you mean '#payments-eng'?)",
        f"configuration in {config_dir} fails in Slack: 2 Slack targets cannot be resolved; correct the names "
        "above, or create them in Slack",
    ]


def test_every_name_resolved_is_reachable_and_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = copy_config(tmp_path)
    with SlackSimulator(socket_mode=False) as sim:
        seed_workspace(sim, load_config(config_dir).config)
        for name, value in bot_env(sim, database=None, config_dir=config_dir).items():
            monkeypatch.setenv(name, value)
        assert main(["check-config", "--config-dir", str(config_dir), "--slack"]) == 0
    out, err = capsys.readouterr()
    assert "  slack:            11 of 11 personas reachable" in out
    assert "unresolved" not in out + err

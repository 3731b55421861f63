"""A command given an invalid --config-dir points at check-config for that same directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.slack.harness import SHIPPED_CONFIG


def _invalid_config(tmp_path: Path) -> Path:
    config_dir = tmp_path / "bad config"
    shutil.copytree(SHIPPED_CONFIG, config_dir)
    routing = config_dir / "routing.yaml"
    text = routing.read_text()
    assert "fallback_persona: finops-practitioner" in text
    routing.write_text(text.replace("fallback_persona: finops-practitioner", "fallback_persona: nobody"))
    return config_dir


@pytest.mark.parametrize("command", [["route", "AWS bill doubled"], ["suggest-routing"], ["demo"]])
def test_the_hint_checks_the_directory_given(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = _invalid_config(tmp_path)
    extra = ["--database-url", f"sqlite:///{tmp_path / 'none.db'}"] if command[0] == "suggest-routing" else []
    assert main([command[0], "--config-dir", str(config_dir), *extra, *command[1:]]) == 1
    err = capsys.readouterr().err
    assert f"`finops-bot check-config --config-dir '{config_dir}'`" in err
    assert err.count("unknown persona 'nobody'") == 1

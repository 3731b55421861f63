"""`finops-bot init DIR` completes a config begun by hand and never overwrites an edited file unasked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config.locate import shipped_config_dir

EDITED = "# my own personas, edited\npersonas: []\n"


def test_init_writes_only_the_missing_files_and_says_which(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cfg"
    target.mkdir()
    (target / "personas.yaml").write_text(EDITED)

    assert main(["init", str(target)]) == 0

    assert (target / "personas.yaml").read_text() == EDITED
    shipped = shipped_config_dir()
    assert shipped is not None
    assert (target / "routing.yaml").read_text() == (shipped / "routing.yaml").read_text()
    out = capsys.readouterr().out
    assert f"wrote routing.yaml, owners.yaml to {target}\n" in out
    assert f"kept personas.yaml in {target} as they were" in out


def test_init_force_overwrites_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cfg"
    target.mkdir()
    (target / "personas.yaml").write_text(EDITED)

    assert main(["init", "--force", str(target)]) == 0

    assert (target / "personas.yaml").read_text() != EDITED
    assert f"wrote personas.yaml, routing.yaml, owners.yaml to {target}" in capsys.readouterr().out


def test_init_with_every_file_there_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cfg"
    assert main(["init", str(target)]) == 0
    (target / "personas.yaml").write_text(EDITED)
    capsys.readouterr()

    assert main(["init", str(target)]) == 1

    assert (target / "personas.yaml").read_text() == EDITED
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"finops-bot: {target} already has personas.yaml, routing.yaml, owners.yaml: ")
    assert "--force" in line


def test_check_config_says_how_to_write_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cfg"
    target.mkdir()
    (target / "personas.yaml").write_text(EDITED)

    assert main(["check-config", "--config-dir", str(target)]) == 1

    err = capsys.readouterr().err
    assert f"{target}/routing.yaml: file not found: run `finops-bot init {target}` to write the missing files" in err

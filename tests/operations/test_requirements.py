"""requirements.txt (what a Heroku-style buildpack installs) pins every runtime dependency pyproject declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0]).lower()


def test_every_runtime_dependency_is_pinned_in_requirements_txt() -> None:
    declared = {_name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    pinned = {_name(line) for line in lines if "==" in line}
    assert declared - pinned == set(), "add these to requirements.txt with the version CI tested"
    assert lines[-1] == ".", "the bot itself installs last, from this checkout"


def test_every_declared_dependency_is_justified_in_the_readme() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]} | {
        _name(r) for extra in project.get("optional-dependencies", {}).values() for r in extra
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    named = {
        _name(package)
        for row in table.splitlines()
        if row.startswith("| ") and not row.startswith("| package")
        for package in re.split(r",\s*", row.split("|")[1].strip())
    }
    assert declared - named == set(), "add a row to the README's dependency table saying why each is needed"

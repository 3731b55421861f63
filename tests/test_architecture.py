"""The import rules of docs/ARCHITECTURE.md, checked on the source.

Imports point down: entry points (cli, web, devtools) → the composition root
(bot.app) → adapters (handlers, bot.slack, bot.storage) → services → render →
the pure core (domain, config, routing, scheduling). A module may import its
own area and anything below it, never above; the core never sees Slack or SQL.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CORE = {"bot.domain", "bot.config", "bot.routing", "bot.scheduling"}
# What each area may import from the project, besides itself.
ALLOWED: dict[str, set[str]] = {
    "bot.domain": set(),
    "bot.config": {"bot.domain"},
    "bot.routing": {"bot.domain", "bot.config"},
    "bot.scheduling": {"bot.domain", "bot.config"},
    "bot.render": CORE,
    "bot.services": CORE | {"bot.render", "bot.telemetry"},
    "bot.storage": {"bot.domain", "bot.config", "bot.telemetry"},
    "bot.slack": CORE | {"bot.render", "bot.services", "bot.settings", "bot.telemetry"},
    "handlers": CORE | {"bot.render", "bot.services", "bot.slack", "bot.telemetry"},
    "bot.receivers": CORE | {"bot.services", "bot.settings", "bot.telemetry"},
    "bot.settings": set(),
    # Log context and Prometheus counters: every layer reports there, it imports nothing of the bot.
    "bot.telemetry": set(),
}
# Third-party packages that belong to one side of the line only.
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
SQL_LIBRARIES = ("sqlalchemy", "alembic", "psycopg")
FORBIDDEN_LIBRARIES: dict[str, tuple[str, ...]] = {
    "bot.domain": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.config": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.routing": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.scheduling": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.render": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.services": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.storage": SLACK_LIBRARIES,
    "bot.receivers": SLACK_LIBRARIES + SQL_LIBRARIES,
    "bot.telemetry": SLACK_LIBRARIES + SQL_LIBRARIES,
}
# Modules no longer than this hold one job; past it, split them.
MAX_LINES = 560
# Longer on purpose, each with its reason (a skip names it in every run).
LARGE_BY_DESIGN = {
    "bot.routing.lexicon": "the built-in English vocabularies: data tables, one job",
}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]):
        if "migrations/versions" in path.as_posix():
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def area_of(module: str) -> str | None:
    for area in sorted(ALLOWED, key=len, reverse=True):
        if module == area or module.startswith(area + "."):
            return area
    return None


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(("module", "path"), modules(), ids=[name for name, _ in modules()])
def test_imports_point_down(module: str, path: Path) -> None:
    area = area_of(module)
    if area is None:
        return  # entry points and the composition root may import anything below them
    allowed = ALLOWED[area] | {area}
    upward = sorted(
        name
        for name in imports_of(path)
        if (name.startswith("bot.") or name.startswith("handlers"))
        and area_of(name) is not None
        and area_of(name) not in allowed
    )
    entry_points = sorted(
        name
        for name in imports_of(path)
        if name.split(".")[:2] in (["bot", "app"], ["bot", "cli"], ["bot", "web"], ["bot", "devtools"])
    )
    libraries = sorted(name for name in imports_of(path) if name.split(".")[0] in FORBIDDEN_LIBRARIES.get(area, ()))
    assert not upward and not entry_points and not libraries, (
        f"{module} ({area}) imports above itself: {upward + entry_points + libraries}"
    )


def test_only_the_composition_root_imports_handlers() -> None:
    importers = sorted(
        name
        for name, path in modules()
        if area_of(name) != "handlers" and any(i == "handlers" or i.startswith("handlers.") for i in imports_of(path))
    )
    assert importers == ["bot.app"]


def test_only_settings_reads_the_environment() -> None:
    readers = sorted(
        name
        for name, path in modules()
        if ("os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8"))
        and not name.startswith("bot.devtools")  # the local runner passes an environment to a child process
    )
    assert readers == ["bot.settings"]


@pytest.mark.parametrize(("module", "path"), modules(), ids=[name for name, _ in modules()])
def test_modules_stay_small(module: str, path: Path) -> None:
    if module in LARGE_BY_DESIGN:
        pytest.skip(f"{module}: {LARGE_BY_DESIGN[module]}")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: it holds more than one job"

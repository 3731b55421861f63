"""Commands that never touch the database do not load the database layer: SQLAlchemy and Alembic cost
every `finops-bot` start about a third of a second."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.slack.harness import SHIPPED_CONFIG

PROBE = """
import contextlib, io, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
loaded = sorted(name for name in ("sqlalchemy", "alembic") if name in sys.modules)
print(code, out.getvalue().count("\\n") > 0, ",".join(loaded) or "none")
"""


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**env, "FINOPS_CONFIG_DIR": str(SHIPPED_CONFIG)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_who_owns_and_route_answer_without_loading_the_database_layer() -> None:
    assert run("who-owns", "budgets") == "0 True none"
    assert run("route", "AWS bill doubled this month, who owns it?") == "0 True none"


def test_a_database_command_still_loads_it(tmp_path) -> None:
    # The probe would pass vacuously if it could not see the layer load.
    # (exit 1: there is no database at that path, which `db status` says on stderr.)
    assert run("db", "status", "--database-url", f"sqlite:///{tmp_path / 'missing.db'}") == "1 False alembic,sqlalchemy"

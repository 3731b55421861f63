"""`finops-bot reminders --list` and `finops-bot digest --dry-run` on the shipped configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"

pytestmark = pytest.mark.skipif(not (CONFIG_DIR / "routing.yaml").exists(), reason="no shipped config/ to read")


def test_reminders_list_shows_every_kind_with_next_runs(capsys):
    assert main(["reminders", "--list", "--config-dir", str(CONFIG_DIR), "--now", "2026-11-20T08:00:00Z"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "digest:weekly" in lines and "nudge:sweep" in lines
    assert any(key.startswith("duty:") for key in lines)
    assert "2026-11-2" in lines["digest:weekly"]  # the next weekly digest, within a week
    assert "2026-11-20 08:15Z" in lines["nudge:sweep"]


def test_reminders_list_rejects_a_bad_now(capsys):
    assert main(["reminders", "--list", "--config-dir", str(CONFIG_DIR), "--now", "yesterday"]) == 2
    assert "not an ISO date-time" in capsys.readouterr().err


def test_digest_dry_run_prints_the_empty_week(tmp_path, capsys):
    from bot.storage.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    args = ["digest", "--dry-run", "--week", "2026-W47", "--config-dir", str(CONFIG_DIR), "--database-url", url]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["*FinOps weekly digest — 2026-W47*", ":sunny: No FinOps requests were routed this week."]
    assert main([*args, "--json"]) == 0
    message = json.loads(capsys.readouterr().out)
    assert message["blocks"][0]["type"] == "header"


def test_digest_dry_run_explains_a_bad_week_and_an_unmigrated_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    base = ["digest", "--dry-run", "--config-dir", str(CONFIG_DIR), "--database-url", url]
    assert main([*base, "--week", "2026-W60"]) == 2
    assert "2026-W60" in capsys.readouterr().err
    assert main(base) == 1
    assert "finops-bot db upgrade" in capsys.readouterr().err


def test_digest_dry_run_shows_the_lists_the_slack_message_has(tmp_path, capsys):
    import datetime as dt

    from bot.storage.db import make_engine, upgrade
    from bot.storage.stores import Storage
    from tests.storage.storage_factories import new_request, reply_for

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    request = new_request(excerpt="EC2 spend up 40% in eu-west-1", amount_usd=12_500.0)
    Storage.open(engine).intake.record_routed_message(
        "Ev1", request, reply_for, dt.datetime(2026, 11, 17, 10, tzinfo=dt.UTC)
    )
    engine.dispose()

    args = ["digest", "--dry-run", "--week", "2026-W47", "--config-dir", str(CONFIG_DIR), "--database-url", url]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "Largest: $12k EC2 spend up 40% in eu-west-1" in out and "Oldest open: EC2 spend up 40%" in out
    )  # the link's label, not its markup
    assert "<https://" not in out


def test_digest_dry_run_lists_what_silences_muted_and_names_the_week_it_shows(tmp_path, capsys):
    import datetime as dt

    from bot.storage.db import make_engine, upgrade
    from bot.storage.stores import Storage

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    storage = Storage.open(engine)
    monday = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    silence = storage.silences.add({"source": "aws-*"}, monday + dt.timedelta(days=3), "migration", "U1", monday)
    assert storage.silences.record_muted("k1", silence.id, "aws-budgets", "C1", "spend up", None, None, monday)
    engine.dispose()

    base = ["digest", "--dry-run", "--config-dir", str(CONFIG_DIR), "--database-url", url]
    assert main([*base, "--week", "2026-W47"]) == 0
    captured = capsys.readouterr()
    assert "muted" in captured.out and "migration" in captured.out  # as the posted digest lists it
    assert "last complete week" not in captured.err  # the week asked for is the week shown
    assert main(base) == 0
    assert "the last complete week; --week 20" in capsys.readouterr().err

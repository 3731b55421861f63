"""`finops-bot db`, `export` and `suggest-routing` through the real CLI entry point."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.db import make_engine
from bot.storage.stores import Storage
from tests.storage.storage_factories import at, new_request, reply_for

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_db_upgrade_then_status(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status", "--database-url", database_url]) == 1
    said = capsys.readouterr()
    assert "run `finops-bot db upgrade`" in said.out + said.err
    if database_url.startswith("sqlite:///"):  # a read-only command leaves no empty file behind
        assert not Path(database_url.removeprefix("sqlite:///")).exists()

    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    assert "schema upgraded from empty to " in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    assert "schema already at" in capsys.readouterr().out
    assert main(["db", "status", "--database-url", database_url]) == 0


def test_db_upgrade_reads_database_url_at_run_time(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "from-env.db").exists()


def test_an_unreachable_database_is_a_clear_error_without_the_password(capsys) -> None:
    code = main(["db", "status", "--database-url", "postgres://finops:hunter2@127.0.0.1:9/bot"])
    err = capsys.readouterr().err
    assert code == 1
    # The URL as the user wrote it, not the postgresql+psycopg:// it becomes.
    assert err.startswith("finops-bot: database postgres://finops:***@127.0.0.1:9/bot: ")
    assert "hunter2" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    "command",
    [["db", "status"], ["db", "upgrade"], ["export", "--since", "2026-01-01"], ["digest", "--dry-run"], ["deliveries"]],
)
def test_every_database_command_names_the_url_as_written_in_one_line(command: list[str], capsys) -> None:
    # `digest --dry-run` with the server down was a traceback; the others showed postgresql+psycopg://.
    url = "postgresql://finops@127.0.0.1:9/bot?password=hunter2"
    code = main([*command, "--database-url", url, "--config-dir", str(REPO_CONFIG)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("finops-bot: database postgresql://finops@127.0.0.1:9/bot?password=***"), err
    assert len(err.splitlines()) == 1 and "hunter2" not in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # A traceback from SQLAlchemy's int() of the port.
        ("postgresql://finops:hunter2@127.0.0.1:fivefour/bot", "DATABASE_URL is not usable (its port is not a number)"),
        # The URL parsed with 'ter2@127.0.0.1' for the host, and the driver's "failed to resolve host" showed it.
        ("postgresql://finops:hun@ter2@127.0.0.1:9/bot", "the password holds an '@'"),
        # Not a URL at all: the value was repeated back ("database hunter2: Could not parse…").
        ("hunter2", "DATABASE_URL is not usable"),
        # SQLAlchemy said "Invalid SQLite URL: sqlite://rel2.db" without the fix.
        (
            "sqlite://rel2.db",
            "use sqlite:///rel2.db for a file relative to the working directory, sqlite:////abs/path.db for an "
            "absolute path",
        ),
        # The missing mysqlclient driver was named, as if installing it would do.
        ("mysql://finops:hunter2@db/bot", "it is for mysql, and finops-bot supports only PostgreSQL and SQLite"),
    ],
)
def test_a_database_url_that_cannot_be_used_is_one_line_without_the_password(url: str, expected: str, capsys) -> None:
    code = main(["db", "status", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("finops-bot: ") and expected in err and len(err.splitlines()) == 1, err
    assert "hunter2" not in err and "ter2" not in err


def test_db_upgrade_into_a_directory_that_does_not_exist_names_it(tmp_path, capsys) -> None:
    # SQLite said only "unable to open database file".
    url = f"sqlite:///{tmp_path / 'missing' / 'bot.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 1
    assert capsys.readouterr().err == (
        f"finops-bot: no directory {tmp_path / 'missing'} for the SQLite file bot.db: create it first\n"
    )


def test_db_status_on_a_directory_that_does_not_exist_says_so_first(tmp_path, capsys) -> None:
    # It advised `db upgrade`, which then failed for want of the directory.
    url = f"sqlite:///{tmp_path / 'missing' / 'bot.db'}"
    assert main(["db", "status", "--database-url", url]) == 1
    assert capsys.readouterr().err == (
        f"finops-bot: no directory {tmp_path / 'missing'} for the SQLite file bot.db: create it first, "
        "then run `finops-bot db upgrade` to create the database\n"
    )


def test_db_upgrade_names_the_database_as_written(tmp_path, capsys) -> None:
    assert main(["db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'bot.db'}"]) == 0
    assert capsys.readouterr().out.startswith(f"sqlite:///{tmp_path / 'bot.db'}: schema upgraded from empty to ")


def test_export_refuses_an_outdated_schema(database_url: str, capsys) -> None:
    assert main(["export", "--since", "2026-01-01", "--database-url", database_url]) == 1
    assert "run `finops-bot db upgrade`" in capsys.readouterr().err


def seed(database_url: str) -> int:
    main(["db", "upgrade", "--database-url", database_url])
    engine = make_engine(database_url)
    try:
        storage = Storage.open(engine)
        request_id = storage.intake.record_routed_message("Ev1", new_request(), reply_for, at()).request_id
        storage.requests.apply_action(request_id, "take", "U2", at(hours=1))
        storage.requests.apply_action(request_id, "resolve", "U2", at(hours=2))
        return request_id
    finally:
        engine.dispose()


def test_export_jsonl_and_csv(database_url: str, capsys) -> None:
    request_id = seed(database_url)
    capsys.readouterr()

    assert main(["export", "--since", "2026-03-02T09:30", "--format", "jsonl", "--database-url", database_url]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["action"], e["actor"], e["current_status"]) for e in events] == [
        ("take", "U2", "resolved"),
        ("resolve", "U2", "resolved"),
    ]
    assert events[0]["request_id"] == request_id
    assert events[0]["at"] == "2026-03-02T10:00:00+00:00"

    assert main(["export", "--since", "2026-03-01", "--database-url", database_url]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["action"] for r in rows] == ["routed", "take", "resolve"]
    assert json.loads(rows[0]["topics"]) == ["anomaly"]


def test_export_rejects_a_bad_date(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--since", "last tuesday"])
    assert "expected a date like 2026-03-01" in capsys.readouterr().err


def test_suggest_routing_prints_a_diff_of_the_routing_file(database_url: str, tmp_path: Path, capsys) -> None:
    if not (REPO_CONFIG / "routing.yaml").exists():
        pytest.skip("the sample configuration (config/) is not in this checkout")
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_CONFIG, config_dir)
    main(["db", "upgrade", "--database-url", database_url])
    engine = make_engine(database_url)
    try:
        storage = Storage.open(engine)
        for n in range(3):
            request = new_request(topics=["budgets"], primary_topic="budgets", primary_persona="finance")
            request_id = storage.intake.record_routed_message(f"Ev{n}", request, reply_for, at()).request_id
            storage.requests.apply_action(request_id, "reassign", "U2", at(hours=1), to_persona="procurement")
    finally:
        engine.dispose()
    capsys.readouterr()

    code = main(["suggest-routing", "--config-dir", str(config_dir), "--database-url", database_url])
    captured = capsys.readouterr()
    assert code == 0
    # The result is on stdout, the summary before the diff (which git apply and patch find past it).
    assert captured.err == ""
    summary, diff = captured.out.split("--- a/", 1)
    assert summary.startswith("3 recorded correction(s)")
    assert "budgets: make procurement responsible instead of finance" in summary
    assert "+      responsible: [procurement" in diff


def test_the_owning_team_is_stored_and_exported(database_url: str, capsys) -> None:
    main(["db", "upgrade", "--database-url", database_url])
    engine = make_engine(database_url)
    try:
        storage = Storage.open(engine)
        request = new_request(team="payments", team_scope="account 111122223333")
        request_id = storage.intake.record_routed_message("EvTeam", request, reply_for, at()).request_id
        stored = storage.requests.find_by_message(request.workspace, request.channel_id, request.message_ts)
        assert (stored.id, stored.team, stored.team_scope) == (request_id, "payments", "account 111122223333")
        untouched = new_request()
        storage.intake.record_routed_message("EvNoTeam", untouched, reply_for, at())
        assert storage.requests.find_by_message("T1", "C1", untouched.message_ts).team is None
    finally:
        engine.dispose()
    capsys.readouterr()
    assert main(["export", "--since", "2026-03-01", "--format", "jsonl", "--database-url", database_url]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["request_id"], e["team"], e["team_scope"]) for e in events if e["team"]] == [
        (request_id, "payments", "account 111122223333")
    ]

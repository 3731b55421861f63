"""URLs, engines, migrations and schema status."""

from __future__ import annotations

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage.db import (
    SchemaError,
    database_url,
    head_revision,
    make_engine,
    require_current_schema,
    safe_url,
    schema_status,
    shown_url,
    upgrade,
)
from bot.storage.models import Base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "sqlite:///./finops-bot.db"),
        ("", "sqlite:///./finops-bot.db"),
        ("  ", "sqlite:///./finops-bot.db"),
        ("postgres://u:p@db.example:5432/bot", "postgresql+psycopg://u:p@db.example:5432/bot"),
        ("postgresql://u:p@db.example/bot", "postgresql+psycopg://u:p@db.example/bot"),
        ("postgresql+psycopg://u@h/bot", "postgresql+psycopg://u@h/bot"),
        ("sqlite:////var/lib/bot.db", "sqlite:////var/lib/bot.db"),
    ],
)
def test_database_url_normalises_env_values(value: str | None, expected: str) -> None:
    assert database_url(value) == expected


def test_safe_url_masks_the_password() -> None:
    shown = safe_url("postgres://finops:s3cret-pass@db.example:5432/bot")
    assert "s3cret-pass" not in shown
    assert shown == "postgresql+psycopg://finops:***@db.example:5432/bot"
    assert safe_url("postgresql://finops@db.example/bot?password=s3cret") == (
        "postgresql+psycopg://finops@db.example/bot?password=***"
    )


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        # As written, not as the postgresql+psycopg:// URL it becomes.
        ("postgresql://finops:s3cret@db.example:5432/bot", "postgresql://finops:***@db.example:5432/bot"),
        ("postgres://finops:s3cret@db.example/bot", "postgres://finops:***@db.example/bot"),
        # libpq reads a password from the query too; it was shown in full.
        (
            "postgresql://finops@db.example/bot?sslmode=require&password=s3cret",
            "postgresql://finops@db.example/bot?sslmode=require&password=***",
        ),
        # Unencoded @ and / in the password: the URL does not parse, the password is masked all the same.
        ("postgresql://finops:s3c@r/et@db.example/bot", "postgresql://finops:***@db.example/bot"),
        ("postgresql://finops@db.example/bot", "postgresql://finops@db.example/bot"),
        ("sqlite:////var/lib/finops@bot.db", "sqlite:////var/lib/finops@bot.db"),
        (None, "sqlite:///./finops-bot.db"),
    ],
)
def test_shown_url_is_the_url_as_written_with_its_password_masked(written: str | None, shown: str) -> None:
    assert shown_url(written) == shown


def test_a_user_name_with_an_at_sign_is_still_a_url() -> None:
    # Azure Database for PostgreSQL (single server) names users user@server; only the password's '@' is refused.
    engine = make_engine("postgresql://finops@db-server:pw@db.invalid:5432/bot")  # no connection is made
    try:
        assert engine.url.username == "finops@db-server" and engine.url.host == "db.invalid"
    finally:
        engine.dispose()


def test_make_engine_with_a_heroku_url_selects_psycopg() -> None:
    engine = make_engine("postgres://finops:pw@db.invalid:5432/bot")  # no connection is made
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
        assert set(inspect(engine).get_table_names()) >= {
            "routed_requests",
            "request_events",
            "deliveries",
            "processed_events",
            "routing_feedback",
            "schedule_claims",
        }
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless_and_status_is_current(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        status = schema_status(engine)
        assert status.current == head_revision()
        assert status.is_current
        require_current_schema(engine)  # does not raise
    finally:
        engine.dispose()


def test_an_empty_database_is_reported_outdated_with_what_to_run(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        status = schema_status(engine)
        assert status.current is None
        assert not status.is_current
        with pytest.raises(SchemaError) as raised:
            require_current_schema(engine)
        assert f"code needs {head_revision()}: run `finops-bot db upgrade`" in str(raised.value)
    finally:
        engine.dispose()


def test_an_older_revision_is_reported_with_its_name(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
        message = schema_status(engine).message()
        assert message.startswith("database schema is at 0000_older, code needs ")
    finally:
        engine.dispose()


def test_sqlite_connections_are_configured_for_concurrency(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_upgrade_logs_the_url_without_its_password(caplog: pytest.LogCaptureFixture, tmp_path) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.storage")
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert "upgraded to head" in caplog.text
    engine = make_engine("postgresql://finops:hunter2@db.invalid/bot")
    engine.dispose()
    assert "hunter2" not in caplog.text
    assert "finops:***@db.invalid" in caplog.text


def test_under_the_sqlite_write_lock_reads_and_writes_share_its_one_connection(tmp_path) -> None:
    # A second pooled connection taken under the lock could wait on threads that queue for the lock.
    from bot.storage.database import Database

    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    database = Database(engine)
    try:
        with database.write_lock():
            with database.write() as writing:
                writing.execute(text("SELECT 1"))
            with database.read() as reading:
                assert reading.execute(text("SELECT 1")).scalar() == 1
                assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
            with database.write() as writing_again:
                writing_again.execute(text("SELECT 1"))
        assert reading is writing and writing_again is writing
        with database.read() as outside:
            assert outside is not writing
    finally:
        engine.dispose()

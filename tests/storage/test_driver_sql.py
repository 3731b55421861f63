"""The intake's driver statements (``batch_sql.driver_execute``): the same errors and hooks as SQLAlchemy's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, exc

from bot.storage.batch_sql import batch_sql, driver_execute
from bot.storage.db import make_engine, upgrade


def test_a_driver_error_is_translated_and_handled_as_by_sqlalchemy(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    seen: list[str] = []

    @event.listens_for(engine, "handle_error")
    def on_error(context) -> None:  # type: ignore[no-untyped-def]
        seen.append(type(context.sqlalchemy_exception).__name__)

    is_postgres = engine.dialect.name == "postgresql"
    mark = "%s" if is_postgres else "?"
    now = batch_sql(is_postgres).stamp(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    insert = f"INSERT INTO processed_events (event_id, received_at) VALUES ({mark}, {mark}) RETURNING event_id"
    try:
        with engine.connect() as connection, connection.begin():
            assert driver_execute(connection, insert, ("Ev1", now)) == [("Ev1",)]
        with pytest.raises(exc.IntegrityError), engine.connect() as connection, connection.begin():
            driver_execute(connection, insert, ("Ev2", now))
            driver_execute(connection, insert, ("Ev2", now))  # the primary key again
        assert seen == ["IntegrityError"]
        with engine.connect() as connection:  # the failed transaction left nothing behind
            count = connection.exec_driver_sql("SELECT count(*) FROM processed_events WHERE event_id = 'Ev2'")
            assert count.scalar() == 0
    finally:
        engine.dispose()


def test_statements_go_through_sqlalchemy_when_something_listens_for_them(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    try:
        with engine.connect() as connection, connection.begin():
            rows = driver_execute(connection, "SELECT 1", ())
        assert [tuple(row) for row in rows] == [(1,)]
        assert "SELECT 1" in statements
    finally:
        engine.dispose()

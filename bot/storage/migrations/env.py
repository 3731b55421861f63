"""Alembic environment: run by ``bot.storage.db.upgrade`` (and plain ``alembic`` if ever needed).

The caller passes an open connection in ``config.attributes["connection"]``;
otherwise ``sqlalchemy.url`` from the config is used.
"""

from __future__ import annotations

from alembic import context

from bot.storage.db import make_engine
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=sqlite,
        compare_type=True,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # Batch mode drops the old table after copying it: with foreign keys enforced, dropping
    # routed_requests would delete every request's events (ON DELETE CASCADE) and unlink its deliveries.
    # SQLite only switches enforcement outside a transaction, so on the driver's connection, before
    # the migrations' transaction; the keys are checked once it is committed.
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        driver.execute("PRAGMA foreign_keys=ON")
    broken = driver.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `finops-bot db upgrade`")
run_online()

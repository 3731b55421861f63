"""Database fixtures: every test using them runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``FINOPS_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). The test session creates its own
throwaway database there (dropped at the end) and gives each test a fresh
schema inside it, so parallel runs and tests never see each other's rows.
When PostgreSQL is unreachable the PostgreSQL variants are skipped, except in
CI (env ``CI`` set), where they fail.

Loaded for the whole suite by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.storage.db import database_url as normalise_url
from bot.storage.db import make_engine, upgrade
from bot.storage.stores import Storage

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _admin_url() -> str:
    return normalise_url(os.environ.get("FINOPS_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session (SQLAlchemy URL)."""
    admin_url = _admin_url()
    shown = make_url(admin_url).render_as_string(hide_password=True)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"finops_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        reason = (
            f"PostgreSQL not reachable at {shown} ({type(error).__name__}); set FINOPS_TEST_POSTGRES_URL to run these"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables yet), as a SQLAlchemy URL, on each back end."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'finops-bot.db'}"
        return
    base_url = request.getfixturevalue("postgres_database_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Every connection made from this URL works inside the test's own schema.
    options = quote(f"-csearch_path={schema}")
    try:
        yield f"{base_url}?options={options}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def storage(migrated_engine: Engine) -> Storage:
    # Retries never wait in tests.
    return Storage.open(migrated_engine, sleep=lambda _seconds: None)

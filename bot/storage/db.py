"""Database URLs, engines and schema migrations.

SQLite is the embedded default; ``DATABASE_URL`` selects PostgreSQL. Nothing
here runs at import time: callers pass the URL they read from the environment.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.storage.batch_sql import driver_execute

log = logging.getLogger(__name__)

DEFAULT_SQLITE_PATH = "./finops-bot.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Long enough to ride out another process's write transaction (they are short).
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Execution option that makes a SQLite transaction take the write lock up front.
WRITE_TRANSACTION = "finops_write"


class DatabaseUrlError(ValueError):
    """``DATABASE_URL`` cannot be used; the message is one line saying what to set."""


class SchemaError(RuntimeError):
    """The database schema does not match what this code needs."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None  # None: an empty database
    head: str

    @property
    def is_current(self) -> bool:
        return self.current == self.head

    def message(self) -> str:
        if self.is_current:
            return f"database schema is at {self.head} (current)"
        return (
            f"database schema is at {self.current or 'nothing (empty database)'}, "
            f"code needs {self.head}: run `finops-bot db upgrade`"
        )


def database_url(value: str | None) -> str:
    """The SQLAlchemy URL for a ``DATABASE_URL`` value (None or empty: the SQLite default)."""
    value = (value or "").strip()
    if not value:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Heroku-style URLs name no driver; psycopg 3 is the one installed.
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def safe_url(url_or_engine: str | Engine) -> str:
    """The SQLAlchemy URL (driver included) with its password masked, for logs."""
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(database_url(url_or_engine))
    return _masked_query_password(url.render_as_string(hide_password=True))


def shown_url(value: str | None) -> str:
    """A ``DATABASE_URL`` value as its owner wrote it, password masked, for messages.

    Not the SQLAlchemy URL it becomes: whoever wrote ``postgresql://…`` looks for that, not for
    ``postgresql+psycopg://…``. Masked by hand rather than parsed, so a password that breaks URL
    parsing (an unencoded ``@`` or ``/``) is masked all the same: everything between the user name
    and the last ``@`` goes, and so does a ``password=`` in the query, which libpq also reads.
    """
    value = (value or "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    scheme, separator, rest = value.partition("://")
    at = rest.rfind("@")
    if separator and at >= 0 and ":" in rest[:at]:
        user = rest[:at].split(":", 1)[0]
        value = f"{scheme}://{user}:***@{rest[at + 1 :]}"
    return _masked_query_password(value)


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def _masked_query_password(url: str) -> str:
    return _QUERY_PASSWORD.sub(r"\1***", url)


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def driver_reason(error: Exception) -> str:
    """The first line of why the driver (or SQLAlchemy) failed: it names the host, the role or the
    missing table, never the password."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    return reason[0] if reason else type(error).__name__


def describe_database_error(error: Exception, url: str | None) -> str:
    """One line: which database (``url`` as written, password masked) and the driver's first line of why."""
    return (
        f"database {shown_url(url)} unreachable: {driver_reason(error)}; check DATABASE_URL and that the server is up"
    )


def sqlite_file_missing(url: str | None) -> Path | None:
    """The SQLite file a URL names when it does not exist yet (connecting would create it empty)."""
    parsed = parsed_url(database_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


_USE = "use postgresql://user:password@host:5432/name or sqlite:///path/to/finops-bot.db"


def parsed_url(url: str) -> URL:
    """``make_url``, with every way a value fails to be a usable URL said as ``DatabaseUrlError``.

    The message never repeats the value, which may hold the password. An unencoded '@' in the password
    is caught here: the URL parses, with the password's end taken for the host, and the driver's
    "failed to resolve host 'ter2@db'" then printed that part of the password.
    """
    user_info = url.partition("://")[2].split("?", 1)[0].rpartition("@")[0]
    if "@" in user_info.partition(":")[2]:  # not in the user name: Azure's are user@server
        raise DatabaseUrlError(
            "DATABASE_URL: the password holds an '@', which ends a password in a URL: URL-encode it "
            "('@' is %40, ':' %3A, '/' %2F)"
        )
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseUrlError(f"DATABASE_URL is not usable ({str(error).splitlines()[0]}): {_USE}") from None
    except ValueError:  # SQLAlchemy's int() of the port: "invalid literal for int() with base 10"
        raise DatabaseUrlError(f"DATABASE_URL is not usable (its port is not a number): {_USE}") from None
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        # Said before any driver is imported: naming the missing MySQL driver suggested installing it would do.
        raise DatabaseUrlError(
            f"DATABASE_URL is not usable: it is for {backend}, and finops-bot supports only PostgreSQL and SQLite: "
            f"{_USE}"
        )
    if backend == "sqlite" and parsed.host:
        # sqlite://rel.db reads "rel.db" as a host; SQLAlchemy said only "Invalid SQLite URL".
        path = parsed.host + (f"/{parsed.database}" if parsed.database else "")
        raise DatabaseUrlError(
            f"DATABASE_URL: a SQLite URL has three slashes before the path: use sqlite:///{path} for a file "
            "relative to the working directory, sqlite:////abs/path.db for an absolute path"
        )
    return parsed


# The pip package that provides each DBAPI module SQLAlchemy may ask for; the
# message names it, since the module name (MySQLdb) rarely is the package's.
_DRIVER_PACKAGES = {
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
}


def _missing_driver(url: URL, error: ImportError) -> str:
    module = (error.name or "").split(".")[0]
    package = _DRIVER_PACKAGES.get(module, module or "its driver")
    # Only PostgreSQL gets here (parsed_url refuses other databases) with a driver other than psycopg 3.
    return (
        f"DATABASE_URL asks for the {url.get_driver_name()} driver, which is not installed: "
        f"`pip install {package}`, or write postgresql://… to use psycopg 3, which finops-bot installs"
    )


# JSON columns are written without the spaces json.dumps puts after separators
# (a reply's Block Kit payload is ~2.5 KB of it); they read back the same.
_compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine configured for the bot's concurrency: server threads, several processes.

    Raises ``DatabaseUrlError`` for a URL SQLAlchemy cannot parse or whose driver is not installed.
    """
    parsed = parsed_url(database_url(url))
    try:
        # The dialect imports its driver (DBAPI) only here, so a missing one surfaces now, not mid-request.
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError) as error:
        raise DatabaseUrlError(f"DATABASE_URL is not usable ({str(error).splitlines()[0]}): {_USE}") from None
    except ImportError as error:
        raise DatabaseUrlError(_missing_driver(parsed, error)) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            json_serializer=_compact_json,
            # The server's threads share the pool; each connection is used by one thread at a time.
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=8,
            max_overflow=8,
        )
        _configure_sqlite(engine)
    else:
        # Sized for a worker's threads (8 serving, 4 relay senders, the poller).
        # Pre-ping costs a round trip per checkout, but reads are not retried
        # like writes, so a connection the server dropped must be caught here.
        engine = create_engine(
            parsed, echo=echo, json_serializer=_compact_json, pool_pre_ping=True, pool_size=10, max_overflow=6
        )
        if engine.dialect.driver == "psycopg":
            engine.dialect.do_ping = _ping_outside_a_transaction  # type: ignore[method-assign]
    log.debug("database engine for %s", safe_url(engine))
    return engine


def _ping_outside_a_transaction(dbapi_connection: Any) -> bool:
    """The pool's pre-ping on psycopg, without opening a transaction.

    psycopg sends a BEGIN (a round trip of its own) before any statement outside autocommit, so
    SQLAlchemy's ping left each checked-out connection in a transaction: two round trips, and a
    transaction even for a statement that needs none (the intake's one-statement batch runs
    autocommitted, ``BatchSql.record_routed``). A connection checked in is idle (the pool rolls it
    back), so switching autocommit costs nothing; a broken one fails here as SQLAlchemy's ping does.
    """
    # Idle unless something left it mid-transaction, where autocommit cannot be switched: ping in it as is.
    switch = not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == 0  # idle
    if switch:
        dbapi_connection.autocommit = True
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(";")
        finally:
            cursor.close()
    finally:
        if switch and not dbapi_connection.closed:
            dbapi_connection.autocommit = False
    return True


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 module so BEGIN is ours (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def on_error(context) -> None:
        # SQLite opens a file it may not write read-only, and such a connection stays read-only
        # after the file becomes writable: treat the error as a lost connection, so the pool is
        # emptied and the next attempt opens the file afresh (and writes, once it can).
        if "readonly database" in str(context.original_exception):
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = True

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A write transaction that starts as a reader cannot upgrade its WAL snapshot
        # once another writer has committed (SQLITE_BUSY, no waiting). Taking the
        # write lock at BEGIN makes writers queue on busy_timeout instead.
        # On the driver's cursor: SQLAlchemy's execution machinery cost as much as the BEGIN itself.
        statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_TRANSACTION) else "BEGIN"
        driver_execute(connection, statement, (), fetch=False)


def alembic_config(url: str | None = None) -> Config:
    """Alembic configured from the package itself, so no alembic.ini is looked up."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation would eat a '%' in a password.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``alembic upgrade head``)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    log.info("database %s upgraded to %s", safe_url(engine), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def schema_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaStatus(current=current, head=head_revision())


def schema_is_current(engine: Engine) -> bool:
    return schema_status(engine).is_current


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaError`` with what to run when the schema is outdated (``serve`` start-up)."""
    status = schema_status(engine)
    if not status.is_current:
        raise SchemaError(status.message())

"""Digest rollups: per-hour and per-day request counts, stored times to acknowledge, two digest indexes.

The weekly digest read every request of two weeks plus every unclosed request;
these small tables, kept current by the store in the same transactions that
change requests, let it sum a few thousand rows instead. The upgrade fills them
from the requests already stored.

Revision ID: 0002_digest_rollups
Revises: 0001_initial
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_digest_rollups"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _whole_units_since_epoch(column: str, dialect: str, seconds: int) -> str:
    if dialect == "sqlite":
        # Timestamps are naive UTC text there, which strftime('%s') reads as UTC. The
        # fraction is cut off first: SQLite would round 10:59:59.9999 up to 11:00.
        return f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) / {seconds})"
    return f"CAST(floor(extract(epoch FROM {column}) / {seconds}) AS INTEGER)"


def backfill_statements(dialect: str) -> list[str]:
    """SQL that fills both rollups from ``routed_requests`` (run on empty rollups).

    Also used by ``bench/bench_storage.py`` after bulk-loading requests, and by
    the tests that check the store's incremental upkeep against it.
    """
    hour = lambda column: _whole_units_since_epoch(column, dialect, 3600)  # noqa: E731
    day = lambda column: _whole_units_since_epoch(column, dialect, 86400)  # noqa: E731
    hourly = f"""
        INSERT INTO digest_hourly (hour, primary_persona, topic, routed, with_amount, acknowledged, resolved, closed)
        SELECT hour, primary_persona, topic, sum(routed), sum(with_amount), sum(acknowledged), sum(resolved), sum(closed)
        FROM (
            SELECT {hour("created_at")} AS hour, primary_persona, coalesce(primary_topic, '') AS topic,
                   1 AS routed, CASE WHEN amount_usd IS NOT NULL THEN 1 ELSE 0 END AS with_amount,
                   0 AS acknowledged, 0 AS resolved, 0 AS closed
            FROM routed_requests
            UNION ALL
            SELECT {hour("acknowledged_at")}, primary_persona, coalesce(primary_topic, ''), 0, 0, 1, 0, 0
            FROM routed_requests WHERE acknowledged_at IS NOT NULL
            UNION ALL
            SELECT {hour("closed_at")}, primary_persona, coalesce(primary_topic, ''),
                   0, 0, 0, CASE WHEN status = 'resolved' THEN 1 ELSE 0 END, 1
            FROM routed_requests WHERE closed_at IS NOT NULL
        ) AS events
        GROUP BY hour, primary_persona, topic
    """
    daily = f"""
        INSERT INTO digest_daily (day, primary_persona, routed, closed)
        SELECT day, primary_persona, sum(routed), sum(closed)
        FROM (
            SELECT {day("created_at")} AS day, primary_persona, 1 AS routed, 0 AS closed FROM routed_requests
            UNION ALL
            SELECT {day("closed_at")}, primary_persona, 0, 1 FROM routed_requests WHERE closed_at IS NOT NULL
        ) AS events
        GROUP BY day, primary_persona
    """
    return [hourly, daily]


def _ack_seconds(dialect: str) -> str:
    """Exact seconds from creation to acknowledgement: whole microseconds over 10^6, as Python computes them."""
    if dialect == "sqlite":

        def micros(column: str) -> str:
            return (
                f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
                f" + CAST(substr({column} || '.000000', 21, 6) AS INTEGER))"
            )

        return f"({micros('acknowledged_at')} - {micros('created_at')}) / 1000000.0"
    return "CAST(extract(epoch FROM acknowledged_at - created_at) AS DOUBLE PRECISION)"


def upgrade() -> None:
    op.create_table(
        "digest_hourly",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("primary_persona", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("routed", sa.Integer(), nullable=False),
        sa.Column("with_amount", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "primary_persona", "topic", name=op.f("pk_digest_hourly")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "digest_daily",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("primary_persona", sa.String(length=64), nullable=False),
        sa.Column("routed", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "primary_persona", name=op.f("pk_digest_daily")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_routed_requests_persona_amount", "routed_requests", ["primary_persona", "amount_usd", "created_at", "id"]
    )
    op.add_column("routed_requests", sa.Column("ack_seconds", sa.Float(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(f"UPDATE routed_requests SET ack_seconds = {_ack_seconds(dialect)} WHERE acknowledged_at IS NOT NULL")
    op.create_index(
        "ix_routed_requests_persona_ack_seconds",
        "routed_requests",
        ["primary_persona", "acknowledged_at", "ack_seconds"],
    )
    for statement in backfill_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_routed_requests_persona_ack_seconds", table_name="routed_requests")
    with op.batch_alter_table("routed_requests") as batch:
        batch.drop_column("ack_seconds")
    op.drop_index("ix_routed_requests_persona_amount", table_name="routed_requests")
    op.drop_table("digest_daily")
    op.drop_table("digest_hourly")

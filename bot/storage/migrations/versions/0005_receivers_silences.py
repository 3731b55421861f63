"""Silences and the alerts they muted.

Revision ID: 0005_receivers_silences
Revises: 0002_digest_rollups (relinked after the other 0003/0004 revisions when merged)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_receivers_silences"
down_revision = "0002_digest_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_silences"),
    )
    op.create_index("ix_silences_expires_at", "silences", ["expires_at"])
    op.create_table(
        "muted_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("silence_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("excerpt", sa.String(length=500), nullable=False),
        sa.Column("amount_usd", sa.Float(), nullable=True),
        sa.Column("fingerprint", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["silence_id"], ["silences.id"], name="fk_muted_alerts_silence_id_silences"),
        sa.PrimaryKeyConstraint("id", name="pk_muted_alerts"),
        sa.UniqueConstraint("key", name="uq_muted_alerts_key"),
    )
    op.create_index("ix_muted_alerts_silence_id", "muted_alerts", ["silence_id"])
    op.create_index("ix_muted_alerts_at", "muted_alerts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_muted_alerts_at", table_name="muted_alerts")
    op.drop_index("ix_muted_alerts_silence_id", table_name="muted_alerts")
    op.drop_table("muted_alerts")
    op.drop_index("ix_silences_expires_at", table_name="silences")
    op.drop_table("silences")

"""Retention: sent deliveries are found by when they were sent, through a partial index.

``bot.storage.retention.prune`` deletes deliveries sent more than a
configurable time ago. The partial index holds only sent rows, so the prune
finds them without reading the outbox's pending rows, and the index stays as
small as the retention period.

Revision ID: 0005_retention
Revises: 0004_reliability
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_retention"
down_revision = "0004_reliability"
branch_labels = None
depends_on = None

SENT = "status = 'sent'"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_sent_at", "deliveries", ["sent_at"], sqlite_where=sa.text(SENT), postgresql_where=sa.text(SENT)
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_sent_at", table_name="deliveries")

"""The team owning a request's scope (owners.yaml), and the scope that matched.

Both nullable: requests routed before, or with no owning team, have none.

Revision ID: 0003_owning_team
Revises: 0004_reliability (the head of main when this branch merged it; the
chain there is 0002 -> 0005 -> 0004, so this follows it to keep one head)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_owning_team"
down_revision = "0004_reliability"  # follows main's head to keep one head
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routed_requests") as batch:
        batch.add_column(sa.Column("team", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("team_scope", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routed_requests") as batch:
        batch.drop_column("team_scope")
        batch.drop_column("team")

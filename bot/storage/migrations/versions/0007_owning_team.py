"""The team owning a request's scope (owners.yaml), and the scope that matched.

Both nullable: requests routed before, or with no owning team, have none.

Revision ID: 0007_owning_team
Revises: 0006_packed_payloads
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_owning_team"
down_revision = "0006_packed_payloads"
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

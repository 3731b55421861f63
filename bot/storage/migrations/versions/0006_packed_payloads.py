"""Outbox payloads stored packed: compact JSON, zlib-compressed, in a binary column.

A reply's payload is ~2.5 KB of Block Kit JSON, written once per routed event
(and again per update); packed it is ~0.8 KB, so the outbox and the write-ahead
log carry a third of the bytes. Rows already stored keep their JSON, as bytes
(PostgreSQL) or text (SQLite): ``models.unpack_payload`` reads both.

Revision ID: 0006_packed_payloads
Revises: 0005_retention
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_packed_payloads"
down_revision = "0005_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries ALTER COLUMN payload TYPE bytea USING convert_to(payload::text, 'UTF8')")
        return
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("payload", existing_type=sa.JSON(), type_=sa.LargeBinary(), existing_nullable=False)


def downgrade() -> None:
    # Packed rows cannot be unpacked in SQL: pending ones would be unreadable as JSON.
    raise NotImplementedError("0006_packed_payloads cannot be downgraded; restore a backup taken before upgrading")

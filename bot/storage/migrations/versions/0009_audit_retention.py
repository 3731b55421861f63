"""The audit trail's retention: routing corrections indexed by request.

Deleting a request pruned after its period (``bot.storage.retention``) sets
the request of its routing corrections to NULL (the foreign key's ON DELETE
SET NULL); without an index on ``routing_feedback.request_id`` each deleted
request would scan the whole corrections table, inside the prune's write
transaction.

Revision ID: 0009_audit_retention
Revises: 0008_storage_size
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0009_audit_retention"
down_revision = "0008_storage_size"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_routing_feedback_request_id", "routing_feedback", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_routing_feedback_request_id", table_name="routing_feedback")

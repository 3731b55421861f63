"""Reliability (issue 11): longer request-event actors, and messages held until channel names are known.

- ``request_events.actor`` holds the name of the app a routed message came from; 64 characters
  refused some bot names on PostgreSQL (the message was then never routed). Now 255, like
  ``routed_requests.source_name``, and the intake cuts longer names to that deliberately.
- ``held_messages``: a message from a channel the bot could not yet tell watched or not, because
  Slack failed to list the channels; routed or dropped once the names are known.

Revision ID: 0004_reliability
Revises: 0005_receivers_silences (0002_digest_rollups as briefed; main had put 0005 on 0002, so this follows it to keep one head. The lead relinks the chain at merge)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_reliability"
down_revision = "0005_receivers_silences"  # was 0002_digest_rollups; main put 0005 on 0002 first
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_events") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=64), type_=sa.String(length=255))
    op.create_table(
        "held_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_messages")),
        sa.UniqueConstraint("event_id", name=op.f("uq_held_messages_event_id")),
    )


def downgrade() -> None:
    op.drop_table("held_messages")
    with op.batch_alter_table("request_events") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=255), type_=sa.String(length=64))

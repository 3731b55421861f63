"""Initial schema: routed requests, their events, the outbox, processed events, feedback, schedule claims.

Revision ID: 0001_initial
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_index("ix_processed_events_received_at", "processed_events", ["received_at"])

    op.create_table(
        "routed_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("reply_ts", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=True),
        sa.Column("excerpt", sa.String(length=500), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("primary_topic", sa.String(length=64), nullable=True),
        sa.Column("personas", sa.JSON(), nullable=False),
        sa.Column("primary_persona", sa.String(length=64), nullable=False),
        sa.Column("amount_usd", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fingerprint", sa.String(length=128), nullable=True),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_by", sa.String(length=64), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_windows", sa.Integer(), nullable=False),
        sa.Column("next_nudge_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routed_requests")),
        sa.UniqueConstraint(
            "workspace", "channel_id", "message_ts", name=op.f("uq_routed_requests_workspace_channel_id_message_ts")
        ),
    )
    op.create_index(
        "ix_routed_requests_acknowledged_at", "routed_requests", ["acknowledged_at", "primary_persona", "created_at"]
    )
    op.create_index(
        "ix_routed_requests_closed_at", "routed_requests", ["closed_at", "primary_persona", "status", "created_at"]
    )
    op.create_index(
        "ix_routed_requests_created_at",
        "routed_requests",
        ["created_at", "primary_persona", "primary_topic", "amount_usd", "id"],
    )
    op.create_index("ix_routed_requests_fingerprint_created_at", "routed_requests", ["fingerprint", "created_at"])
    op.create_index("ix_routed_requests_next_nudge_at", "routed_requests", ["next_nudge_at"])
    op.create_index(
        "ix_routed_requests_persona_status_created_at", "routed_requests", ["primary_persona", "status", "created_at"]
    )
    op.create_index(
        "ix_routed_requests_status_created_at", "routed_requests", ["status", "created_at", "primary_persona"]
    )

    op.create_table(
        "schedule_claims",
        sa.Column("schedule_id", sa.String(length=255), nullable=False),
        sa.Column("fire_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", "fire_time", name=op.f("pk_schedule_claims")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["routed_requests.id"],
            name=op.f("fk_deliveries_request_id_routed_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_deliveries_dedup_key")),
    )
    op.create_index("ix_deliveries_request_id", "deliveries", ["request_id"])
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"])

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["routed_requests.id"],
            name=op.f("fk_request_events_request_id_routed_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index("ix_request_events_at", "request_events", ["at"])
    op.create_index("ix_request_events_request_id", "request_events", ["request_id"])

    op.create_table(
        "routing_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_persona", sa.String(length=64), nullable=True),
        sa.Column("to_persona", sa.String(length=64), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("matched_terms", sa.JSON(), nullable=False),
        sa.Column("excerpt", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["routed_requests.id"],
            name=op.f("fk_routing_feedback_request_id_routed_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_feedback")),
    )
    op.create_index("ix_routing_feedback_at", "routing_feedback", ["at"])


def downgrade() -> None:
    op.drop_index("ix_routing_feedback_at", table_name="routing_feedback")
    op.drop_table("routing_feedback")
    op.drop_index("ix_request_events_request_id", table_name="request_events")
    op.drop_index("ix_request_events_at", table_name="request_events")
    op.drop_table("request_events")
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    op.drop_index("ix_deliveries_request_id", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("schedule_claims")
    op.drop_index("ix_routed_requests_status_created_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_persona_status_created_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_next_nudge_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_fingerprint_created_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_created_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_closed_at", table_name="routed_requests")
    op.drop_index("ix_routed_requests_acknowledged_at", table_name="routed_requests")
    op.drop_table("routed_requests")
    op.drop_index("ix_processed_events_received_at", table_name="processed_events")
    op.drop_table("processed_events")

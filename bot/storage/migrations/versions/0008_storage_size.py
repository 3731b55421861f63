"""Smaller per routed event: partial indexes, packed explanations, no thread ts copy, no sent payloads.

Measured per routed event (bench/storage_per_event.py), most of a request's
bytes were its indexes, and most index entries were rows no query could
match: closed requests in the unclosed-requests index, NULLs in the nudge,
fingerprint, amount and acknowledgement indexes. Each of those indexes now
holds only the rows its queries read. ``request_events.at`` loses its index
(only ``export`` reads events by time); ``routed_requests.thread_ts`` went,
being always the message's own ts (never read); a sent delivery's payload is
dropped when it is marked sent (the message is in Slack), and the ones
already sent are emptied here. A request's explanation and personas, and
an event's detail, are stored packed with a preset dictionary
(``bot.storage.packing``).

Revision ID: 0008_storage_size
Revises: 0007_owning_team
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_storage_size"
down_revision = "0007_owning_team"
branch_labels = None
depends_on = None

# (name, columns, condition): the routed_requests indexes made partial.
PARTIAL = (
    (
        "ix_routed_requests_persona_status_created_at",
        ["primary_persona", "status", "created_at"],
        "closed_at IS NULL",
    ),
    ("ix_routed_requests_status_created_at", ["status", "created_at", "primary_persona"], "closed_at IS NULL"),
    (
        "ix_routed_requests_acknowledged_at",
        ["acknowledged_at", "primary_persona", "created_at", "ack_seconds"],
        "acknowledged_at IS NOT NULL",
    ),
    (
        "ix_routed_requests_closed_at",
        ["closed_at", "primary_persona", "status", "created_at"],
        "closed_at IS NOT NULL",
    ),
    ("ix_routed_requests_next_nudge_at", ["next_nudge_at"], "next_nudge_at IS NOT NULL"),
    ("ix_routed_requests_fingerprint_created_at", ["fingerprint", "created_at"], "fingerprint IS NOT NULL"),
    (
        "ix_routed_requests_persona_amount",
        ["primary_persona", "amount_usd", "created_at", "id"],
        "amount_usd IS NOT NULL",
    ),
)


def upgrade() -> None:
    # The table rewrites (SQLite's batch mode copies the table) first, the partial indexes after them.
    # Explanations and personas already stored stay as they are (text; JSON text), which the packed
    # types read: packing needs Python, and rewriting every stored request is not worth an upgrade's time.
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "ALTER TABLE routed_requests"
            " ALTER COLUMN explanation TYPE bytea USING convert_to(explanation, 'UTF8'),"
            " ALTER COLUMN personas TYPE bytea USING convert_to(personas::text, 'UTF8')"
        )
    with op.batch_alter_table("routed_requests") as batch:
        batch.drop_column("thread_ts")
        if not postgres:
            batch.alter_column("explanation", existing_type=sa.Text(), type_=sa.LargeBinary(), existing_nullable=False)
            batch.alter_column("personas", existing_type=sa.JSON(), type_=sa.LargeBinary(), existing_nullable=False)
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("payload", existing_type=sa.LargeBinary(), existing_nullable=False, nullable=True)
    op.execute("UPDATE deliveries SET payload = NULL WHERE status = 'sent'")
    for name, columns, condition in PARTIAL:
        op.drop_index(name, table_name="routed_requests")
        op.create_index(
            name, "routed_requests", columns, sqlite_where=sa.text(condition), postgresql_where=sa.text(condition)
        )
    op.drop_index("ix_request_events_at", table_name="request_events")
    # The digest's medians read the acknowledgement index, which now holds the times to acknowledge.
    op.drop_index("ix_routed_requests_persona_ack_seconds", table_name="routed_requests")
    op.execute("UPDATE request_events SET detail = NULL WHERE detail IS NOT NULL AND CAST(detail AS TEXT) = 'null'")
    if postgres:
        op.execute("ALTER TABLE request_events ALTER COLUMN detail TYPE bytea USING convert_to(detail::text, 'UTF8')")
    else:
        with op.batch_alter_table("request_events") as batch:
            batch.alter_column("detail", existing_type=sa.JSON(), type_=sa.LargeBinary(), existing_nullable=True)


def downgrade() -> None:
    # Packed explanations and personas cannot be unpacked in SQL, and sent payloads are gone.
    raise NotImplementedError("0008_storage_size cannot be downgraded; restore a backup taken before upgrading")

"""What operators ask of the outbox: how far behind it is, what failed and why, and sending again.

Read by ``/readyz``, ``/metrics``, ``finops-bot deliveries`` and the digest's
footer; ``requeue`` is the one write (``deliveries retry``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, update

from bot.domain.deliveries import FAILED, PENDING
from bot.domain.slack_errors import PERMANENT_ERRORS, Refusal
from bot.storage.models import Delivery

__all__ = ["FAILED", "PENDING", "list_deliveries", "outbox_lag", "permanent_failures", "requeue"]


LINE_COLUMNS = (
    Delivery.id,
    Delivery.kind,
    Delivery.method,
    Delivery.status,
    Delivery.attempts,
    Delivery.last_error,
    Delivery.payload,
    Delivery.created_at,
    Delivery.next_attempt_at,
)


@dataclass(frozen=True)
class OutboxLag:
    pending: int
    oldest_pending_at: dt.datetime | None

    def oldest_age_seconds(self, now: dt.datetime) -> float:
        return max(0.0, (now - self.oldest_pending_at).total_seconds()) if self.oldest_pending_at else 0.0


@dataclass(frozen=True)
class DeliveryLine:
    id: int
    kind: str
    method: str
    status: str
    attempts: int
    error: str | None
    channel: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "channel": self.channel,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat(),
        }


def outbox_lag(engine: Engine) -> OutboxLag:
    """Pending deliveries and when the oldest was written (one indexed query)."""
    with engine.connect() as connection:
        count, oldest = connection.execute(
            select(func.count(Delivery.id), func.min(Delivery.created_at)).where(Delivery.status == PENDING)
        ).one()
    if isinstance(oldest, str):  # SQLite's min() bypasses the column type
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return OutboxLag(int(count or 0), oldest)


def list_deliveries(engine: Engine, statuses: Sequence[str], limit: int = 200) -> list[DeliveryLine]:
    """Deliveries in these states, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*LINE_COLUMNS).where(Delivery.status.in_(list(statuses))).order_by(Delivery.id).limit(limit)
        ).all()
    return [_line(row) for row in rows]


def permanent_failures(engine: Engine, since: dt.datetime | None = None) -> list[Refusal]:
    """Failed deliveries whose Slack error retrying cannot fix, grouped by error and channel."""
    query = select(Delivery.last_error, Delivery.payload).where(
        Delivery.status == FAILED, Delivery.last_error.in_(sorted(PERMANENT_ERRORS))
    )
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    counts: dict[tuple[str, str | None], int] = {}
    with engine.connect() as connection:
        for error, payload in connection.execute(query):
            channel = payload.get("channel") if isinstance(payload, dict) else None
            key = (error, channel if isinstance(channel, str) else None)
            counts[key] = counts.get(key, 0) + 1
    return [Refusal(error, channel, count) for (error, channel), count in sorted(counts.items())]


def requeue(engine: Engine, ids: Sequence[int] | None, now: dt.datetime) -> list[int]:
    """Put failed deliveries (these ids, or all when None) back in the outbox, due now. Returns the ids."""
    with engine.begin() as connection:
        query = select(Delivery.id).where(Delivery.status == FAILED)
        if ids is not None:
            query = query.where(Delivery.id.in_(list(ids)))
        chosen = [row[0] for row in connection.execute(query.order_by(Delivery.id))]
        if chosen:
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_(chosen), Delivery.status == FAILED)
                .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
            )
    return chosen


def _line(row: Any) -> DeliveryLine:
    payload = row.payload if isinstance(row.payload, dict) else {}
    channel = payload.get("channel")
    return DeliveryLine(
        id=row.id,
        kind=row.kind,
        method=row.method,
        status=row.status,
        attempts=row.attempts,
        error=row.last_error,
        channel=channel if isinstance(channel, str) else None,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
    )

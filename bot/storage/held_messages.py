"""Messages held until the bot can tell whether their channel is watched (issue 11, item 1).

When Slack fails to list channels, a message from a channel id the bot cannot
match to a watched name is neither routed nor dropped: it is stored here, the
event is acknowledged, and once the names are known the intake routes it (its
channel turned out watched) or forgets it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

from sqlalchemy import delete, select

from bot.domain.clock import as_utc
from bot.domain.inputs import IncomingMessage
from bot.storage.database import Database
from bot.storage.models import held_messages


class HeldMessages:
    def __init__(self, database: Database) -> None:
        self._db = database

    def hold(self, message: IncomingMessage, now: dt.datetime) -> bool:
        """Keep ``message`` for later; False when this event is held already (Slack's retry)."""
        now = as_utc(now)
        values = {
            "event_id": message.event_id,
            "channel_id": message.channel_id,
            "message": {**dataclasses.asdict(message), "message": dict(message.message)},
            "received_at": now,
        }

        def attempt() -> bool:
            with self._db.write() as connection:
                return self._db.insert_ignoring_conflict(connection, held_messages, values)

        return self._db.retrying(attempt, "hold a message")

    def held(self, limit: int = 100) -> list[tuple[int, IncomingMessage]]:
        """The oldest held messages, with the id to ``forget`` each by."""
        with self._db.read() as connection:
            rows = connection.execute(
                select(held_messages.c.id, held_messages.c.message).order_by(held_messages.c.id).limit(limit)
            ).all()
        return [(row.id, IncomingMessage(**row.message)) for row in rows]

    def forget(self, ids: Collection[int]) -> None:
        if not ids:
            return

        def attempt() -> None:
            with self._db.write() as connection:
                connection.execute(delete(held_messages).where(held_messages.c.id.in_(list(ids))))

        self._db.retrying(attempt, "forget held messages")

    def count(self) -> int:
        with self._db.read() as connection:
            return len(connection.execute(select(held_messages.c.id)).all())

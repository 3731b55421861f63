"""Small builders for storage tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import Engine, event, exc

from bot.domain.deliveries import NewDelivery
from bot.domain.requests import NewRequest
from bot.storage.db import make_engine

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

_ts = itertools.count(1)


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=days, hours=hours, minutes=minutes)


def new_request(**overrides: Any) -> NewRequest:
    values: dict[str, Any] = dict(
        workspace="T1",
        channel_id="C1",
        message_ts=f"1700000000.{next(_ts):06d}",
        source="person",
        source_name="U1",
        excerpt="Why did our AWS bill jump 40% this month?",
        topics=["anomaly"],
        primary_topic="anomaly",
        personas={"responsible": ["finops-practitioner"], "accountable": ["leadership"]},
        primary_persona="finops-practitioner",
        amount_usd=1200.0,
        explanation="matched 'bill jump'",
        confidence=0.9,
        matched_terms=["bill", "jump"],
    )
    values.update(overrides)
    return NewRequest(**values)


def reply_for(request_id: int, channel: str = "C1", thread_ts: str = "1.0") -> NewDelivery:
    return NewDelivery(
        kind="reply",
        method="chat.postMessage",
        payload={"channel": channel, "thread_ts": thread_ts, "text": f"request {request_id}"},
    )


def run_racing(threads: list, engines: list) -> None:
    """Start racing threads together, wait for them, then close the engines they used."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()


def unreachable_for(
    database_url: str, table: str, failures: int | None = None, reason: str = "no route to host"
) -> Engine:
    """An engine whose statements on ``table`` fail as if the server dropped the connection.

    ``failures``: how many fail before the database is back; None: all of them.
    """
    engine = make_engine(database_url)
    left = [failures]

    @event.listens_for(engine, "before_cursor_execute")
    def drop_connection(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if table in statement and (left[0] is None or left[0] > 0):
            if left[0] is not None:
                left[0] -= 1
            raise exc.OperationalError(statement, parameters, ConnectionError(reason))

    return engine

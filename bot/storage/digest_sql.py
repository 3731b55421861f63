"""SQL pieces the digest queries share: an index-hinted requests alias, one-round-trip unions, request refs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Alias

from bot.domain.digest import RequestRef
from bot.storage.models import routed_requests


class _IndexedBy(Alias):
    """The requests table read through one named index (``INDEXED BY`` on SQLite).

    With ANALYZE statistics SQLite prefers skip-scanning the low-cardinality
    (persona, status, created_at) index plus a table lookup per row over an
    index-only range scan, which is many times slower for the digest's week
    slices. PostgreSQL plans these well by itself and sees a plain alias.
    """

    inherit_cache = True


@compiles(_IndexedBy, "sqlite")
def _indexed_by_sqlite(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_alias(element, **kw)
    if kw.get("asfrom"):
        text += f" INDEXED BY {element.name.removeprefix('by_')}"
    return text


def requests_by(index: str) -> Any:
    return _IndexedBy._construct(routed_requests, name=f"by_{index}")


def in_one_round_trip(connection: Connection, parts: Sequence[Any]) -> Sequence[Any]:
    """The rows of several small ordered, limited selects, fetched with one statement.

    The digest asks the same short question of every persona; one UNION ALL
    saves a round trip (and a statement's overhead) per persona. Rows come
    back in no particular order: callers sort them.
    """
    if not parts:
        return []
    subqueries = [part.subquery() for part in parts]
    return connection.execute(union_all(*(select(*subquery.c) for subquery in subqueries))).all()


REF_COLUMNS = (
    routed_requests.c.id,
    routed_requests.c.channel_id,
    routed_requests.c.message_ts,
    routed_requests.c.created_at,
    routed_requests.c.primary_topic,
    routed_requests.c.amount_usd,
    routed_requests.c.excerpt,
    routed_requests.c.status,
    routed_requests.c.team,
    routed_requests.c.reply_ts,
)


def request_ref(row: Any) -> RequestRef:
    return RequestRef(
        request_id=row.id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        opened_at=row.created_at,
        topic=row.primary_topic,
        amount_usd=row.amount_usd,
        excerpt=row.excerpt,
        status=row.status,
        team=row.team,
        reply_ts=row.reply_ts,
    )

"""Routed requests after intake: button presses, nudges, queries, feedback and the audit export.

What a press does is decided by ``bot.domain.lifecycle.transition``; here the
request is loaded FOR UPDATE and its decision written, in one transaction.
The helpers taking a ``connection`` read and write request rows inside another
store's transaction (intake's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from bot.domain import lifecycle
from bot.domain.clock import as_utc
from bot.domain.deliveries import NewDelivery
from bot.domain.feedback import FeedbackRow
from bot.domain.requests import AWAITING_ACK, UNCLOSED, Action, ActionResult, RecordResult, RequestView, RoutedDetail
from bot.storage.database import Database, Statements, claim_event, view
from bot.storage.models import request_events, routed_requests, routing_feedback
from bot.storage.outbox import enqueue_in
from bot.storage.rollups import RollupChanges


def request_by_id(connection: Connection, request_id: int) -> RequestView | None:
    row = connection.execute(select(routed_requests).where(routed_requests.c.id == request_id)).first()
    return view(RequestView, row) if row else None


def request_by_message(connection: Connection, workspace: str, channel_id: str, message_ts: str) -> RequestView | None:
    row = connection.execute(
        select(routed_requests).where(
            routed_requests.c.workspace == workspace,
            routed_requests.c.channel_id == channel_id,
            routed_requests.c.message_ts == message_ts,
        )
    ).first()
    return view(RequestView, row) if row else None


def add_event(
    connection: Connection,
    sql: Statements,
    request_id: int,
    action: str,
    from_status: str | None,
    to_status: str | None,
    actor: str | None,
    at: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    connection.execute(
        sql.insert_event,
        {
            "request_id": request_id,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "actor": actor,
            "at": at,
            "detail": detail,
        },
    )


def unclosed_with_fingerprint(
    connection: Connection, fingerprint: str, since: dt.datetime | None = None, *, latest: bool = False
) -> RequestView | None:
    """The earliest (or ``latest``) unclosed request of this alert (its fingerprint) created since
    ``since``, locked for update."""
    query = select(routed_requests).where(
        routed_requests.c.fingerprint == fingerprint, routed_requests.c.status.in_(UNCLOSED)
    )
    if since is not None:
        query = query.where(routed_requests.c.created_at >= since)
    order = (
        (routed_requests.c.created_at.desc(), routed_requests.c.id.desc())
        if latest
        else (
            routed_requests.c.created_at,
            routed_requests.c.id,
        )
    )
    row = connection.execute(query.order_by(*order).limit(1).with_for_update()).first()
    return view(RequestView, row) if row else None


class RequestStore:
    """Requests once routed: the lifecycle, nudges and what is read back."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- the lifecycle

    def apply_action(
        self,
        request_id: int,
        action: Action,
        actor: str,
        now: dt.datetime,
        *,
        to_persona: str | None = None,
        allowed: bool = True,
        next_nudge_at: dt.datetime | None = None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None = None,
    ) -> ActionResult:
        """Apply a button press, exactly once even when pressed twice or concurrently.

        What the press does is ``bot.domain.lifecycle.transition``'s decision
        (take, reassign, not_a_request, resolve; replays; refusals), written
        here with its event, rollup changes and routing feedback.
        ``allowed=False`` (the caller's permission check failed) changes nothing.
        ``update_reply`` builds the in-place update of the bot's reply from the
        changed request; it is enqueued in the same transaction.
        """
        now = as_utc(now)
        invalid = lifecycle.check_action(action, to_persona)
        if invalid is not None:
            return ActionResult(False, invalid.outcome, invalid.message)

        def attempt() -> ActionResult:
            with self._db.write() as connection:
                return self._apply(
                    connection, request_id, action, actor, now, to_persona, allowed, next_nudge_at, update_reply
                )

        return self._db.retrying(attempt, f"apply {action}")

    def _apply(
        self,
        connection: Connection,
        request_id: int,
        action: str,
        actor: str,
        now: dt.datetime,
        to_persona: str | None,
        allowed: bool,
        next_nudge_at: dt.datetime | None,
        update_reply: Callable[[RequestView], NewDelivery | None] | None,
    ) -> ActionResult:
        # FOR UPDATE serialises concurrent presses on PostgreSQL; on SQLite the
        # write transaction already holds the database's write lock.
        row = connection.execute(
            select(routed_requests).where(routed_requests.c.id == request_id).with_for_update()
        ).first()
        if row is None:
            unknown = lifecycle.unknown_request(request_id)
            return ActionResult(False, unknown.outcome, unknown.message)
        current: RequestView = view(RequestView, row)
        step = lifecycle.transition(
            current, action, actor, now, to_persona=to_persona, allowed=allowed, next_nudge_at=next_nudge_at
        )
        if not step.changed:
            return ActionResult(step.ok, step.outcome, step.message, current)

        sql = self._db.sql
        if step.feedback is not None:
            self._add_feedback(connection, current, step.feedback, step.feedback_to_persona, actor, now)
        connection.execute(update(routed_requests).where(routed_requests.c.id == request_id).values(**step.values))
        rollups = RollupChanges()
        rollups.add(step.rollups)
        rollups.apply(connection, sql)
        detail = dict(step.detail) if step.detail is not None else None
        add_event(connection, sql, request_id, action, current.status, step.to_status, actor, now, detail)
        changed = request_by_id(connection, request_id)
        assert changed is not None
        delivery = update_reply(changed) if update_reply else None
        delivery_id = enqueue_in(connection, sql, delivery, now, request_id)[0] if delivery else None
        return ActionResult(True, "done", step.message, changed, delivery_id)

    def routed_detail(self, request_id: int) -> RoutedDetail:
        """What the reply showed beside the row (kept with the request's 'routed' event): the terms the
        router matched and the amount as stated; empty for an unknown request."""
        with self._db.read() as connection:
            return _routed_detail(connection, request_id)

    def _add_feedback(
        self,
        connection: Connection,
        request: RequestView,
        kind: str,
        to_persona: str | None,
        actor: str,
        now: dt.datetime,
    ) -> None:
        matched_terms = list(_routed_detail(connection, request.id).matched_terms)
        connection.execute(
            routing_feedback.insert().values(
                request_id=request.id,
                kind=kind,
                from_persona=request.primary_persona,
                to_persona=to_persona,
                topics=list(request.topics),
                matched_terms=matched_terms,
                excerpt=request.excerpt,
                actor=actor,
                at=now,
            )
        )

    # -- alerts their sender says have cleared

    def note_alert_resolved(
        self, event_id: str, fingerprint: str, note: Callable[[RequestView], NewDelivery], actor: str, now: dt.datetime
    ) -> RecordResult:
        """Record a "resolved" notification against its alert's latest unclosed request, with ``note``
        (its thread reply), in one transaction; the request keeps its status and owners.

        ``event_id`` taken already: ``duplicate=True``. No unclosed request of the alert (it was closed,
        muted, or never posted): ``request_id=None`` and nothing is posted.
        """
        now = as_utc(now)

        def attempt() -> RecordResult:
            with self._db.write() as connection:
                if not claim_event(connection, self._db.sql, event_id, now):
                    return RecordResult(request_id=None, delivery_id=None, duplicate=True)
                firing = unclosed_with_fingerprint(connection, fingerprint, latest=True)
                if firing is None:
                    return RecordResult(request_id=None, delivery_id=None)
                add_event(
                    connection, self._db.sql, firing.id, "source-resolved", firing.status, firing.status, actor, now
                )
                delivery_id, _ = enqueue_in(connection, self._db.sql, note(firing), now, firing.id)
                return RecordResult(request_id=firing.id, delivery_id=delivery_id)

        return self._db.retrying(attempt, "note alert resolved")

    # -- nudges

    def due_nudges(self, now: dt.datetime, limit: int = 100) -> list[RequestView]:
        """Requests nobody took whose acknowledgement window has passed, most overdue first."""
        now = as_utc(now)
        with self._db.read() as connection:
            rows = connection.execute(
                select(routed_requests)
                .where(routed_requests.c.next_nudge_at <= now, routed_requests.c.status.in_(AWAITING_ACK))
                .order_by(routed_requests.c.next_nudge_at, routed_requests.c.id)
                .limit(limit)
            ).all()
        return [view(RequestView, row) for row in rows]

    def mark_nudged(
        self,
        request_id: int,
        next_nudge_at: dt.datetime | None,
        now: dt.datetime,
        delivery: NewDelivery | None = None,
    ) -> bool:
        """Claim this window's nudge and enqueue it; False when it is not due any more.

        The conditional update makes each window's nudge happen once even when
        two schedulers see it due at the same time, and never after a take.
        """
        now = as_utc(now)

        def attempt() -> bool:
            with self._db.write() as connection:
                result = connection.execute(
                    update(routed_requests)
                    .where(
                        routed_requests.c.id == request_id,
                        routed_requests.c.next_nudge_at <= now,
                        routed_requests.c.status.in_(AWAITING_ACK),
                    )
                    .values(
                        nudged_windows=routed_requests.c.nudged_windows + 1,
                        next_nudge_at=as_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None,
                    )
                )
                if result.rowcount != 1:
                    return False
                add_event(connection, self._db.sql, request_id, "nudge", None, None, None, now)
                if delivery is not None:
                    enqueue_in(connection, self._db.sql, delivery, now, request_id)
                return True

        return self._db.retrying(attempt, "mark nudged")

    def set_next_nudge(self, request_id: int, next_nudge_at: dt.datetime | None) -> None:
        def attempt() -> None:
            with self._db.write() as connection:
                connection.execute(
                    update(routed_requests)
                    .where(routed_requests.c.id == request_id)
                    .values(next_nudge_at=as_utc(next_nudge_at, "next_nudge_at") if next_nudge_at else None)
                )

        self._db.retrying(attempt, "set next nudge")

    # -- queries

    def get_request(self, request_id: int) -> RequestView | None:
        with self._db.read() as connection:
            return request_by_id(connection, request_id)

    def find_by_message(self, workspace: str, channel_id: str, message_ts: str) -> RequestView | None:
        with self._db.read() as connection:
            return request_by_message(connection, workspace, channel_id, message_ts)

    def request_history(self, request_id: int) -> list[dict[str, Any]]:
        """The request's events, oldest first: action, from/to status, actor, at, detail."""
        with self._db.read() as connection:
            rows = connection.execute(
                select(request_events)
                .where(request_events.c.request_id == request_id)
                .order_by(request_events.c.at, request_events.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]

    def stated_amounts(self, request_ids: Sequence[int]) -> dict[int, str]:
        """The amount each request's message stated, where it differs from its USD figure ("€45,000",
        "$64/hour"), kept with its 'routed' event; requests routed before it was kept have none."""
        if not request_ids:
            return {}
        with self._db.read() as connection:
            rows = connection.execute(
                select(request_events.c.request_id, request_events.c.detail).where(
                    request_events.c.request_id.in_(list(request_ids)), request_events.c.action == "routed"
                )
            ).all()
        return {
            request_id: detail["amount_stated"] for request_id, detail in rows if (detail or {}).get("amount_stated")
        }

    def open_requests(self, personas: Sequence[str] | None = None, limit: int = 50) -> list[RequestView]:
        """Unclosed requests (open, rerouted, acknowledged), oldest first.

        ``personas`` filters on the primary persona (the one that owns the request).
        """
        # One index range per (persona, status), each already in created_at order,
        # merged here: the database never sorts every open request to return a page.
        statuses = UNCLOSED
        with self._db.read() as connection:
            found: list[RequestView] = []
            keys = (
                [(p, s) for p in personas for s in statuses] if personas is not None else [(None, s) for s in statuses]
            )
            for persona, status in keys:
                # closed_at IS NULL: the unclosed-only indexes' condition, so both back ends read them.
                query = select(routed_requests).where(
                    routed_requests.c.status == status, routed_requests.c.closed_at.is_(None)
                )
                if persona is not None:
                    query = query.where(routed_requests.c.primary_persona == persona)
                rows = connection.execute(
                    query.order_by(routed_requests.c.created_at, routed_requests.c.id).limit(limit)
                ).all()
                found.extend(view(RequestView, row) for row in rows)
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[:limit]

    def count_open(self, personas: Sequence[str] | None = None) -> int:
        # closed_at IS NULL: the unclosed-only indexes' condition, so both back ends read them.
        query = (
            select(func.count())
            .select_from(routed_requests)
            .where(routed_requests.c.status.in_(UNCLOSED), routed_requests.c.closed_at.is_(None))
        )
        if personas is not None:
            query = query.where(routed_requests.c.primary_persona.in_(list(personas)))
        with self._db.read() as connection:
            return connection.execute(query).scalar_one()

    # -- schedule occurrences
    # -- feedback and audit

    def feedback_since(self, since: dt.datetime) -> list[FeedbackRow]:
        since = as_utc(since, "since")
        with self._db.read() as connection:
            rows = connection.execute(
                select(routing_feedback)
                .where(routing_feedback.c.at >= since)
                .order_by(routing_feedback.c.at, routing_feedback.c.id)
            ).all()
        return [view(FeedbackRow, row) for row in rows]

    def export(self, since: dt.datetime, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        """The audit trail since ``since``: one dict per request event, with its request.

        Streams in batches, so exporting a large history holds little memory.
        """
        since = as_utc(since, "since")
        columns = [
            request_events.c.at,
            request_events.c.request_id,
            request_events.c.action,
            request_events.c.from_status,
            request_events.c.to_status,
            request_events.c.actor,
            request_events.c.detail,
            routed_requests.c.workspace,
            routed_requests.c.channel_id,
            routed_requests.c.message_ts,
            routed_requests.c.reply_ts,
            routed_requests.c.source,
            routed_requests.c.source_name,
            routed_requests.c.primary_persona,
            routed_requests.c.primary_topic,
            routed_requests.c.topics,
            routed_requests.c.amount_usd,
            routed_requests.c.team,
            routed_requests.c.team_scope,
            routed_requests.c.status.label("current_status"),
            routed_requests.c.created_at.label("request_created_at"),
            routed_requests.c.excerpt,
        ]
        query = (
            select(*columns)
            .join(routed_requests, routed_requests.c.id == request_events.c.request_id)
            .where(request_events.c.at >= since)
            .order_by(request_events.c.at, request_events.c.id)
        )
        with self._db.engine.connect() as connection:
            result = connection.execution_options(yield_per=batch_size).execute(query)
            for row in result:
                yield dict(row._mapping)

    # -- the weekly digest


def _routed_detail(connection: Connection, request_id: int) -> RoutedDetail:
    detail = (
        connection.execute(
            select(request_events.c.detail)
            .where(request_events.c.request_id == request_id, request_events.c.action == "routed")
            .limit(1)
        ).scalar()
        or {}
    )
    # Events routed before the stated amount was kept have no "amount_stated": the reply shows USD only.
    return RoutedDetail(tuple(detail.get("matched_terms", [])), detail.get("amount_stated") or None)

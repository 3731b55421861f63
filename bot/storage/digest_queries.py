"""The weekly digest's figures, read mostly from the rollups (``bot.storage.rollups``)."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, literal_column, select, union_all
from sqlalchemy.sql.expression import ColumnElement

from bot.domain.clock import as_utc
from bot.domain.digest import DigestData, PersonaWeek, Reassignment, RequestRef
from bot.domain.requests import RESOLVED, UNCLOSED
from bot.storage.database import Database
from bot.storage.digest_sql import REF_COLUMNS, in_one_round_trip, request_ref, requests_by
from bot.storage.models import digest_daily, digest_hourly, routed_requests, routing_feedback
from bot.storage.rollups import DAY, day_number, hour_number, hour_start


@dataclass
class _PersonaCounts:
    routed: int = 0
    previous_routed: int = 0
    acknowledged: int = 0
    resolved: int = 0
    still_open: int = 0
    median_ack_seconds: float | None = None
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    oldest_open: list[RequestRef] = field(default_factory=list)
    largest_amounts: list[RequestRef] = field(default_factory=list)


class DigestQueries:
    """The digest's read side: one read transaction per digest."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def digest_data(
        self,
        week_start: dt.datetime,
        week_end: dt.datetime,
        fallback_persona: str,
        *,
        top_topics: int = 3,
        oldest_open: int = 5,
        largest_amounts: int = 5,
        fallback_items: int = 10,
        reassignments: int = 20,
    ) -> DigestData:
        """The week's figures per (primary) persona, mostly summed from the digest rollups.

        routed: created in the week; acknowledged / resolved: taken / resolved in
        the week; still_open: created before the week's end and not closed by
        then; median time to acknowledge over the requests taken in the week.
        extra: ``fallback_count``, ``reassignment_count`` (the lists are capped).
        """
        week_start = as_utc(week_start, "week_start")
        week_end = as_utc(week_end, "week_end")
        if week_end - week_start != dt.timedelta(days=7):
            raise ValueError(f"a digest week is 7 days, got {week_start} to {week_end}")
        previous_start = week_start - dt.timedelta(days=7)
        counts: dict[str, _PersonaCounts] = defaultdict(_PersonaCounts)
        with_amount: Counter[str] = Counter()
        daily = [0] * 7
        fallback_count = 0

        with self._db.read() as connection:
            if self._db.is_postgres:
                # JIT compilation costs more than these short aggregates gain from it.
                connection.exec_driver_sql("SET LOCAL jit = off")
            topic_counts: dict[str, Counter[str]] = defaultdict(Counter)
            day_starts = [previous_start + i * DAY for i in range(15)]  # both weeks' days, and the end
            for row in self._two_weeks_counts(connection, day_starts):
                persona, topic, day_index, routed, amounts, acknowledged, resolved = row
                if day_index < 7:
                    counts[persona].previous_routed += routed
                    continue
                c = counts[persona]
                c.routed += routed
                c.acknowledged += acknowledged
                c.resolved += resolved
                with_amount[persona] += amounts
                daily[day_index - 7] += routed
                if topic:
                    topic_counts[persona][topic] += routed
                elif persona == fallback_persona:
                    fallback_count += routed
            for persona, topics in topic_counts.items():
                ranked = sorted((item for item in topics.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
                counts[persona].top_topics = ranked[:top_topics]

            for persona, n in self._open_at(connection, week_end).items():
                counts[persona].still_open = n

            self._median_ack_seconds(connection, week_start, week_end, counts)

            still_open = [persona for persona, c in counts.items() if c.still_open]
            for persona, refs in self._oldest_unclosed(connection, still_open, week_end, oldest_open).items():
                counts[persona].oldest_open = refs
            by_closed = requests_by("ix_routed_requests_closed_at")
            rr = by_closed.c
            # Closed since the week's end, so open at it: such a request only makes a
            # persona's list if it is older than the list's last entry so far. For a
            # week long past, that bound spares ranking every request closed since.
            created_by = week_end
            if oldest_open and still_open and all(len(counts[p].oldest_open) == oldest_open for p in still_open):
                created_by = min(week_end, max(counts[p].oldest_open[-1].opened_at for p in still_open))
            closed_after_end = and_(rr.closed_at >= week_end, rr.created_at < week_end, rr.created_at <= created_by)
            for ref, persona in self._ranked_refs(
                connection, by_closed, closed_after_end, [rr.created_at, rr.id], oldest_open
            ):
                merged = sorted([*counts[persona].oldest_open, ref], key=lambda r: (r.opened_at, r.request_id))
                counts[persona].oldest_open = merged[:oldest_open]

            largest = self._largest_amounts(connection, with_amount, week_start, week_end, largest_amounts)
            for persona, refs in largest.items():
                counts[persona].largest_amounts = refs

            fallback_rows: Sequence[Any] = []
            if fallback_count:
                rr = requests_by("ix_routed_requests_created_at").c
                fallback_ids = (
                    select(rr.id)
                    .where(
                        rr.created_at >= week_start,
                        rr.created_at < week_end,
                        rr.primary_topic.is_(None),
                        rr.primary_persona == fallback_persona,
                    )
                    .order_by(rr.created_at, rr.id)
                    .limit(fallback_items)
                )
                fallback_rows = connection.execute(
                    select(*REF_COLUMNS)
                    .where(routed_requests.c.id.in_(fallback_ids.scalar_subquery()))
                    .order_by(routed_requests.c.created_at, routed_requests.c.id)
                ).all()

            fb = routing_feedback.c
            feedback_in_week = and_(fb.at >= week_start, fb.at < week_end)
            feedback_rows = connection.execute(
                select(fb.request_id, fb.topics, fb.from_persona, fb.to_persona, fb.actor, fb.at)
                .where(feedback_in_week)
                .order_by(fb.at, fb.id)
                .limit(reassignments)
            ).all()
            feedback_count = connection.execute(
                select(func.count()).select_from(routing_feedback).where(feedback_in_week)
            ).scalar_one()

        personas = tuple(
            PersonaWeek(
                persona=persona,
                routed=c.routed,
                acknowledged=c.acknowledged,
                resolved=c.resolved,
                still_open=c.still_open,
                previous_routed=c.previous_routed,
                median_ack_seconds=c.median_ack_seconds,
                top_topics=tuple(c.top_topics),
                oldest_open=tuple(c.oldest_open),
                largest_amounts=tuple(c.largest_amounts),
            )
            for persona, c in sorted(counts.items(), key=lambda item: (-item[1].routed, item[0]))
            if c.routed or c.acknowledged or c.resolved or c.still_open
        )
        return DigestData(
            week_start=week_start,
            week_end=week_end,
            total_routed=sum(c.routed for c in counts.values()),
            previous_total_routed=sum(c.previous_routed for c in counts.values()),
            daily_routed=tuple(daily),
            personas=personas,
            fallback=tuple(request_ref(row) for row in fallback_rows),
            reassignments=tuple(
                Reassignment(
                    request_id=row.request_id,
                    topic=(row.topics or [None])[0],
                    from_persona=row.from_persona,
                    to_persona=row.to_persona,
                    actor=row.actor,
                    at=row.at,
                )
                for row in feedback_rows
            ),
            extra={"fallback_count": fallback_count, "reassignment_count": feedback_count},
        )

    def _two_weeks_counts(
        self, connection: Connection, day_starts: list[dt.datetime]
    ) -> list[tuple[str, str | None, int, int, int, int, int]]:
        """(persona, topic, day index 0-13, routed, with amount, acknowledged, resolved) over two weeks.

        Whole hours come from ``digest_hourly``. A week that does not start on a
        whole UTC hour (a half-hour time zone) cuts the hours its days start in:
        those few are counted from the requests themselves.
        """
        start, end = day_starts[0], day_starts[-1]
        aligned = start == hour_start(hour_number(start))
        cut_hours = [] if aligned else [hour_number(moment) for moment in day_starts]
        first_whole = hour_number(start) + (0 if aligned else 1)
        h = digest_hourly.c
        # Each day holds 24 hours that are not cut, the first starting at first_whole.
        day = ((h.hour - first_whole) // 24).label("day")
        query = (
            select(
                h.primary_persona,
                h.topic,
                day,
                func.sum(h.routed),
                func.sum(h.with_amount),
                func.sum(h.acknowledged),
                func.sum(h.resolved),
            )
            .where(h.hour >= first_whole, h.hour < hour_number(end))
            .group_by(h.primary_persona, h.topic, day)
        )
        if cut_hours:
            query = query.where(h.hour.not_in(cut_hours))
        rows: list[tuple[str, str | None, int, int, int, int, int]] = [
            (persona, topic or None, int(day_index), int(routed), int(amounts), int(acknowledged), int(resolved))
            for persona, topic, day_index, routed, amounts, acknowledged, resolved in connection.execute(query)
        ]
        if cut_hours:
            rows.extend(self._cut_hours_counts(connection, day_starts, cut_hours))
        return rows

    def _cut_hours_counts(
        self, connection: Connection, day_starts: list[dt.datetime], cut_hours: list[int]
    ) -> list[tuple[str, str | None, int, int, int, int, int]]:
        """``_two_weeks_counts`` for the hours a day start cuts, read from the requests.

        One short index range per piece of a cut hour, all of a kind in one
        UNION ALL: an OR of ranges would let planners scan the whole index, and
        a statement per range costs a round trip each (a week in a half-hour
        zone cuts 15 hours).
        """
        start, end = day_starts[0], day_starts[-1]
        week_start = day_starts[7]
        by_created = requests_by("ix_routed_requests_created_at").c
        by_acknowledged = requests_by("ix_routed_requests_acknowledged_at").c
        by_closed = requests_by("ix_routed_requests_closed_at").c
        created, acknowledged, resolved = [], [], []
        for hour in cut_hours:
            low, high = max(hour_start(hour), start), min(hour_start(hour + 1), end)
            if low >= high:
                continue
            # The day start inside the hour gives its two pieces to two days.
            cuts = sorted({low, high, *(moment for moment in day_starts if low < moment < high)})
            for piece_low, piece_high in itertools.pairwise(cuts):
                day_index = min(13, bisect.bisect_right(day_starts, piece_low) - 1)
                rr = by_created
                created.append(
                    select(
                        rr.primary_persona,
                        rr.primary_topic,
                        literal_column(str(day_index)).label("day"),
                        func.count().label("routed"),
                        func.count(rr.amount_usd).label("amounts"),
                    )
                    .where(rr.created_at >= piece_low, rr.created_at < piece_high)
                    .group_by(rr.primary_persona, rr.primary_topic)
                )
            low = max(low, week_start)
            if low >= high:
                continue
            rr = by_acknowledged
            acknowledged.append(
                select(rr.primary_persona, func.count().label("n"))
                .where(rr.acknowledged_at >= low, rr.acknowledged_at < high)
                .group_by(rr.primary_persona)
            )
            rr = by_closed
            resolved.append(
                select(rr.primary_persona, func.count().label("n"))
                .where(rr.closed_at >= low, rr.closed_at < high, rr.status == RESOLVED)
                .group_by(rr.primary_persona)
            )

        def all_rows(parts: list[Any]) -> Sequence[Any]:
            # Unordered and unlimited, the parts need no subquery each (unlike in_one_round_trip's).
            return connection.execute(union_all(*parts)).all() if parts else []

        rows: list[tuple[str, str | None, int, int, int, int, int]] = [
            (persona, topic, int(day_index), int(routed), int(amounts), 0, 0)
            for persona, topic, day_index, routed, amounts in all_rows(created)
        ]
        rows += [(persona, None, 7, 0, 0, int(n), 0) for persona, n in all_rows(acknowledged)]
        rows += [(persona, None, 7, 0, 0, 0, int(n)) for persona, n in all_rows(resolved)]
        return rows

    def _open_at(self, connection: Connection, moment: dt.datetime) -> Counter[str]:
        """Per persona: requests created before ``moment`` and not closed before it.

        That is everything created before it minus everything closed before it
        (a request closes after it opens): whole days from ``digest_daily``, the
        hours of ``moment``'s day from ``digest_hourly``, the rest of its hour
        from the requests.
        """
        open_at: Counter[str] = Counter()
        day, hour = day_number(moment), hour_number(moment)
        d = digest_daily.c
        for persona, n in connection.execute(
            select(d.primary_persona, func.sum(d.routed - d.closed)).where(d.day < day).group_by(d.primary_persona)
        ):
            open_at[persona] += int(n)
        h = digest_hourly.c
        for persona, n in connection.execute(
            select(h.primary_persona, func.sum(h.routed - h.closed))
            .where(h.hour >= day * 24, h.hour < hour)
            .group_by(h.primary_persona)
        ):
            open_at[persona] += int(n)
        hour_began = hour_start(hour)
        if moment > hour_began:
            rr = requests_by("ix_routed_requests_created_at").c
            for persona, n in connection.execute(
                select(rr.primary_persona, func.count())
                .where(rr.created_at >= hour_began, rr.created_at < moment)
                .group_by(rr.primary_persona)
            ):
                open_at[persona] += n
            rr = requests_by("ix_routed_requests_closed_at").c
            for persona, n in connection.execute(
                select(rr.primary_persona, func.count())
                .where(rr.closed_at >= hour_began, rr.closed_at < moment)
                .group_by(rr.primary_persona)
            ):
                open_at[persona] -= n
        return open_at

    def _largest_amounts(
        self,
        connection: Connection,
        with_amount: Mapping[str, int],
        week_start: dt.datetime,
        week_end: dt.datetime,
        cap: int,
    ) -> dict[str, list[RequestRef]]:
        """Each persona's ``cap`` largest amounts routed in the week, largest first."""
        parts = []
        for persona, n in with_amount.items():
            if n <= 0:
                continue
            # Walk the persona's amounts from the top until ``cap`` fall in the week: about
            # cap × (the persona's amounts / its amounts this week) index entries. (Ranking the
            # persona's week instead needed an index of every request by persona and time, ~0.1 KB
            # per request on PostgreSQL, for personas with few amounts in a week.)
            rr = requests_by("ix_routed_requests_persona_amount").c
            query = select(rr.id).where(
                rr.primary_persona == persona,
                rr.amount_usd.is_not(None),
                rr.created_at >= week_start,
                rr.created_at < week_end,
            )
            parts.append(query.order_by(rr.amount_usd.desc(), rr.id).limit(cap))
        winners = [row.id for row in in_one_round_trip(connection, parts)]
        if not winners:
            return {}
        rr = routed_requests.c
        rows = list(connection.execute(select(*REF_COLUMNS, rr.primary_persona).where(rr.id.in_(winners))))
        rows.sort(key=lambda row: (row.primary_persona, -row.amount_usd, row.id))
        largest: dict[str, list[RequestRef]] = defaultdict(list)
        for row in rows:
            largest[row.primary_persona].append(request_ref(row))
        return largest

    def _median_ack_seconds(
        self, connection: Connection, week_start: dt.datetime, week_end: dt.datetime, counts: dict[str, _PersonaCounts]
    ) -> None:
        """Per persona: the median time to acknowledge over the requests taken in the week.

        One pass over the week's takes in the acknowledgement index (it holds each
        take's time to acknowledge), ranked per persona; only the one or two middle
        values come back. (A per-persona index ordered by time to acknowledge read
        fewer entries, and cost ~75 B per request on PostgreSQL.)
        """
        if not any(c.acknowledged for c in counts.values()):
            return
        rr = requests_by("ix_routed_requests_acknowledged_at").c
        ranked = (
            select(
                rr.primary_persona,
                rr.ack_seconds,
                func.row_number().over(partition_by=rr.primary_persona, order_by=rr.ack_seconds).label("rank"),
                func.count().over(partition_by=rr.primary_persona).label("n"),
            )
            .where(rr.acknowledged_at >= week_start, rr.acknowledged_at < week_end)
            .subquery()
        )
        # The middle of n ranks: (n + 1) / 2 when n is odd, n / 2 and n / 2 + 1 when even.
        middle_ranks = (2 * ranked.c.rank).between(ranked.c.n, ranked.c.n + 2)
        middle: dict[str, list[float]] = defaultdict(list)
        for row in connection.execute(select(ranked.c.primary_persona, ranked.c.ack_seconds).where(middle_ranks)):
            middle[row.primary_persona].append(row.ack_seconds)
        for persona, values in middle.items():
            counts[persona].median_ack_seconds = sum(values) / len(values)

    def _oldest_unclosed(
        self, connection: Connection, personas: Sequence[str], before: dt.datetime, cap: int
    ) -> dict[str, list[RequestRef]]:
        """Each persona's ``cap`` oldest requests created before ``before`` and unclosed now."""
        # One short index range per persona and status, each already in created_at order.
        rr = routed_requests.c
        parts = [
            select(*REF_COLUMNS, rr.primary_persona)
            .where(rr.primary_persona == persona, rr.status == status, rr.closed_at.is_(None), rr.created_at < before)
            .order_by(rr.created_at, rr.id)
            .limit(cap)
            for persona in personas
            for status in UNCLOSED
        ]
        found: dict[str, list[RequestRef]] = defaultdict(list)
        for row in in_one_round_trip(connection, parts):
            found[row.primary_persona].append(request_ref(row))
        return {
            persona: sorted(refs, key=lambda r: (r.opened_at, r.request_id))[:cap] for persona, refs in found.items()
        }

    def _ranked_refs(
        self,
        connection: Connection,
        source: Any,
        condition: ColumnElement[bool],
        order_by: list[Any],
        cap: int,
    ) -> list[tuple[RequestRef, str]]:
        """The first ``cap`` requests of each persona under ``order_by``.

        Ranks ids only (from the index ``source`` reads), then reads the few winning rows.
        """
        ranked = (
            select(
                source.c.id.label("ranked_id"),
                func.row_number().over(partition_by=source.c.primary_persona, order_by=order_by).label("rank"),
            )
            .where(condition)
            .subquery()
        )
        winners = connection.execute(select(ranked.c.ranked_id, ranked.c.rank).where(ranked.c.rank <= cap)).all()
        if not winners:
            return []
        # A second, primary-key lookup: joining the ranking back lets planners scan the whole table.
        rank_of = {row.ranked_id: row.rank for row in winners}
        rr = routed_requests.c
        rows = list(connection.execute(select(*REF_COLUMNS, rr.primary_persona).where(rr.id.in_(list(rank_of)))))
        rows.sort(key=lambda row: (row.primary_persona, rank_of[row.id]))
        return [(request_ref(row), row.primary_persona) for row in rows]

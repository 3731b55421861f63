"""The bot's Prometheus metrics.

Under gunicorn each worker is its own process: ``serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the workers fork, each
worker writes its samples there, and ``/metrics`` (in whichever worker answers)
adds them all up. Gauges about the outbox (pending count, oldest age) are read
from the database when scraped, so every worker reports the same truth.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

EVENTS_RECEIVED = Counter(
    "finops_events_received_total", "Slack messages in watched or unwatched channels handed to intake"
)
EVENTS_IGNORED = Counter(
    "finops_events_ignored_total", "Messages not routed, by reason (not_watched, chatter, duplicate)", ["reason"]
)
EVENTS_ROUTED = Counter(
    "finops_events_routed_total",
    "Messages routed to a persona, by primary topic, persona and team",
    ["topic", "persona", "team"],
)
ACK_SECONDS = Histogram(
    "finops_ack_seconds",
    "Time from receiving a Slack request to answering it (Slack retries after 3 s)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
DELIVERIES_SENT = Counter("finops_deliveries_sent_total", "Outbox deliveries that reached Slack")
DELIVERIES_FAILED = Counter(
    "finops_deliveries_failed_total", "Outbox deliveries given up on, by Slack error", ["error"]
)
DELIVERIES_RETRIED = Counter(
    "finops_deliveries_retried_total", "Outbox sends rescheduled after a failure, by error", ["error"]
)
SLACK_CALLS = Counter(
    "finops_slack_api_calls_total", "Slack Web API calls, by method and HTTP status", ["method", "status"]
)
SLACK_RATE_LIMITED = Counter("finops_slack_rate_limited_total", "Slack Web API answers of 429, by method", ["method"])
RECEIVER_ACCEPTED = Counter(
    "finops_receiver_alerts_accepted_total",
    "Cloud alerts the receivers answered 200, by receiver and outcome (posted, repeat, duplicate, muted, ignored...)",
    ["receiver", "outcome"],
)
RECEIVER_REJECTED = Counter(
    "finops_receiver_requests_rejected_total",
    "Requests the receivers refused, by receiver and reason (bad_signature, unauthenticated, unavailable...)",
    ["receiver", "reason"],
)
SCHEDULE_OCCURRENCES = Counter(
    "finops_schedule_occurrences_total",
    "Scheduled posts (duties, calendar reminders, digests, nudges), by outcome (claimed, posted, skipped)",
    ["kind", "outcome"],
)
DATABASE_RETRIES = Counter("finops_database_retries_total", "Database writes retried after a transient failure")


@dataclass(frozen=True)
class OutboxGauges:
    pending: int
    oldest_pending_seconds: float


class OutboxCollector(Collector):
    """Reads the outbox when scraped (the database is the one view all processes share)."""

    def __init__(self, read: Callable[[], OutboxGauges]):
        self.read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            gauges = self.read()
        except Exception:  # an unreachable database must not break the scrape; /readyz says so
            return
        yield GaugeMetricFamily(
            "finops_deliveries_pending", "Outbox deliveries waiting to be sent", value=gauges.pending
        )
        yield GaugeMetricFamily(
            "finops_delivery_oldest_pending_seconds",
            "Age of the oldest pending delivery (0 when none)",
            value=gauges.oldest_pending_seconds,
        )


class _ThisProcess(Collector):
    def collect(self) -> Iterable:
        return REGISTRY.collect()


def exposition(shared_dir: str | os.PathLike[str] | None, outbox: Callable[[], OutboxGauges] | None = None) -> bytes:
    """The text a Prometheus scrape gets: every process's samples (``shared_dir``), plus the outbox gauges."""
    registry = CollectorRegistry()
    if shared_dir:
        multiprocess.MultiProcessCollector(registry, path=str(shared_dir))
    else:
        registry.register(_ThisProcess())
    if outbox is not None:
        registry.register(OutboxCollector(outbox))
    return generate_latest(registry)


def worker_exited(shared_dir: str | os.PathLike[str] | None, pid: int) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges are dropped (its counters are kept)."""
    if shared_dir:
        multiprocess.mark_process_dead(pid, str(shared_dir))

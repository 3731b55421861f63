"""The outbox relay: sends committed deliveries to Slack and records the outcome.

Nothing is posted to Slack directly from a request handler. The decision and
the message to post are committed together first; this relay then claims each
pending delivery (a lease in the database, so two instances never send the same
one), calls the Web API and marks it sent. A process killed between the commit
and the send leaves the delivery pending, and whichever relay runs next sends
it once.

slack_sdk's retry handlers already wait out a short 429 or 5xx inside the call;
what still fails is rescheduled here with backoff, or marked failed for errors
that retrying cannot fix.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.deliveries import POST, UPDATE, DeliveryClaim, DeliveryRow

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

# Errors that will fail the same way however often they are retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "message_not_found",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)
MAX_ATTEMPTS = 8
LEASE = dt.timedelta(seconds=60)
# A delivery older than this, or one tried before, may have reached Slack
# without us recording it (a crash or a timeout mid-send): look before posting.
RECOVERY_AGE = dt.timedelta(seconds=30)
METADATA_EVENT = "finops_delivery"
# A delivery claimed when it was written is sent only while this much of its
# lease is left; later, the poller takes it up once the lease runs out.
HANDOVER_MARGIN = dt.timedelta(seconds=20)
# Beyond this many queued sends, new deliveries are left for senders to claim
# themselves rather than leased while they wait in the queue.
HANDOVER_MAX_QUEUED = 500
# Sent marks wait this long for company before they are committed: under load
# one transaction per window rather than one per send or two. A crash within the
# window is recovered like any unrecorded send (looked up in Slack before it is
# posted again), and the lease keeps other workers off these deliveries meanwhile.
SENT_MARKS_WINDOW_SECONDS = 0.1
SENT_MARKS_MAX_BATCH = 500


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(300, 2 ** max(0, attempts)))


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    response_ts: str | None = None
    retry_at: dt.datetime | None = None
    error: str | None = None


# The Web API method for each kind of delivery; anything else is already a method name
# (rows written by earlier versions stored Slack's names).
SLACK_METHODS = {POST: "chat.postMessage", UPDATE: "chat.update"}


def slack_method(delivery_method: str) -> str:
    return SLACK_METHODS.get(delivery_method, delivery_method)


def tag_with_delivery(method: str, payload: dict, delivery_id: int) -> dict:
    """Mark a post with its delivery id (Slack message metadata), so a resend can find it."""
    if method != "chat.postMessage":
        return payload
    return {**payload, "metadata": {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}}}


def find_posted(client: WebClient, payload: dict, delivery_id: int, since: dt.datetime) -> str | None:
    """The ts of an earlier post of this delivery, if one reached Slack; None when not found or unknown."""
    channel = payload.get("channel")
    if not isinstance(channel, str):
        return None
    try:
        if payload.get("thread_ts"):
            response = client.conversations_replies(
                channel=channel, ts=payload["thread_ts"], include_all_metadata=True, limit=200
            )
        else:
            response = client.conversations_history(
                channel=channel, oldest=f"{since.timestamp() - 60:.6f}", include_all_metadata=True, limit=200
            )
    except (SlackApiError, URLError, TimeoutError, ConnectionError, OSError) as error:
        log.warning("outbox: could not check for an earlier post of delivery %s: %s", delivery_id, error)
        return None
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == METADATA_EVENT
            and (metadata.get("event_payload") or {}).get("delivery_id") == delivery_id
        ):
            return message.get("ts")
    return None


def send_delivery(client: WebClient, method: str, payload: dict, attempts: int, now: dt.datetime) -> SendOutcome:
    """Call the Web API once (with slack_sdk's own retries) and classify the result."""
    try:
        response = client.api_call(method, json=payload)
    except SlackApiError as error:
        status = error.response.status_code
        code = str(error.response.get("error") or f"http_{status}")
        if status == 429 or code == "ratelimited":
            retry_after = int(
                error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1)) or 1
            )
            return SendOutcome(False, retry_at=now + dt.timedelta(seconds=retry_after), error=code)
        if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}:
            return SendOutcome(False, retry_at=now + backoff(attempts), error=code)
        if code in PERMANENT_ERRORS:
            return SendOutcome(False, error=code)
        return SendOutcome(False, retry_at=now + backoff(attempts), error=code)
    except (URLError, TimeoutError, ConnectionError, OSError) as error:
        return SendOutcome(False, retry_at=now + backoff(attempts), error=f"connection: {type(error).__name__}")
    return SendOutcome(True, response_ts=response.get("ts") or (response.get("message") or {}).get("ts"))


class OutboxRelay:
    """Background senders plus a poller that picks up anything left pending."""

    def __init__(
        self,
        store,
        client: WebClient,
        worker_id: str,
        clock: Clock = utcnow,
        senders: int = 8,
        poll_seconds: float = 2.0,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.worker_id = worker_id
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.on_idle = on_idle
        # SimpleQueue: put and get are single C calls, which matters at one handoff per event.
        self._queue: queue.SimpleQueue[int | DeliveryRow | None] = queue.SimpleQueue()
        # Sent marks from the sender threads, committed in batches by one recorder.
        self._sent: queue.SimpleQueue[tuple[DeliveryRow, str | None] | None] = queue.SimpleQueue()
        self._recorder: threading.Thread | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._senders = senders

    # -- used by request handlers ---------------------------------------------------------
    def notify(self, delivery_id: int | None) -> None:
        """Ask for a just-committed delivery to be sent now rather than at the next poll."""
        if delivery_id is not None:
            self._queue.put(delivery_id)

    def claim_ahead(self) -> DeliveryClaim | None:
        """A lease for a delivery about to be written, when this relay's senders can take it at once.

        The writer hands the claimed row to ``send_claimed`` after its commit,
        which saves the senders a claiming transaction per delivery.
        """
        if not self._threads or self._stop.is_set() or self._queue.qsize() >= HANDOVER_MAX_QUEUED:
            return None
        return DeliveryClaim(self.worker_id, LEASE)

    def send_claimed(self, row: DeliveryRow) -> None:
        """Send a committed delivery that ``claim_ahead``'s lease already holds."""
        self._queue.put(row)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> OutboxRelay:
        for index in range(self._senders):
            thread = threading.Thread(target=self._send_loop, name=f"outbox-sender-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        poller = threading.Thread(target=self._poll_loop, name="outbox-poller", daemon=True)
        poller.start()
        self._threads.append(poller)
        self._recorder = threading.Thread(target=self._record_loop, name="outbox-recorder", daemon=True)
        self._recorder.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for _ in range(self._senders):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        if self._recorder is not None:
            self._sent.put(None)  # after the senders: their last marks are flushed first
            self._recorder.join(timeout)

    # -- work ----------------------------------------------------------------------------------
    def drain(self, limit: int = 100) -> int:
        """Send every delivery that is due now, in this thread. Returns how many were sent."""
        sent = 0
        for row in self.store.claim_due_deliveries(self.worker_id, self.clock(), limit=limit, lease=LEASE):
            sent += self._deliver(row)
        return sent

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                if isinstance(item, DeliveryRow):
                    row = item if self._lease_left(item) else None
                else:
                    row = self.store.claim_delivery(item, self.worker_id, self.clock(), lease=LEASE)
                if row is not None:
                    self._deliver(row, record_sent=self._queue_sent_mark)
            except Exception:  # the poller retries whatever this left pending
                log.exception("outbox: sending delivery %s failed unexpectedly", getattr(item, "id", item))

    def _mark_sent_now(self, row: DeliveryRow, response_ts: str | None) -> None:
        self.store.mark_sent(row.id, response_ts, self.clock(), row=row)

    def _queue_sent_mark(self, row: DeliveryRow, response_ts: str | None) -> None:
        self._sent.put((row, response_ts))

    def _record_loop(self) -> None:
        """Commit sent marks in batches; a crash before a flush is recovered by ``find_posted``."""
        while True:
            item = self._sent.get()
            if item is None:
                return
            # Let the window fill without waking for each mark, then take what came
            # (at once when stopping).
            self._stop.wait(SENT_MARKS_WINDOW_SECONDS)
            batch = [item]
            while len(batch) < SENT_MARKS_MAX_BATCH:
                try:
                    more = self._sent.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._flush_sent(batch)
                    return
                batch.append(more)
            self._flush_sent(batch)

    def _flush_sent(self, batch: list[tuple[DeliveryRow, str | None]]) -> None:
        try:
            self.store.mark_sent_many(batch, self.clock())
        except Exception:  # still pending in the store: the poller looks them up in Slack before resending
            log.exception("outbox: recording %d sent deliveries failed", len(batch))

    def _lease_left(self, row: DeliveryRow) -> bool:
        if row.claimed_until is not None and self.clock() < row.claimed_until - HANDOVER_MARGIN:
            return True
        # Too little of the lease is left to be sure nobody else takes it mid-send.
        log.warning("outbox: delivery %s waited too long to be sent; the poller will send it", row.id)
        return False

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.drain()
                if self.on_idle is not None:
                    self.on_idle()
            except Exception:
                log.exception("outbox: poll failed; will try again")

    def _deliver(self, row, record_sent: Callable[[DeliveryRow, str | None], None] | None = None) -> int:
        now = self.clock()
        record_sent = record_sent or self._mark_sent_now
        method = slack_method(row.method)
        if method == "chat.postMessage" and (row.attempts > 0 or now - row.created_at > RECOVERY_AGE):
            earlier = find_posted(self.client, row.payload, row.id, row.created_at)
            if earlier is not None:
                log.info("outbox: delivery %s had already reached Slack; not posting it again", row.id)
                record_sent(row, earlier)
                return 1
        payload = tag_with_delivery(method, dict(row.payload), row.id)
        outcome = send_delivery(self.client, method, payload, row.attempts, now)
        if outcome.sent:
            record_sent(row, outcome.response_ts)
            return 1
        attempts = row.attempts + 1
        if outcome.retry_at is None or attempts >= MAX_ATTEMPTS:
            log.error(
                "outbox: giving up on delivery %s (%s, key %s) after %d attempts: %s",
                row.id,
                row.method,
                row.dedup_key,
                attempts,
                outcome.error,
            )
            self.store.mark_failed(row.id, outcome.error or "unknown", self.clock())
        else:
            log.warning(
                "outbox: delivery %s (%s, key %s) failed (%s); retrying at %s",
                row.id,
                row.method,
                row.dedup_key,
                outcome.error,
                outcome.retry_at.isoformat(),
            )
            self.store.mark_retry(row.id, outcome.error or "unknown", outcome.retry_at, self.clock())
        return 0

"""The outbox relay: sends committed deliveries to Slack and records the outcome.

Nothing is posted to Slack directly from a request handler. The decision and
the message to post are committed together first; this relay then claims each
pending delivery (a lease in the database, so two instances never send the same
one), calls the Web API and marks it sent. A process killed between the commit
and the send leaves the delivery pending, and whichever relay runs next sends
it once.

Posts are paced per channel (``bot.slack.paced_queue``): each channel's go out
one at a time, oldest first, about as fast as Slack takes them, while the
senders serve other channels; a 429 pauses its channel only. slack_sdk's retry
handlers wait out a short 5xx inside the call (and a 429 too when pacing is
off); what still fails is rescheduled here with backoff, or marked failed for
errors that retrying cannot fix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.domain.deliveries import DeliveryClaim, DeliveryRow
from bot.slack.paced_queue import PacedQueue, paced_channel
from bot.slack.sending import (
    LookupFailed,
    backoff,
    find_posted,
    send_delivery,
    slack_method,
    tag_with_delivery,
    tagged_body,
)
from bot.telemetry.context import bound
from bot.telemetry.metrics import DELIVERIES_FAILED, DELIVERIES_RETRIED, DELIVERIES_SENT

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

MAX_ATTEMPTS = 8
# How long a claim on a delivery lasts. Short, so a killed process holds its
# deliveries only this long; renewed every third of it while the process runs.
DEFAULT_LEASE = dt.timedelta(seconds=15)
DEFAULT_LATE_POST_WAIT = dt.timedelta(seconds=30)
# Beyond this many queued sends, new deliveries are left for senders to claim
# themselves rather than leased while they wait in the queue.
HANDOVER_MAX_QUEUED = 500
# Sent marks wait this long for company before they are committed: under load
# one transaction per window rather than one per send or two. A crash within the
# window is recovered like any unrecorded send (looked up in Slack before it is
# posted again), and the lease keeps other workers off these deliveries meanwhile.
SENT_MARKS_WINDOW_SECONDS = 0.1
SENT_MARKS_MAX_BATCH = 500
# Posts held in memory waiting for their channel's turn, at most; past it new deliveries stay in the
# outbox until the backlog shrinks (a storm of thousands waits in the database, not in this process).
PACED_MAX_HELD = 5000
# A post refused with 429 waits in its channel this many times before it is rescheduled in the outbox.
MAX_HOLD_BACKS = 5


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        late_post_wait: dt.timedelta = DEFAULT_LATE_POST_WAIT,
        lease: dt.timedelta = DEFAULT_LEASE,
        send_allowance: float = 11.0,
        channel_rate: float = 0.0,
        channel_burst: float = 3.0,
    ) -> None:
        """``late_post_wait``: after a call that may have reached Slack (a timeout), how long to wait
        before looking for it in the thread and posting again only if it is not there.

        ``channel_rate``: posts a second per channel (``channel_burst`` at once after a quiet spell);
        0 sends as fast as the senders go. Pacing is this process's: processes sharing the outbox
        pace separately (``serve`` gives each worker its share; see ``bot.app``)."""
        self.late_post_wait = late_post_wait
        self.lease = lease
        self.send_allowance = send_allowance  # seconds a send running at shutdown's deadline may still take
        # A delivery older than its lease, or one tried before, may have reached Slack without
        # us recording it (a crash or a timeout mid-send, then the lease ran out): look before posting.
        self.recovery_age = lease
        # A delivery claimed when it was written is sent only while a third of its lease is left
        # (renewals keep it so); later, the poller takes it up once the lease runs out.
        self.handover_margin = lease / 3
        self._deadline: float | None = None  # monotonic; set by shutdown
        self._in_flight: set[int] = set()  # being sent now: never released
        self._unrecorded: set[int] = set()  # sent, but the sent mark failed: never released
        self._held_lock = threading.Lock()
        self._renewer_stop = threading.Event()
        self.sent_while_stopping = 0
        self.store = store
        self.client = client
        self.worker_id = worker_id
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.on_idle = on_idle
        # SimpleQueue: put and get are single C calls, which matters at one handoff per event.
        self._paced = PacedQueue(channel_rate, channel_burst) if channel_rate > 0 else None
        self._queue: queue.SimpleQueue[int | DeliveryRow | None] | PacedQueue = self._paced or queue.SimpleQueue()
        self._hold_backs: dict[int, int] = {}  # delivery id -> 429s waited out in its channel
        self._waiting_429: set[int] = set()  # held back in their channel now (not settled)
        # Claimed by this process while new and never tried: nobody can have posted them, however long
        # they wait for their channel's turn (the lease check before sending says the claim held).
        self._fresh: set[int] = set()
        # Renewals extend every live claim of this process: a row's lease runs at least to
        # ``_renewed_until`` if it was live when the current unbroken run of renewals began.
        self._renewals_since: dt.datetime | None = None
        self._renewed_until: dt.datetime | None = None
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
        if not self._threads or self._stop.is_set() or self._backlogged():
            return None
        return DeliveryClaim(self.worker_id, self.lease)

    def send_claimed(self, row: DeliveryRow) -> None:
        """Send a committed delivery that ``claim_ahead``'s lease already holds.

        A sender posts it, never the request's own thread: that thread would hold the
        keep-alive connection, and with it the acknowledgement of the next event Slack
        sends on it, for as long as Slack takes to answer the post.
        """
        self._note_claimed(row)
        self._queue.put(row)

    def _note_claimed(self, row: DeliveryRow) -> None:
        if self._paced is not None and row.attempts == 0 and self.clock() - row.created_at <= self.recovery_age:
            self._fresh.add(row.id)

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
        self._renewer = threading.Thread(target=self._renew_loop, name="outbox-lease-renewer", daemon=True)
        self._renewer.start()
        return self

    def shutdown(self, deadline: float) -> int:
        """Stop taking work, send what is queued until ``deadline`` (monotonic), release the rest.

        Every delivery this process still holds when it is done (queued, or claimed by the poller)
        is un-leased, so a successor sends it at once instead of waiting out the lease. A delivery
        whose send is still running, or whose sent mark could not be committed, keeps its lease (it
        may have reached Slack; whoever takes it after the lease looks in Slack first). Returns how
        many deliveries were released.
        """
        self._deadline = deadline
        self._stop.set()
        for _ in range(self._senders):
            self._queue.put(None)
        # No new send starts after the deadline; one already running may take up to the client's timeout.
        for thread in self._threads:
            thread.join(max(0.0, deadline + self.send_allowance - time.monotonic()))
        if self._recorder is not None:
            self._sent.put(None)
            self._recorder.join(max(1.0, deadline - time.monotonic()))
        released, keep = self._release_held()
        self._renewer_stop.set()
        # Each serve worker has its own relay, so each says it stopped; a stop that left nothing behind is no warning.
        log.log(
            logging.WARNING if released or keep else logging.INFO,
            "outbox (pid %d): stopped; %d sent while stopping, %d released for the next process, %d kept leased",
            os.getpid(),
            self.sent_while_stopping,
            released,
            len(keep),
        )
        return released

    def _release_held(self) -> tuple[int, set[int]]:
        """Un-lease what this process holds but is not sending (or may have sent): (released, kept)."""
        with self._held_lock:
            keep = self._in_flight | self._unrecorded
        try:
            return self.store.release_claims(self.worker_id, self.clock(), keep=keep), keep
        except Exception:  # the lease runs out by itself
            log.exception("outbox: releasing this process's deliveries failed")
            return 0, keep

    def _backlogged(self) -> bool:
        if self._paced is not None and self._paced.held() >= PACED_MAX_HELD:
            return True
        return self._queue.qsize() >= HANDOVER_MAX_QUEUED

    def _stopping_late(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _renew_loop(self) -> None:
        """Keep this process's claims alive while it runs (a killed process's lapse within a lease)."""
        interval = self.lease.total_seconds() / 3
        while not self._renewer_stop.wait(interval):
            try:
                now = self.clock()
                self.store.renew_claims(self.worker_id, now + self.lease, now)
            except Exception:
                log.exception("outbox: renewing leases failed; will try again")
                continue
            with self._held_lock:
                if self._renewed_until is None or self._renewed_until < now:  # a gap: claims may have lapsed
                    self._renewals_since = now
                self._renewed_until = now + self.lease

    def stop(self, timeout: float = 5.0) -> None:
        self._renewer_stop.set()
        self._stop.set()
        for _ in range(self._senders):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        if self._recorder is not None:
            self._sent.put(None)  # after the senders: their last marks are flushed first
            self._recorder.join(timeout)
        if self._paced is not None and self._paced.held():
            self._release_held()  # posts still waiting for their channel's turn: the next process sends them

    def is_running(self) -> bool:
        """Started, not stopped, and every sender and the poller still alive."""
        return bool(self._threads) and not self._stop.is_set() and all(t.is_alive() for t in self._threads)

    # -- work ----------------------------------------------------------------------------------
    def drain(self, limit: int = 100) -> int:
        """Send every delivery that is due now, in this thread, unpaced (tests, one-off tools); how many were sent."""
        sent = 0
        for row in self.store.claim_due_deliveries(self.worker_id, self.clock(), limit=limit, lease=self.lease):
            if self._stop.is_set():
                break  # stopping: what is left is released
            sent += self._deliver(row)
        return sent

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._work_on(item)
            finally:
                if self._paced is not None and isinstance(item, DeliveryRow):
                    self._paced.done(item)  # its channel's next post may go

    def _work_on(self, item: int | DeliveryRow) -> None:
        if self._stopping_late():
            return  # out of time: a claimed row is released by shutdown
        try:
            if isinstance(item, DeliveryRow):
                row = item if self._lease_left(item) else None
            else:
                try:
                    row = self.store.claim_delivery(item, self.worker_id, self.clock(), lease=self.lease)
                    if row is not None:
                        self._note_claimed(row)
                    if row is not None and self._paced is not None and paced_channel(row) is not None:
                        self._paced.put(row)  # sent when its channel's turn comes
                        return
                finally:
                    if self._paced is not None:
                        self._paced.claimed(item)
            if row is not None:
                sent = self._deliver(row, record_sent=self._queue_sent_mark)
                if self._stop.is_set():
                    self.sent_while_stopping += sent
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
            with self._held_lock:
                self._unrecorded.update(row.id for row, _ in batch)

    def _lease_left(self, row: DeliveryRow) -> bool:
        until = row.claimed_until
        with self._held_lock:
            if until is not None and self._renewals_since is not None and until >= self._renewals_since:
                until = max(until, self._renewed_until or until)  # renewed since it was claimed
        if until is not None and self.clock() < until - self.handover_margin:
            return True
        # Too little of the lease is left to be sure nobody else takes it mid-send.
        self._fresh.discard(row.id)
        log.warning("outbox: delivery %s waited too long to be sent; the poller will send it", row.id)
        return False

    def _poll_loop(self) -> None:
        # At once on start: deliveries a stopping predecessor released are due now.
        while not self._stop.is_set():
            try:
                self._hand_due_to_senders()
                if self.on_idle is not None:
                    self.on_idle()
            except Exception:
                log.exception("outbox: poll failed; will try again")
            self._stop.wait(self.poll_seconds)

    def _hand_due_to_senders(self, limit: int = 100) -> None:
        """Claim what is due (released, retried, left by a dead process) and let the senders send it in parallel.

        One at a time in the poller, a backlog after a restart went out at one Slack round trip per reply.
        """
        if self._backlogged():
            return  # the senders have plenty; what is due waits for the next poll
        for row in self.store.claim_due_deliveries(self.worker_id, self.clock(), limit=limit, lease=self.lease):
            self._note_claimed(row)
            self._queue.put(row)

    def _deliver(self, row, record_sent: Callable[[DeliveryRow, str | None], None] | None = None) -> int:
        with self._held_lock:
            self._in_flight.add(row.id)
        paced = self._paced is not None
        if paced:
            self._waiting_429.discard(row.id)
        try:
            with bound(delivery_id=row.id):
                sent = self._deliver_held(row, record_sent)
        finally:
            with self._held_lock:
                self._in_flight.discard(row.id)
            if paced and row.id not in self._waiting_429:  # settled: forget what was kept about it
                self._hold_backs.pop(row.id, None)
                self._fresh.discard(row.id)
        if sent:
            DELIVERIES_SENT.inc()
        return sent

    def _deliver_held(self, row, record_sent: Callable[[DeliveryRow, str | None], None] | None = None) -> int:
        now = self.clock()
        record_sent = record_sent or self._mark_sent_now
        method = slack_method(row.method)
        recover = row.attempts > 0 or (now - row.created_at > self.recovery_age and row.id not in self._fresh)
        if method == "chat.postMessage" and recover:
            try:
                earlier = find_posted(self.client, row.payload, row.id, row.created_at)
            except LookupFailed as error:
                retry_at = self.clock() + backoff(row.attempts)
                self.store.mark_retry(row.id, f"lookup: {error}"[:200], retry_at, self.clock())
                return 0
            if earlier is not None:
                log.info("outbox: delivery %s had already reached Slack; not posting it again", row.id)
                record_sent(row, earlier)
                return 1
        body = tagged_body(method, row)
        # With the writer's JSON text as the body, the payload is only the response's record of the request.
        payload = row.payload if body is not None else tag_with_delivery(method, dict(row.payload), row.id)
        outcome = send_delivery(self.client, method, payload, row.attempts, now, body=body)
        if outcome.sent:
            record_sent(row, outcome.response_ts)
            return 1
        if outcome.retry_after is not None and self._wait_in_channel(row, outcome.retry_after):
            return 0
        if outcome.maybe_sent and outcome.retry_at is not None:
            # Counted from now, after the call: a post Slack completes late must have landed before
            # the retry looks for it (a retry counted from before the call looked 0-2 s after a timeout).
            outcome = dataclasses.replace(outcome, retry_at=max(outcome.retry_at, self.clock() + self.late_post_wait))
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
            DELIVERIES_FAILED.labels(outcome.error or "unknown").inc()
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
            DELIVERIES_RETRIED.labels(outcome.error or "unknown").inc()
        return 0

    def _wait_in_channel(self, row: DeliveryRow, retry_after: float) -> bool:
        """A 429 for a paced post: pause its channel only, the post first in line when it resumes.

        Kept in memory (its lease renewed) rather than rescheduled in the outbox, so the channel's
        order holds; after ``MAX_HOLD_BACKS`` refusals it goes back to the outbox's backoff.
        """
        if self._paced is None or not self._threads or self._hold_backs.get(row.id, 0) >= MAX_HOLD_BACKS:
            return False
        if not self._paced.hold_back(row, retry_after):
            return False
        self._hold_backs[row.id] = self._hold_backs.get(row.id, 0) + 1
        self._waiting_429.add(row.id)
        DELIVERIES_RETRIED.labels("ratelimited").inc()
        log.warning(
            "outbox: Slack rate-limited channel %s; pausing it %.0f s (delivery %s waits first in line)",
            (row.payload or {}).get("channel"),
            retry_after,
            row.id,
        )
        return True

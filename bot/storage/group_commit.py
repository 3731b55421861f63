"""Group commit: concurrent callers' writes share one transaction.

Under load every server thread would otherwise run its own transaction, one
after another behind the database's write lock: a BEGIN, a handful of
statements and a COMMIT per event, each paying the driver's and SQLAlchemy's
fixed costs and, on SQLite, re-reading pages another writer changed. Here the
first caller to arrive becomes the leader and writes everything queued so far
in one transaction; callers that arrive meanwhile wait for that write to end,
and the first of them then leads the next batch. No batch waits to fill: a
lone caller writes at once, so nothing is added to an idle server's latency.

With ``hold`` (SQLite: the write lock the server's processes queue on), the
leader takes its batch only once it holds that lock: while another process
writes, callers keep joining the batch, so one transaction carries them all
(fewer commits, and fewer pages written per event, since they share pages).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Slot(Generic[Item]):
    __slots__ = ("_asleep", "item", "leads", "outcome")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: object = None
        self.leads = False
        # A lock taken at birth and released to wake the caller: cheaper than an
        # Event (one C call each way), and each slot is woken exactly once.
        self._asleep = threading.Lock()
        self._asleep.acquire()

    def sleep(self) -> None:
        self._asleep.acquire()

    def wake(self) -> None:
        self._asleep.release()


class GroupCommit(Generic[Item, Result]):
    """Runs ``write_batch`` over whatever concurrent callers of ``submit`` queued.

    ``write_batch`` gets the items in arrival order and returns one outcome per
    item, in the same order: a result, or an exception for that caller alone.
    An exception raised by ``write_batch`` itself fails every caller in the batch.
    ``hold``: a lock the leader takes before it takes its batch, held while
    ``write_batch`` runs (which must not wait for it again, unless it is reentrant).
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[Item]], Sequence[object]],
        max_batch: int = 64,
        hold: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._hold = hold
        self._lock = threading.Lock()
        self._queued: list[_Slot[Item]] = []
        self._writing = False

    @property
    def queued(self) -> int:
        """Callers waiting for a batch to take them (for monitoring and tests)."""
        with self._lock:
            return len(self._queued)

    def submit(self, item: Item) -> Result:
        slot: _Slot[Item] = _Slot(item)
        with self._lock:
            self._queued.append(slot)
            leads = not self._writing
            self._writing = True
        if not leads:
            slot.sleep()
            leads = slot.leads
        if leads:
            self._lead()
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome  # type: ignore[return-value]

    def _lead(self) -> None:
        with ExitStack() as held:
            if self._hold is not None:
                try:
                    held.enter_context(self._hold())
                except Exception:
                    pass  # the batch's own write waits for the lock instead
            with self._lock:
                batch = self._queued[: self._max_batch]
                del self._queued[: self._max_batch]
            try:
                outcomes = list(self._write_batch([slot.item for slot in batch]))
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} writes returned {len(outcomes)} outcomes")
            except BaseException as error:
                outcomes = [error] * len(batch)
        for slot, outcome in zip(batch, outcomes, strict=False):
            slot.outcome = outcome
        with self._lock:
            if self._queued:
                successor = self._queued[0]
                successor.leads = True
                successor.wake()
            else:
                self._writing = False
        # The first slot is the leader's own (it queued into an idle group, or was
        # first in line when leadership passed to it); the others sleep in submit.
        for slot in batch[1:]:
            slot.wake()

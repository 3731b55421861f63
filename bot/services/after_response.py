"""Work a request's own thread does once its HTTP response has been sent.

The relay posts a routed message's reply after the decision is committed; the
request's thread can make that Web API call itself, right after Slack has its
acknowledgement, instead of handing the reply to a sender thread (a queue put
that wakes another thread for every event). The web layer opens a scope per
request (``scope``) and runs what was deferred when the server closes the
response (WSGI calls ``close`` after the last byte is written); code that runs
outside such a scope (the poller, tests, background threads) is told so
(``defer`` returns False) and hands the work over as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator

log = logging.getLogger(__name__)

Task = Callable[[], object]

_local = threading.local()


def defer(task: Task) -> bool:
    """Run ``task`` in this thread once its response is sent; False outside a request's scope."""
    tasks: list[Task] | None = getattr(_local, "tasks", None)
    if tasks is None:
        return False
    tasks.append(task)
    return True


def run_deferred() -> None:
    """Run (and end the scope of) what this thread's request deferred; each task's failure is logged."""
    tasks: list[Task] | None = getattr(_local, "tasks", None)
    _local.tasks = None
    for task in tasks or ():
        try:
            task()
        except Exception:
            log.exception("work deferred until after a response failed")


def scope() -> None:
    """Open this thread's scope for a new request (what an earlier one left, if its response was never closed, runs first)."""
    if getattr(_local, "tasks", None):
        run_deferred()
    _local.tasks = []


class ClosingBody:
    """A WSGI response body that runs its request's deferred work when the server closes it."""

    __slots__ = ("_body",)

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            run_deferred()

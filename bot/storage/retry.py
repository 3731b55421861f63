"""Retrying a write when the database is briefly unreachable or busy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import exc

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.05  # seconds; doubles each attempt
    max_delay: float = 1.0

    def delays(self) -> list[float]:
        return [min(self.first_delay * 2**i, self.max_delay) for i in range(self.attempts - 1)]


def is_transient(error: BaseException) -> bool:
    """Errors worth retrying: a dropped connection, a server restarting, a locked SQLite file.

    Constraint violations and programming errors are not: retrying cannot fix them.
    """
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (exc.OperationalError, exc.DisconnectionError))


def run_with_retries(
    operation: Callable[[], T],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    what: str = "database write",
) -> T:
    """Run ``operation`` (one whole transaction), again after a transient failure.

    Each attempt must be a complete transaction, so a retry never sees half of
    an earlier attempt's writes.
    """
    delays = policy.delays()
    for attempt, delay in enumerate([*delays, None], start=1):
        try:
            return operation()
        except Exception as error:
            if delay is None or not is_transient(error):
                raise
            # The error text can include the URL's host but never the password (SQLAlchemy masks it).
            log.warning(
                "%s failed (attempt %d of %d), retrying in %.2fs: %s",
                what,
                attempt,
                policy.attempts,
                delay,
                type(error).__name__,
            )
            from bot.telemetry.metrics import DATABASE_RETRIES

            DATABASE_RETRIES.inc()
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover

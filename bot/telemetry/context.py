"""Ids that log lines carry while they are known: the HTTP request, the Slack event, the delivery.

Context variables, so each server thread (and the relay's senders) has its own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)
delivery_id: ContextVar[int | None] = ContextVar("delivery_id", default=None)

FIELDS: dict[str, ContextVar[Any]] = {"request_id": request_id, "event_id": event_id, "delivery_id": delivery_id}


@contextlib.contextmanager
def bound(**values: object) -> Iterator[None]:
    """Set some of the ids for the duration of a block."""
    tokens = [(FIELDS[name], FIELDS[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Puts the known ids on every record (as attributes; the JSON formatter prints the set ones)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in FIELDS.items():
            value = var.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True

"""Times the bot works with: aware UTC datetimes only."""

from __future__ import annotations

import datetime as dt


def as_utc(value: dt.datetime, name: str = "now") -> dt.datetime:
    """``value`` in UTC; a naive datetime is refused (``name`` says which argument it was)."""
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware UTC datetime, got naive {value!r}")
    return value.astimezone(dt.UTC)

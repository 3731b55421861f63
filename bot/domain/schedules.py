"""Claimed occurrences of the configured schedules (digests, reminders)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OCCURRENCE_STATUSES = ("claimed", "posted", "skipped")


@dataclass(frozen=True)
class OccurrenceRow:
    schedule_id: str
    fire_time: dt.datetime
    claimed_at: dt.datetime
    claimed_by: str
    status: str
    note: str | None

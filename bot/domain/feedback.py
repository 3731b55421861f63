"""Routing feedback: a correction recorded when a request is reassigned or dismissed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    request_id: int | None
    kind: str  # 'reassigned' | 'not_a_request'
    from_persona: str | None
    to_persona: str | None
    topics: list[str]
    matched_terms: list[str]
    excerpt: str
    actor: str
    at: dt.datetime

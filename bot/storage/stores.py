"""Every store over one ``Database``, built in one call by the composition root."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.storage.database import Database
from bot.storage.digest_queries import DigestQueries
from bot.storage.held_messages import HeldMessages
from bot.storage.intake import IntakeStore
from bot.storage.outbox import Outbox
from bot.storage.requests import RequestStore
from bot.storage.retry import RetryPolicy
from bot.storage.schedule_claims import ScheduleClaims
from bot.storage.silences import SilenceStore


@dataclass(frozen=True)
class Storage:
    """The bot's persistence, one store per aggregate. Thread-safe: share one per process."""

    database: Database
    intake: IntakeStore
    outbox: Outbox
    requests: RequestStore
    schedule_claims: ScheduleClaims
    digest: DigestQueries
    held: HeldMessages
    silences: SilenceStore

    @classmethod
    def open(
        cls,
        engine: Engine,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Storage:
        database = Database(engine, retry=retry, sleep=sleep)
        return cls(
            database=database,
            intake=IntakeStore(database),
            outbox=Outbox(database),
            requests=RequestStore(database),
            schedule_claims=ScheduleClaims(database),
            digest=DigestQueries(database),
            held=HeldMessages(database),
            silences=SilenceStore(database),
        )

    @property
    def engine(self) -> Engine:
        return self.database.engine

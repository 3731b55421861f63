"""Tags the accountable persona in the thread of a request nobody took in time."""

from __future__ import annotations

import datetime as dt

from bot.domain.deliveries import POST, NewDelivery
from bot.render import replies as render
from bot.render.blocks import humanise_duration, posted_ts
from bot.render.text import team_mention_key
from bot.scheduling.business_days import ack_window_end
from bot.services.ports import Clock, Notify, NudgeRecords
from bot.services.runtime import RuntimeHolder

SWEEP_LIMIT = 100


class Nudges:
    def __init__(self, holder: RuntimeHolder, requests: NudgeRecords, notify: Notify, clock: Clock):
        self.holder = holder
        self.requests = requests
        self.notify = notify
        self.clock = clock

    def sweep(self, now: dt.datetime | None = None) -> int:
        """Nudge every overdue request once for its current window; returns how many were nudged."""
        now = now or self.clock()
        runtime = self.holder.current
        sent = 0
        for request in self.requests.due_nudges(now, limit=SWEEP_LIMIT):
            accountable = (request.personas or {}).get("accountable") or [runtime.config.routing.fallback_persona]
            waited = humanise_duration((now - request.created_at).total_seconds())
            team = team_mention_key(request.team) if request.team else None
            payload = render.render_nudge(accountable, runtime.names.mentions, waited, team)
            payload.update(channel=request.channel_id, thread_ts=posted_ts(request.message_ts, request.reply_ts))
            next_at = ack_window_end(runtime.config, request.primary_topic, request.primary_persona, now)
            delivery = NewDelivery(
                kind="nudge",
                method=POST,
                payload=payload,
                request_id=request.id,
                dedup_key=f"nudge:{request.id}:{request.nudged_windows + 1}",
            )
            if self.requests.mark_nudged(request.id, next_at, now, delivery):
                sent += 1
        if sent:
            self.notify(None)
        return sent

"""The scheduler wired to Slack: reminders and digests go through the outbox like every post."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from bot.config.models import Persona
from bot.domain.deliveries import NewDelivery
from bot.scheduling.ticker import Ticker, start_timer
from bot.scheduling.wiring import build_ticker

log = logging.getLogger(__name__)


def build_scheduler(services, worker_id: str) -> Ticker:
    def post(message: dict) -> None:
        names = services.holder.current.names
        channel = names.channel_id(message["channel"])
        if channel is None:
            raise LookupError(f"cannot post a reminder: channel {message['channel']} not found in Slack")
        payload = {"channel": channel, "text": message["text"], "blocks": message.get("blocks"), "unfurl_links": False}
        delivery_id = services.store.outbox.enqueue(
            NewDelivery(kind="scheduled", method="chat.postMessage", payload=payload), services.clock()
        )
        services.relay.notify(delivery_id)

    def sweep_nudges(now) -> list[dict]:
        # Nudges enqueue their own thread replies, each window's claimed on the
        # request row, so nothing is left for the ticker to post.
        services.nudges.sweep(now)
        return []

    def mentions(persona: Persona) -> list[str]:
        resolved = services.holder.current.names.mentions.by_persona.get(persona.id)
        return resolved.split() if resolved else [f"*{persona.name}*"]

    return build_ticker(
        lambda: services.holder.current.config,
        services.store,
        post,
        clock=services.clock,
        worker_id=worker_id,
        mentions=mentions,
        nudge_sweep=sweep_nudges,
    )


def start_in_process_scheduler(services) -> BackgroundScheduler:
    from bot.slack.app import worker_id

    return start_timer(build_scheduler(services, worker_id()))


def run_scheduler_forever(services, stop: threading.Event) -> None:
    timer = start_in_process_scheduler(services)
    log.info("scheduler running")
    try:
        stop.wait()
    finally:
        timer.shutdown(wait=False)

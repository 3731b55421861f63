"""The real bot under gunicorn on a real port, talking to the Slack simulator over HTTP.

The ``harness`` fixture (``conftest.py``) starts one per test module; tests that
need their own bot start one with ``start_harness``.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.storage.db import make_engine
from bot.storage.stores import Storage

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config"


@dataclass
class Harness:
    sim: SlackSimulator
    bot: LocalBot
    store: Storage
    alerts: str  # channel id of #cost-alerts
    members: dict[str, str]  # persona id -> a user in that persona's user group
    person: str  # a user in no persona
    config_dir: Path

    def post(self, text: str = "", **fields) -> str:
        return self.sim.post_message(
            self.bot.url, self.alerts, user=fields.pop("user", self.person), text=text, **fields
        )

    def reply_to(self, ts: str, timeout: float = 15.0) -> dict:
        return self.sim.wait_for_replies(self.alerts, ts, count=1, timeout=timeout)[0]

    def command(self, text: str, user: str | None = None):
        return self.sim.send_command(self.bot.url, text=text, user_id=user or self.person, channel_id=self.alerts)

    def bot_posts_in_thread(self, ts: str) -> list:
        return [call for call in self.sim.calls("chat.postMessage") if call.ok and call.params.get("thread_ts") == ts]


def wait_until(predicate, timeout: float = 15.0, what: str = "condition"):
    """Poll state another process writes (the database), with a deadline.

    Waiting on a Condition is impossible across processes; this re-checks on a
    short interval and fails loudly instead of assuming a fixed delay suffices.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        pause.wait(0.05)


def copy_config(tmp: Path, edit=None) -> Path:
    target = tmp / "config"
    shutil.copytree(SHIPPED_CONFIG, target)
    if edit:
        edit(target)
    return target


def start_harness(
    tmp: Path, database: str, config_dir: Path, extra_env=None, seed_from: Path = SHIPPED_CONFIG, before_start=None
) -> Harness:
    """The workspace holds what the shipped config names; ``config_dir`` may name other things.

    ``before_start(sim)`` runs once the workspace is seeded, before the bot starts (to inject failures).
    """
    config = load_config(seed_from).config
    sim = SlackSimulator().start()
    members = seed_workspace(sim, config)
    person = sim.add_user("dana", email="dana@example.com")
    if before_start is not None:
        before_start(sim)
    bot = LocalBot(bot_env(sim, database=database, config_dir=config_dir, extra=extra_env)).start()
    engine = make_engine(database)
    return Harness(sim, bot, Storage.open(engine), sim.channel_id("cost-alerts"), members, person, config_dir)


def stop_harness(harness: Harness) -> None:
    """End a test's bot at once (SIGKILL): nothing is asserted about it afterwards, and a graceful stop
    costs about half a second of waiting per bot. Tests about stopping send SIGTERM themselves
    (``bot.stop()``: test_shutdown_drain, test_pacing, test_crash)."""
    harness.bot.kill()
    harness.sim.stop()
    harness.store.engine.dispose()

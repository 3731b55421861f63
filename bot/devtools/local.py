"""Run the real bot locally against the Slack simulator.

``LocalBot`` starts ``finops-bot serve`` (gunicorn, the production server) as a
child process on 127.0.0.1 with ``SLACK_API_URL`` pointing at the simulator.
The demo, the end-to-end tests and the benchmarks all use it, so what they
exercise is the same HTTP path Slack uses in production.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config.models import BotConfig
from bot.config.values import CHANNEL_ID
from bot.storage.db import database_url, make_engine, upgrade
from bot.web.server import READY_MARK

READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalBot:
    env: Mapping[str, str]
    workers: int = 1
    threads: int = 8
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"

    def start(self) -> LocalBot:
        engine = make_engine(database_url(self.env.get("DATABASE_URL")))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self._wait_ready()

    def _wait_ready(self) -> LocalBot:
        listening: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump_log, args=(listening,), daemon=True).start()
        try:
            line = listening.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("finops-bot serve did not start in time:\n" + self.log_text()) from None
        if line is None:
            raise RuntimeError("finops-bot serve exited during start-up:\n" + self.log_text())
        # gunicorn binds before its worker has loaded the app; the health check
        # waits in the listen backlog until the worker answers.
        with urllib.request.urlopen(self.health_url, timeout=READY_TIMEOUT) as response:
            if response.status != 200:
                raise RuntimeError(f"health check answered {response.status}")
        return self

    def _pump_log(self, listening: queue.Queue) -> None:
        assert self.process is not None and self.process.stdout is not None
        announced = False
        for line in self.process.stdout:
            self.log_lines.append(line.rstrip("\n"))
            if not announced and READY_MARK in line:
                announced = True
                listening.put(line)
        if not announced:
            listening.put(None)

    def log_text(self) -> str:
        return "\n".join(self.log_lines[-60:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Kill the whole server at once, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            _kill_tree(self.process.pid)
            self.process.wait()

    def __enter__(self) -> LocalBot:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _kill_tree(pid: int) -> None:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        _kill_tree(int(child))
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def seed_workspace(sim, config: BotConfig) -> dict[str, str]:
    """Create in the simulator every channel, user group and person the config names.

    A config may name one channel, group or person in several places (the digest posted in a
    watched channel, two personas sharing a group): each is created once.
    Returns a map of persona id → the id of a member user, so a test or the demo
    can act as someone from that persona.
    """
    members: dict[str, str] = {}
    routing = config.routing
    for channel in (*routing.watch.channels, routing.digest.channel, *routing.receivers.channels()):
        _ensure_channel(sim, channel)
    for persona in config.personas.personas:
        _ensure_channel(sim, persona.slack.channel)
        user_id = sim.add_user(f"{persona.id}-lead", email=f"{persona.id}-lead@example.com")
        members[persona.id] = user_id
        _ensure_usergroup(sim, persona.slack.usergroup, user_id)
        for person in persona.slack.people:
            if "@" in person and not person.startswith("@") and not _has_user(sim, person):
                sim.add_user(person.split("@")[0], email=person)
    for team in config.owners.teams:  # owners.yaml: members under "team:<id>"
        _ensure_channel(sim, team.slack.channel)
        user_id = sim.add_user(f"{team.id}-lead", email=f"{team.id}-lead@example.com")
        members[f"team:{team.id}"] = user_id
        _ensure_usergroup(sim, team.slack.usergroup, user_id)
    return members


def _ensure_channel(sim, channel: str | None) -> None:
    if not channel or sim.workspace.find_channel(channel.lstrip("#")) is not None:
        return
    if CHANNEL_ID.match(channel):
        # Named by id (watch.channels: ["C0123ABCD"]): the bot watches that id, so the channel must have it.
        sim.add_channel(channel.lower(), channel_id=channel, is_private=channel.startswith("G"))
    else:
        sim.add_channel(channel.lstrip("#"))


def _ensure_usergroup(sim, handle: str | None, user_id: str) -> None:
    if not handle:
        return
    handle = handle.lstrip("@")
    with sim.workspace.lock:
        group = next((g for g in sim.workspace.usergroups.values() if g.handle == handle), None)
        if group is not None:
            if user_id not in group.users:
                group.users.append(user_id)
            return
    sim.add_usergroup(handle, users=[user_id])


def _has_user(sim, email: str) -> bool:
    try:
        sim.workspace.resolve_user(email)
    except ValueError:
        return False
    return True


def bot_env(
    sim, *, database: str | None, config_dir: str | Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_APP_TOKEN": sim.app_token,
        "SLACK_API_URL": sim.api_url,
        "FINOPS_CONFIG_DIR": str(config_dir),
        "LOG_LEVEL": "WARNING",
        # The simulator takes posts as fast as they come unless told to limit them
        # (``rate_limit_posts``): tests and the demo send unpaced unless they set a rate.
        "FINOPS_SLACK_CHANNEL_RATE": "0",
        # A silence set with the CLI applies to the very next alert (the bench restores the default).
        "FINOPS_SILENCES_REFRESH_SECONDS": "0",
    }
    if database:
        env["DATABASE_URL"] = database
    env.update(extra or {})
    return env

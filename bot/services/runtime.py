"""The live configuration and what is derived from it, swapped whole on reload."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config.loader import ConfigError, load_config
from bot.config.models import BotConfig
from bot.routing.router import Router
from bot.routing.who_owns import TopicLookup
from bot.services.ports import SlackNames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """One consistent snapshot of config and what is derived from it.

    Replaced as a whole on reload, so a request never sees half of two configs.
    """

    config: BotConfig
    router: Router
    lookup: TopicLookup
    names: SlackNames
    watched_channel_ids: frozenset[str]
    version: str  # hash of the config files' contents, shown by /healthz
    # Watched channels given by name whose id is not known yet because Slack failed to list channels:
    # a message from an unknown channel may be from one of them, so it is held, not dropped.
    unresolved_watch: tuple[str, ...] = ()

    @functools.cached_property
    def topic_names(self) -> dict[str, str]:
        """Topic names by id, built once per runtime (every routed reply looks two up)."""
        return {t.id: t.name for t in self.config.routing.topics}


NamesBuilder = Callable[[BotConfig, SlackNames | None], SlackNames]


class RuntimeHolder:
    """Holds the current Runtime; a reload that fails keeps the last good one.

    Two things can change it, both from ``reload_if_changed`` (the relay's poller, every few seconds):

    - the config files, once their contents have stayed the same for ``settle_seconds`` (two reads that
      far apart hash alike), so a file caught mid-write is never loaded; what changed is logged;
    - the Slack names, while the last resolution was incomplete (Slack failed mid-way): tried again
      with backoff (2 s doubling to ``names_retry_max_seconds``) until it succeeds. A failed
      resolution keeps the last good names (``build_names`` receives them).
    """

    def __init__(
        self,
        config_dir: Path,
        build_names: NamesBuilder,
        config: BotConfig | None = None,
        *,
        settle_seconds: float = 1.0,
        names_retry_max_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``config``: the config already loaded from ``config_dir`` at start-up, so it is parsed once."""
        self.config_dir = Path(config_dir)
        self._build_names = build_names
        self._settle_seconds = settle_seconds
        self._names_retry_max = names_retry_max_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen_version = self._files_version()
        self._candidate: tuple[str, float] | None = None  # a changed version and when it was first seen
        self._names_failures = 0
        self._names_retry_at = 0.0
        # Why the config on disk was last rejected, until a reload succeeds (shown by /readyz).
        self.reload_error: str | None = None
        self.current = self._build(config or load_config(self.config_dir).config, self._seen_version, None)

    def _build(self, config: BotConfig, version: str, previous: SlackNames | None) -> Runtime:
        names = self._build_names(config, previous)
        if names.complete:
            self._names_failures = 0
        else:
            self._names_failures += 1
            delay = min(self._names_retry_max, 2.0**self._names_failures)
            self._names_retry_at = self._monotonic() + delay
            log.warning("slack names incomplete (Slack failed); trying again in %.0f s", delay)
        watched = frozenset(
            channel_id for channel in config.routing.watch.channels if (channel_id := names.channel_id(channel))
        )
        unresolved = (
            () if names.complete else tuple(c for c in config.routing.watch.channels if not names.channel_id(c))
        )
        return Runtime(config, Router(config), TopicLookup(config), names, watched, version, unresolved)

    def _files_version(self) -> str:
        # Contents, not mtimes: deploy tools may keep mtimes, and two saves can share one.
        digest = hashlib.sha256()
        for name in ("personas.yaml", "routing.yaml"):
            path = self.config_dir / name
            digest.update(path.read_bytes() if path.exists() else b"")
        return digest.hexdigest()[:12]

    def reload_if_changed(self) -> bool:
        """Reload a changed, settled config, or names still incomplete. True when a new Runtime took effect."""
        with self._lock:
            if self._reload_config():
                return True
            return self._retry_names()

    def _reload_config(self) -> bool:
        version = self._files_version()
        if version == self._seen_version:
            self._candidate = None
            return False
        now = self._monotonic()
        if self._candidate is None or self._candidate[0] != version:
            self._candidate = (version, now)  # changed, maybe still being written: look again later
            return False
        if now - self._candidate[1] < self._settle_seconds:
            return False
        try:
            loaded = load_config(self.config_dir)
        except ConfigError as error:
            self._seen_version = version
            self.reload_error = str(error).splitlines()[0] if str(error) else "invalid config"
            log.error("config reload rejected, keeping the last good config (%s):\n%s", self.current.version, error)
            return False
        if self._files_version() != version:
            return False  # written again while it was read: wait for it to settle again
        self._seen_version = version
        self._candidate = None
        previous = self.current
        self.current = self._build(loaded.config, version, previous.names)
        self.reload_error = None
        log.warning(
            "config reloaded from %s: %s -> %s; %s",
            self.config_dir,
            previous.version,
            version,
            describe_changes(previous.config, loaded.config),
        )
        return True

    def _retry_names(self) -> bool:
        runtime = self.current
        if runtime.names.complete or self._monotonic() < self._names_retry_at:
            return False
        self.current = self._build(runtime.config, runtime.version, runtime.names)
        if self.current.names.complete:
            log.warning(
                "slack names resolved after %s; watching %d channels",
                "earlier failures",
                len(self.current.watched_channel_ids),
            )
        return True


def describe_changes(before: BotConfig, after: BotConfig) -> str:
    """``topics (41) +a -b; watched channels (2) +#finops`` (or ``no topics, personas, … added or removed``)."""
    parts = []
    for label, old, new in (
        ("topics", {t.id for t in before.routing.topics}, {t.id for t in after.routing.topics}),
        ("personas", set(before.persona_ids), set(after.persona_ids)),
        ("watched channels", set(before.routing.watch.channels), set(after.routing.watch.channels)),
        ("teams", {t.id for t in before.owners.teams}, {t.id for t in after.owners.teams}),
    ):
        added, removed = sorted(new - old), sorted(old - new)
        if added or removed:
            parts.append(
                f"{label} ({len(new)}) "
                + " ".join([*(f"+{name}" for name in added), *(f"-{name}" for name in removed)])
            )
    return "; ".join(parts) or "no topics, personas, watched channels or teams added or removed"

"""The live configuration and what is derived from it, swapped whole on reload."""

from __future__ import annotations

import hashlib
import logging
import threading
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

    @property
    def topic_names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.config.routing.topics}


class RuntimeHolder:
    """Holds the current Runtime; a reload that fails keeps the last good one."""

    def __init__(
        self,
        config_dir: Path,
        build_names: Callable[[BotConfig], SlackNames],
        config: BotConfig | None = None,
    ) -> None:
        """``config``: the config already loaded from ``config_dir`` at start-up, so it is parsed once."""
        self.config_dir = Path(config_dir)
        self._build_names = build_names
        self._lock = threading.Lock()
        self._seen_version = self._files_version()
        self.current = self._build(config or load_config(self.config_dir).config, self._seen_version)

    def _build(self, config: BotConfig, version: str) -> Runtime:
        names = self._build_names(config)
        watched = frozenset(
            channel_id for channel in config.routing.watch.channels if (channel_id := names.channel_id(channel))
        )
        return Runtime(config, Router(config), TopicLookup(config), names, watched, version)

    def _files_version(self) -> str:
        # Contents, not mtimes: deploy tools may keep mtimes, and two saves can share one.
        digest = hashlib.sha256()
        for name in ("personas.yaml", "routing.yaml"):
            path = self.config_dir / name
            digest.update(path.read_bytes() if path.exists() else b"")
        return digest.hexdigest()[:12]

    def reload_if_changed(self) -> bool:
        """Reload when a config file changed. Returns True when a new config took effect."""
        with self._lock:
            version = self._files_version()
            if version == self._seen_version:
                return False
            self._seen_version = version
            try:
                loaded = load_config(self.config_dir)
            except ConfigError as error:
                log.error("config reload rejected, keeping the last good config (%s):\n%s", self.current.version, error)
                return False
            self.current = self._build(loaded.config, version)
            log.warning("config reloaded from %s: now at version %s", self.config_dir, version)
            return True

"""What the config-reload log line says changed (bot.services.runtime.describe_changes)."""

from __future__ import annotations

from bot.config.loader import load_config
from bot.config.models import BotConfig
from bot.services.runtime import describe_changes
from tests.services.fakes import SHIPPED_CONFIG


def with_channels(config: BotConfig, *channels: str) -> BotConfig:
    routing = config.routing.model_copy(
        update={"watch": config.routing.watch.model_copy(update={"channels": channels})}
    )
    return config.model_copy(update={"routing": routing})


def test_a_reload_that_only_changed_the_watched_channels_says_so() -> None:
    before = load_config(SHIPPED_CONFIG).config
    after = with_channels(before, "#cost-alerts", "#finops-alerts")

    assert describe_changes(before, after) == "watched channels (2) +#finops-alerts"
    assert describe_changes(after, before) == "watched channels (1) -#finops-alerts"
    assert describe_changes(before, before) == "no topics, personas, watched channels or teams added or removed"

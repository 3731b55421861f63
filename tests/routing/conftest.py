"""Fixtures for the routing tests: the shipped configuration and small custom ones."""

from __future__ import annotations

import pytest

from bot.config.loader import load_config
from bot.config.models import BotConfig
from bot.routing.router import Router
from bot.routing.who_owns import TopicLookup
from tests.routing.routing_support import CONFIG_DIR


@pytest.fixture(scope="session")
def shipped_config() -> BotConfig:
    return load_config(CONFIG_DIR).config


@pytest.fixture(scope="session")
def router(shipped_config: BotConfig) -> Router:
    return Router(shipped_config)


@pytest.fixture(scope="session")
def lookup(shipped_config: BotConfig) -> TopicLookup:
    return TopicLookup(shipped_config)

"""Fixtures for the routing tests: the shipped configuration and small custom ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config.loader import load_config
from bot.config.models import BotConfig, RoutingFile
from bot.routing.router import Router
from bot.routing.who_owns import TopicLookup

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "config"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SHARED_EVAL = REPO.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def shipped_config() -> BotConfig:
    return load_config(CONFIG_DIR).config


@pytest.fixture(scope="session")
def router(shipped_config: BotConfig) -> Router:
    return Router(shipped_config)


@pytest.fixture(scope="session")
def lookup(shipped_config: BotConfig) -> TopicLookup:
    return TopicLookup(shipped_config)


def config_with_routing(base: BotConfig, routing_yaml: str) -> BotConfig:
    """The shipped personas with a custom routing file (validated by the model only)."""
    routing = RoutingFile.model_validate(yaml.safe_load(routing_yaml))
    return BotConfig(personas=base.personas, routing=routing, source_dir="<test>")


def config_with_owners(base: BotConfig, owners: dict) -> BotConfig:
    """The shipped personas and routing with owners.yaml teams (validated by the model only)."""
    from bot.config.models import OwnersFile

    return BotConfig(
        personas=base.personas, routing=base.routing, owners=OwnersFile.model_validate(owners), source_dir="<test>"
    )

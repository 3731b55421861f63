"""Paths and helpers the routing tests share (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config.models import BotConfig, RoutingFile

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "config"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SHARED_EVAL = REPO.parent / "shared" / "eval"


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

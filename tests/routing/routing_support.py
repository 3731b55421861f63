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

"""The Slack tests' fixture: one running bot and simulator per test module (see ``harness.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack.harness import Harness, copy_config, start_harness, stop_harness


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("slack")
    config_dir = copy_config(tmp)
    running = start_harness(tmp, f"sqlite:///{tmp / 'bot.db'}", config_dir)
    yield running
    stop_harness(running)

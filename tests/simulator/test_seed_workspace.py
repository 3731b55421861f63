"""The demo's workspace seeding when the config names a channel or group in several places."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config.loader import load_config
from bot.devtools.local import seed_workspace
from bot.devtools.simulator import SlackSimulator
from tests.simulator.demo_runs import run_demo_feed
from tests.slack.harness import SHIPPED_CONFIG


def overlapping_config(tmp_path: Path) -> Path:
    """The shipped config with the digest in the watched channel, a persona channel watched too,
    and the product persona sharing the finance persona's user group."""
    directory = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, directory)
    routing = directory / "routing.yaml"
    text = routing.read_text(encoding="utf-8")
    text = text.replace("channels: ['#cost-alerts']", "channels: ['#cost-alerts', '#finops-finance']")
    routing.write_text(text.replace("channel: '#finops'\n", "channel: '#cost-alerts'\n"), encoding="utf-8")
    personas = directory / "personas.yaml"
    text = personas.read_text(encoding="utf-8")
    personas.write_text(text.replace('usergroup: "@finops-product"', 'usergroup: "@finops-finance"'), encoding="utf-8")
    return directory


def test_each_channel_and_group_is_created_once(tmp_path: Path) -> None:
    config = load_config(overlapping_config(tmp_path)).config
    assert config.routing.digest.channel == "#cost-alerts"  # the edits above took
    with SlackSimulator() as sim:
        members = seed_workspace(sim, config)
        names = [channel.name for channel in sim.workspace.channels.values()]
        groups = [group for group in sim.workspace.usergroups.values() if group.handle == "finops-finance"]
    assert names.count("cost-alerts") == 1 and names.count("finops-finance") == 1
    assert len(groups) == 1
    assert {members["finance"], members["product"]} <= set(groups[0].users)


def test_demo_replays_only_the_feed_on_a_config_whose_digest_posts_in_a_watched_channel(tmp_path: Path) -> None:
    result = run_demo_feed(tmp_path, overlapping_config(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "#cost-alerts" in result.stdout and "finops-bot APP" in result.stdout
    # A feed replaces the whole bundled sample: no /finops commands of its own, no button pressed for you.
    assert "/finops" not in result.stdout and "Status: *Open*" in result.stdout
    assert "Taken" not in result.stdout


def config_watching_by_id(tmp_path: Path) -> Path:
    """The shipped config watching a channel given by its id, as configuration.md allows."""
    directory = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, directory)
    routing = directory / "routing.yaml"
    text = routing.read_text(encoding="utf-8").replace("channels: ['#cost-alerts']", "channels: ['C0123ABCD']")
    routing.write_text(text, encoding="utf-8")
    return directory


def test_a_channel_the_config_names_by_id_is_created_with_that_id(tmp_path: Path) -> None:
    config = load_config(config_watching_by_id(tmp_path)).config
    assert config.routing.watch.channels == ("C0123ABCD",)
    with SlackSimulator() as sim:
        seed_workspace(sim, config)
        channel = sim.workspace.find_channel("C0123ABCD")
        assert channel is not None and channel.id == "C0123ABCD"


def test_the_demo_replies_in_a_watched_channel_given_by_id(tmp_path: Path) -> None:
    # It waited 30 s and ended in a traceback: the message went to a channel the bot did not watch.
    result = run_demo_feed(tmp_path, config_watching_by_id(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "finops-bot APP" in result.stdout

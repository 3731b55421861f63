"""A config file caught mid-write is never loaded (issue 11, item 10); a settled one is, and what changed is logged."""

from __future__ import annotations

import json
import threading
import urllib.request

from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until


def health(harness) -> dict:
    with urllib.request.urlopen(harness.bot.health_url, timeout=10) as response:
        return json.loads(response.read())


def growing_prefixes(text: str) -> list[str]:
    """The file as a writer flushing topic by topic leaves it: each prefix is valid YAML with fewer topics."""
    lines = text.splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if line.startswith("topics:"))
    cuts = [index for index, line in enumerate(lines) if index > start and line.startswith("  - id:")]
    return ["".join(lines[:cut]) for cut in cuts[len(cuts) // 2 :]]


def test_a_config_still_being_written_is_not_loaded_and_the_settled_one_is(tmp_path):
    config_dir = copy_config(tmp_path)
    harness = start_harness(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", config_dir)
    routing = config_dir / "routing.yaml"
    original = routing.read_text()
    try:
        before = health(harness)
        seen_topics = set()
        pace = threading.Event()
        # A slow writer: the file keeps changing (every 0.2 s) across several of the bot's 2-second polls.
        for round_ in range(3):
            for prefix in growing_prefixes(original)[::2]:
                routing.write_text(prefix + f"# write {round_}\n")
                seen_topics.add(health(harness)["topics"])
                pace.wait(0.2)
        assert seen_topics == {before["topics"]}  # no half-written file was ever loaded

        trimmed = original.replace("fallback_persona: finops-practitioner", "fallback_persona: finance")
        last_topic = trimmed.rindex("\n  - id:")
        removed = trimmed[last_topic:].split("id:", 1)[1].split()[0]
        routing.write_text(trimmed[: last_topic + 1])
        after = wait_until(
            lambda: (status := health(harness))["config_version"] != before["config_version"] and status,
            timeout=30,
            what="the settled config to be loaded",
        )
        assert after["topics"] == before["topics"] - 1
        reloaded = wait_until(
            lambda: [line for line in harness.bot.log_lines if "config reloaded" in line],
            timeout=10,
            what="the reload to be logged",
        )
        assert len(reloaded) == 1 and f"-{removed}" in reloaded[0]
    finally:
        stop_harness(harness)

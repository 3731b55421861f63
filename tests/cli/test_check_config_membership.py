"""`finops-bot check-config --slack`: channels the bot has not been invited to."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.cli.config import membership_notes
from bot.config.loader import load_config
from bot.devtools.simulator import SlackSimulator
from tests.slack.harness import SHIPPED_CONFIG


def test_a_watched_or_persona_channel_the_bot_is_not_in_gets_a_note() -> None:
    # Names resolved all the same, so check-config --slack said nothing, and the bot then read
    # nothing in #cost-alerts and every post to #finops-finance failed with not_in_channel.
    config = load_config(SHIPPED_CONFIG).config
    with SlackSimulator() as sim:
        sim.add_channel("cost-alerts", bot_is_member=False)
        sim.add_channel("finops-finance", bot_is_member=False)
        sim.add_channel("finops-team")
        notes = membership_notes(WebClient(token=sim.bot_token, base_url=sim.api_url), config)

    assert notes == [
        "note: the bot is not in #cost-alerts (watched): it reads none of its messages until you "
        "/invite @finops-bot in #cost-alerts",
        "note: the bot is not in #finops-finance (persona finance): its posts there fail until you "
        "/invite @finops-bot in #finops-finance",
    ]

"""Owners by scope through the real app: gunicorn, signed requests, the Slack simulator, a database."""

from __future__ import annotations

import json

import pytest

from tests.slack.harness import copy_config, start_harness, stop_harness

OWNERS = """\
version: 1
teams:
  - id: payments
    name: Payments
    slack: {channel: "#payments-eng", usergroup: "@payments-oncall"}
    personas: [engineering]
    scopes:
      aws_accounts: ["111122223333"]
  - id: search
    name: Search
    slack: {channel: "#search-eng"}
    scopes:
      aws_accounts: ["444455556666"]
"""
ANOMALY = "AWS Cost Anomaly Detection Alert | Account: {} | Amazon Elastic Compute Cloud | Total impact: $2,740.12"


@pytest.fixture(scope="module")
def owned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("owners")
    config_dir = copy_config(tmp, lambda target: (target / "owners.yaml").write_text(OWNERS))
    running = start_harness(tmp, f"sqlite:///{tmp / 'bot.db'}", config_dir, seed_from=config_dir)
    yield running
    stop_harness(running)


def _alert(harness, account: str) -> tuple[str, dict]:
    bot_id = harness.sim.add_bot(f"AWS Chatbot {account}")
    ts = harness.sim.post_message(
        harness.bot.url, harness.alerts, bot_id=bot_id, username="AWS Chatbot", text=ANOMALY.format(account)
    )
    return ts, harness.reply_to(ts)


def test_same_alert_text_for_two_accounts_tags_two_teams(owned):
    payments = owned.sim.channel_id("payments-eng")
    search = owned.sim.channel_id("search-eng")
    engineering = owned.sim.channel_id("finops-engineering")
    first_ts, first = _alert(owned, "111122223333")
    second_ts, second = _alert(owned, "444455556666")
    first_text, second_text = json.dumps(first), json.dumps(second)
    assert f"<#{payments}>" in first_text and f"<#{search}>" not in first_text
    assert f"<#{search}>" in second_text and f"<#{payments}>" not in second_text
    # The persona's own channel is consulted (named), not tagged.
    assert f"<#{engineering}>" not in first_text and "Consulted: Engineering" in first_text
    assert "Owned by *Payments* (account 111122223333)" in first_text
    # The stored requests keep the team and the scope.
    first_row = owned.store.requests.find_by_message(owned.sim.team_id, owned.alerts, first_ts)
    second_row = owned.store.requests.find_by_message(owned.sim.team_id, owned.alerts, second_ts)
    assert (first_row.team, first_row.team_scope) == ("payments", "account 111122223333")
    assert (second_row.team, second_row.team_scope) == ("search", "account 444455556666")


def test_an_account_no_team_owns_tags_the_persona_channel(owned):
    _ts, reply = _alert(owned, "210987654321")
    text = json.dumps(reply)
    assert f"<#{owned.sim.channel_id('finops-engineering')}>" in text and "Owned by" not in text


def test_buttons_and_open_name_the_team(owned):
    _ts, reply = _alert(owned, "111122223333")
    assert "team *Payments*" in json.dumps(reply)  # the status line above the buttons
    taker = owned.members["team:payments"]
    press = owned.sim.block_actions_payload(reply["ts"], owned.alerts, "finops_take", user_id=taker)
    assert owned.sim.send_action(owned.bot.url, press).status == 200
    update = owned.sim.wait_for(lambda c: c.method == "chat.update" and c.params.get("ts") == reply["ts"], timeout=15)
    assert "team *Payments*" in json.dumps(update[0].params) and "Taken" in json.dumps(update[0].params)
    response = owned.command("open")
    assert "Payments (Engineering)" in response.body["text"]


def test_who_owns_an_account_answers_with_the_team(owned):
    response = owned.command("who-owns account 111122223333")
    text = json.dumps(response.body)
    assert response.status == 200 and "Payments" in text and owned.sim.channel_id("payments-eng") in text
    response = owned.command("who-owns account 210987654321")
    assert "No team owns account 210987654321" in response.body["text"]
    response = owned.command("who-owns anomalies")
    assert "Engineering" in json.dumps(response.body)

"""Silences through the real ``serve`` process: set from the CLI, from /finops and from an alert's menu."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from bot.receivers.webhook import sign
from tests.receivers.conftest import SECRETS, Receivers
from tests.receivers.signing import KUBECOST_ALERT, azure_budget_alert
from tests.receivers.test_receivers_serve import AZURE, KUBECOST, post_of


def cli(receivers: Receivers, *args: str) -> subprocess.CompletedProcess:
    url = receivers.harness.store.engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "silence", *args, "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
    )


def kubecost(
    receivers: Receivers, alert_id: str, namespace: str = "payments", stamp: str | None = None, **labels: str
) -> tuple[int, dict]:
    alert = dict(KUBECOST_ALERT, id=alert_id, labels=dict(KUBECOST_ALERT["labels"], namespace=namespace, **labels))
    body = json.dumps(alert).encode()
    stamp = stamp or str(int(time.time()))
    headers = {
        "X-Finops-Timestamp": stamp,
        "X-Finops-Signature": sign(SECRETS["FINOPS_WEBHOOK_SECRET_KUBECOST"], stamp, body),
    }
    return receivers.post(KUBECOST, body, headers)


def test_a_cli_silence_mutes_matching_alerts_until_expired(receivers: Receivers) -> None:
    added = cli(
        receivers,
        "add",
        "--match",
        "source=kubecost,namespace=payments",
        "--for",
        "7d",
        "--reason",
        "known migration",
        "--by",
        "alice",
    )
    assert added.returncode == 0, added.stderr
    silence_id = added.stdout.split()[1].rstrip(":")

    posts_before = len(receivers.posts())
    stamp = str(int(time.time()))
    status, body = kubecost(receivers, "kc-muted-1", stamp=stamp)
    assert (status, body["action"], str(body["silence_id"])) == (200, "muted", silence_id)
    # A retry (the same signed request) is not counted twice.
    assert kubecost(receivers, "kc-muted-1", stamp=stamp)[1]["action"] == "duplicate"
    status, other = kubecost(receivers, "kc-other-ns", namespace="search")  # not matched: posted
    assert other["action"] == "posted"
    post_of(receivers, other["request_id"])
    assert len(receivers.posts()) == posts_before + 1

    listed = cli(receivers, "list")
    [line] = [row for row in listed.stdout.splitlines() if row.startswith(f"{silence_id}\t")]
    assert "namespace=payments,source=kubecost" in line and "set by alice" in line
    assert "1 muted" in line and "reason: known migration" in line

    mutes = receivers.harness.command("mutes")
    assert mutes.status == 200 and "known migration" in json.dumps(mutes.body)

    expired = cli(receivers, "expire", silence_id, "--by", "bob")
    assert expired.returncode == 0 and "by bob" in expired.stdout
    assert kubecost(receivers, "kc-after-expiry")[1]["action"] == "posted"


def test_finops_mute_command_sets_a_silence(receivers: Receivers) -> None:
    answer = receivers.harness.command("mute source=kubecost,namespace=checkout for 1d noisy during the sale")
    assert answer.status == 200
    text = json.dumps(answer.body)
    assert "namespace=checkout,source=kubecost" in text and "noisy during the sale" in text
    assert kubecost(receivers, "kc-checkout", namespace="checkout")[1]["action"] == "muted"

    bad = receivers.harness.command("mute kubecost for ever")
    assert "is not a duration" in json.dumps(bad.body)


def test_a_webhook_scope_spelt_with_a_hyphen_can_be_silenced(receivers: Receivers) -> None:
    # The kubecost webhook maps the scope `cost-center`; matcher keys are lower case with underscores.
    config = str(receivers.harness.config_dir)
    added = cli(receivers, "add", "--match", "cost-center=1234", "--for", "1d", "--config-dir", config)
    assert added.returncode == 0, added.stderr
    assert "cost_center=1234" in added.stdout
    silence_id = added.stdout.split()[1].rstrip(":")
    status, body = kubecost(receivers, "kc-cc-1234", **{"cost-center": "1234"})
    assert (status, body["action"], str(body.get("silence_id"))) == (200, "muted", silence_id)
    assert kubecost(receivers, "kc-cc-9999", **{"cost-center": "9999"})[1]["action"] == "posted"

    answer = receivers.harness.command("mute CostCenter=5678 for 1d cost centre being moved")
    assert "cost_center=5678" in json.dumps(answer.body)
    assert kubecost(receivers, "kc-cc-5678", **{"cost-center": "5678"})[1]["action"] == "muted"

    assert cli(receivers, "expire", silence_id).returncode == 0
    muted_by_command = re.search(r"Silence #(\d+) set", json.dumps(answer.body)).group(1)
    assert cli(receivers, "expire", muted_by_command).returncode == 0
    assert kubecost(receivers, "kc-cc-1234-later", **{"cost-center": "1234"})[1]["action"] == "posted"


def test_mute_similar_from_an_alert_post(receivers: Receivers) -> None:
    token = "?token=" + SECRETS["FINOPS_AZURE_TOKEN"]
    first = azure_budget_alert(alert_id="mute-1")
    first["data"]["alertContext"]["AlertData"]["BudgetName"] = "platform-monthly"
    _status, body = receivers.post(AZURE + token, first)
    assert body["action"] == "posted"
    request, _post = post_of(receivers, body["request_id"])
    ref = f"{request.channel_id}:{request.message_ts}"
    sim = receivers.harness.sim
    clicked = sim.click_button(
        receivers.harness.bot.url, request.reply_ts, receivers.harness.alerts, "finops_mute_similar", value=f"{ref}|7d"
    )
    assert clicked.status == 200
    [note] = sim.wait_for_replies(receivers.harness.alerts, request.reply_ts, count=1)
    assert "source=azure-budget" in json.dumps(note)
    assert "subscription=11111111-2222-3333-4444-555555555555" in json.dumps(note)

    other_budget = azure_budget_alert(alert_id="mute-2")
    other_budget["data"]["alertContext"]["AlertData"]["BudgetName"] = "data-monthly"
    other_budget["data"]["alertContext"]["AlertData"]["BudgetId"] = "/subscriptions/x/budgets/data-monthly"
    assert receivers.post(AZURE + token, other_budget)[1]["action"] == "muted"


def test_a_muted_slack_message_gets_a_quiet_reply(receivers: Receivers) -> None:
    harness = receivers.harness
    answer = harness.command("mute source=person,topic=* for 30m channel noise while testing")
    assert answer.status == 200
    ts = harness.post("Our AWS Savings Plans coverage dropped to 60%, can someone check the commitment?")
    reply = harness.reply_to(ts)
    assert reply["text"].startswith("Muted by a silence")
    assert "<!subteam" not in json.dumps(reply)
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts) is None
    silence_id = re.search(r"Silence #(\d+) set", json.dumps(answer.body)).group(1)
    assert cli(receivers, "expire", silence_id).returncode == 0


OVER_BUDGET = (
    "AWS Budgets: team-search-monthly has exceeded your alert threshold\n"
    "You requested that we alert you when the ACTUAL Cost associated with your team-search-monthly budget is "
    "greater than 100.00% ($10,000.00) of $10,000.00 for the current month. "
    "The ACTUAL Cost associated with this budget is $10,412.77."
)


def _silence_line(receivers: Receivers, silence_id: str) -> str:
    text = json.dumps(receivers.harness.command("mutes").body, ensure_ascii=False)
    [line] = [part for part in re.split(r"\\n|•", text) if f"#{silence_id}" in part]
    return line


def test_the_readmes_mute_example_mutes_the_aws_budgets_apps_alerts(receivers: Receivers) -> None:
    harness = receivers.harness
    answer = harness.command("mute aws-budgets for 1d")
    silence_id = re.search(r"Silence #(\d+) set", json.dumps(answer.body)).group(1)
    try:
        for app in ("AWS Budgets", "AWS Chatbot"):  # the app itself, or Chatbot relaying its alert
            bot_id = harness.sim.add_bot(app)
            ts = harness.sim.post_message(
                harness.bot.url, harness.alerts, bot_id=bot_id, username=app, text=OVER_BUDGET
            )
            reply = harness.reply_to(ts)
            assert reply["text"].startswith("Muted by a silence"), reply
            assert "<!subteam" not in json.dumps(reply)
        assert "2 muted" in _silence_line(receivers, silence_id)
        # A person quoting the alert is not the alert source.
        ts = harness.post(OVER_BUDGET + " Who looks at this?")
        assert not harness.reply_to(ts)["text"].startswith("Muted by a silence")
    finally:
        assert cli(receivers, "expire", silence_id).returncode == 0


def test_a_silence_naming_the_apps_name_still_mutes_its_messages(receivers: Receivers) -> None:
    harness = receivers.harness
    answer = harness.command("mute source=Budget*Relay for 1d")
    silence_id = re.search(r"Silence #(\d+) set", json.dumps(answer.body)).group(1)
    try:
        bot_id = harness.sim.add_bot("Budget Relay")
        ts = harness.sim.post_message(
            harness.bot.url, harness.alerts, bot_id=bot_id, username="Budget Relay", text=OVER_BUDGET
        )
        assert harness.reply_to(ts)["text"].startswith("Muted by a silence")
    finally:
        assert cli(receivers, "expire", silence_id).returncode == 0


def test_a_silence_on_an_account_mutes_that_accounts_alerts_posted_in_slack(receivers: Receivers) -> None:
    # A second new-user trial: `/finops mute account=…` was confirmed, then muted nothing posted in Slack.
    harness = receivers.harness
    answer = harness.command("mute account=444455556666 for 2h known migration")
    silence_id = re.search(r"Silence #(\d+) set", json.dumps(answer.body)).group(1)
    anomaly = "AWS Cost Anomaly Detection: total impact $1,200 in account {}, service Amazon EC2"
    try:
        bot_id = harness.sim.add_bot("Cost Alerts")
        muted = harness.sim.post_message(
            harness.bot.url, harness.alerts, bot_id=bot_id, username="Cost Alerts", text=anomaly.format("444455556666")
        )
        assert harness.reply_to(muted)["text"].startswith("Muted by a silence")
        other = harness.sim.post_message(
            harness.bot.url, harness.alerts, bot_id=bot_id, username="Cost Alerts", text=anomaly.format("111122223333")
        )
        assert not harness.reply_to(other)["text"].startswith("Muted by a silence")
        # A person asking about the account is not its alert: never muted by it.
        asked = harness.post("Why did account 444455556666 spend $1,200 more on EC2 yesterday? Who owns it?")
        assert not harness.reply_to(asked)["text"].startswith("Muted by a silence")
        assert "1 muted" in _silence_line(receivers, silence_id)
    finally:
        assert cli(receivers, "expire", silence_id).returncode == 0

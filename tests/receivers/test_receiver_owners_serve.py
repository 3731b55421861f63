"""Owners by scope for alerts from every receiver, through the real ``serve`` process.

Each post tags the owning team's channel, and the stored request keeps the team
and the scope that matched, so ``finops-bot export`` (run as a process) names it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bot.receivers.webhook import sign
from tests.receivers.conftest import AUDIENCE, SECRETS, SERVICE_ACCOUNT, Receivers, running_receivers
from tests.receivers.signing import COST_ANOMALY, azure_budget_alert, budget_data, push_envelope, sns_notification
from tests.slack.harness import wait_until

OWNERS = """\
version: 1
teams:
  - id: data
    name: Data
    slack: {channel: "#data-eng"}
    scopes:
      aws_accounts: ["123456789012"]
      budgets: [ml-platform-monthly]
      kubernetes_namespaces: [search]
  - id: payments
    name: Payments
    slack: {channel: "#payments-eng"}
    scopes:
      aws_accounts: ["111122223333"]
      kubernetes_namespaces: [checkout-api]
  - id: analytics
    name: Analytics
    slack: {channel: "#analytics-eng"}
    scopes:
      azure_subscriptions: ["11111111-2222-3333-4444-555555555555"]
"""


@pytest.fixture(scope="module")
def owned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receivers]:
    tmp = tmp_path_factory.mktemp("receiver-owners")
    with running_receivers(
        tmp, f"sqlite:///{tmp / 'bot.db'}", lambda config: (config / "owners.yaml").write_text(OWNERS)
    ) as running:
        yield running


def posted(r: Receivers, path: str, body: bytes | dict, headers: dict | None = None):
    """The request row and the top-level post of an alert the bot accepted, once the relay sent it."""
    status, answer = r.post(path, body, headers)
    assert (status, answer.get("action")) == (200, "posted"), answer
    request = wait_until(
        lambda: (lambda v: v if v and v.reply_ts else None)(r.harness.store.requests.get_request(answer["request_id"]))
    )
    [post] = [c for c in r.posts() if c.response.get("ts") == request.reply_ts]
    return request, json.dumps(post.params)


def team_channel(r: Receivers, name: str) -> str:
    return f"<#{r.harness.sim.channel_id(name)}>"


def exported(r: Receivers, request_id: int) -> dict:
    """The request's row in `finops-bot export --format jsonl`, run as the operator would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "FINOPS_"))}
    env.update(DATABASE_URL=str(r.harness.store.engine.url), FINOPS_CONFIG_DIR=str(r.harness.config_dir))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--since", "2000-01-01", "--format", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [row] = [row for row in map(json.loads, result.stdout.splitlines()) if row["request_id"] == request_id]
    return row


def test_pubsub_budget_goes_to_the_team_owning_the_budget(owned: Receivers) -> None:
    token = owned.google.token(AUDIENCE, SERVICE_ACCOUNT)
    envelope = push_envelope(budget_data(0.9, budgetDisplayName="ml-platform-monthly"), message_id="own-ps-1")
    request, post = posted(owned, "/alerts/gcp/pubsub", envelope, {"Authorization": f"Bearer {token}"})
    assert team_channel(owned, "data-eng") in post
    assert "Owned by *Data* (budget ml-platform-monthly)" in post
    assert (request.team, request.team_scope) == ("data", "budget ml-platform-monthly")
    row = exported(owned, request.id)
    assert (row["team"], row["team_scope"]) == ("data", "budget ml-platform-monthly")


def test_sns_anomaly_goes_to_the_root_cause_account_not_the_monitors(owned: Receivers) -> None:
    # The monitor lives in the management account (data's); the spend happened in two member
    # accounts: the larger impact, listed second, is payments'.
    anomaly = dict(
        COST_ANOMALY,
        anomalyId="0a0a0a0a-abcd-ef12-3456-987654321a12",
        rootCauses=[
            dict(COST_ANOMALY["rootCauses"][0], linkedAccount="210987654321", impact={"contribution": 40.0}),
            dict(COST_ANOMALY["rootCauses"][0], linkedAccount="111122223333", impact={"contribution": 111.0}),
        ],
    )
    message = owned.sns.sign(sns_notification(json.dumps(anomaly), message_id="own-sns-1"), "2")
    request, post = posted(owned, "/alerts/aws/sns", message)
    assert team_channel(owned, "payments-eng") in post and team_channel(owned, "data-eng") not in post
    assert "Owned by *Payments* (account 111122223333)" in post
    assert (request.team, request.team_scope) == ("payments", "account 111122223333")
    assert exported(owned, request.id)["team"] == "payments"


def test_sns_anomaly_in_an_unowned_member_account_falls_back_to_the_monitors_account(owned: Receivers) -> None:
    anomaly = dict(
        COST_ANOMALY,
        anomalyId="0b0b0b0b-abcd-ef12-3456-987654321a12",
        rootCauses=[dict(COST_ANOMALY["rootCauses"][0], linkedAccount="210987654321")],
    )
    message = owned.sns.sign(sns_notification(json.dumps(anomaly), message_id="own-sns-2"), "2")
    request, post = posted(owned, "/alerts/aws/sns", message)
    assert team_channel(owned, "data-eng") in post
    assert (request.team, request.team_scope) == ("data", "account 123456789012")


def test_azure_budget_goes_to_the_team_owning_the_subscription(owned: Receivers) -> None:
    alert = azure_budget_alert(alert_id="own-azure-1")
    request, post = posted(owned, "/alerts/azure?token=" + SECRETS["FINOPS_AZURE_TOKEN"], alert)
    assert team_channel(owned, "analytics-eng") in post
    assert "Owned by *Analytics* (subscription 11111111-2222-3333-4444-555555555555)" in post
    assert (request.team, request.team_scope) == ("analytics", "subscription 11111111-2222-3333-4444-555555555555")
    assert exported(owned, request.id)["team"] == "analytics"


@pytest.mark.parametrize(
    ("namespace", "team", "channel"), [("search", "data", "data-eng"), ("checkout-api", "payments", "payments-eng")]
)
def test_webhook_scope_names_the_team(owned: Receivers, namespace: str, team: str, channel: str) -> None:
    # "search" has no digit or hyphen: only the mapped scope field says it is a namespace.
    body = json.dumps(
        {
            "id": f"kc-own-{namespace}",
            "message": f"Namespace {namespace} spent $1,840.22 over the last 7 days, above its $1,500 budget",
            "totalCost": 1840.22,
            "labels": {"namespace": namespace, "cluster": "prod-eu-1"},
        }
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "X-Finops-Timestamp": stamp,
        "X-Finops-Signature": sign(SECRETS["FINOPS_WEBHOOK_SECRET_KUBECOST"], stamp, body),
    }
    request, post = posted(owned, "/alerts/webhook/kubecost", body, headers)
    assert team_channel(owned, channel) in post
    assert f"(namespace {namespace})" in post
    assert (request.team, request.team_scope) == (team, f"namespace {namespace}")
    row = exported(owned, request.id)
    assert (row["team"], row["team_scope"]) == (team, f"namespace {namespace}")

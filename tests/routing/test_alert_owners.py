"""Whose an alert is: a receiver's parsed scope and the payer/usage split of AWS anomalies (pure)."""

from __future__ import annotations

import json

import pytest

from bot.config.models import BotConfig
from bot.routing.alert_owners import alert_identifiers
from bot.routing.fingerprint import alert_fingerprint
from bot.routing.router import Router
from bot.routing.sources import Identifier, read_alert
from tests.routing.routing_support import config_with_owners

MANAGEMENT = "123456789012"  # the account the anomaly monitor lives in (data's)
PAYMENTS = "111122223333"
SEARCH = "444455556666"
UNOWNED = "210987654321"

TEAMS = {
    "version": 1,
    "teams": [
        {
            "id": "data",
            "slack": {"channel": "#data-eng"},
            "scopes": {
                "aws_accounts": [MANAGEMENT],
                "budgets": ["ml-platform-monthly"],
                "kubernetes_namespaces": ["search"],
            },
        },
        {
            "id": "payments",
            "slack": {"channel": "#payments-eng"},
            "personas": ["engineering"],
            "scopes": {"aws_accounts": [PAYMENTS], "tags": ["team=payments"], "budgets": ["payments-monthly"]},
        },
        {"id": "search", "slack": {"channel": "#search-eng"}, "scopes": {"aws_accounts": [SEARCH]}},
    ],
}


def cause(account: str, contribution: float | None = None, service: str = "Amazon Relational Database Service"):
    """A root cause as the SNS message and the EventBridge event state it."""
    found = {
        "linkedAccount": account,
        "linkedAccountName": f"acct-{account[-4:]}",
        "region": "us-east-1",
        "service": service,
        "usageType": "InstanceUsage:db.r6g.2xl",
    }
    if contribution is not None:
        found["impact"] = {"contribution": contribution}
    return found


def sns_anomaly(causes: list[dict], account: str = MANAGEMENT) -> str:
    """The JSON AWS Cost Anomaly Detection publishes to SNS (documented field names)."""
    return json.dumps(
        {
            "accountId": account,
            "anomalyDetailsLink": "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/"
            "abcdef12-1234-4ea0-84cc-918a97d736ef/anomalies/12345678-abcd-ef12-3456-987654321a12",
            "anomalyEndDate": "2026-11-30T00:00:00Z",
            "anomalyId": "12345678-abcd-ef12-3456-987654321a12",
            "anomalyScore": {"currentScore": 0.62, "maxScore": 0.62},
            "anomalyStartDate": "2026-11-29T00:00:00Z",
            "dimensionalValue": "Amazon Relational Database Service",
            "impact": {
                "maxImpact": 320,
                "totalActualSpend": 2400,
                "totalExpectedSpend": 1900,
                "totalImpact": 500,
                "totalImpactPercentage": 26.32,
            },
            "monitorArn": f"arn:aws:ce::{account}:anomalymonitor/abcdef12-1234-4ea0-84cc-918a97d736ef",
            "monitorName": "member-accounts",
            "rootCauses": causes,
            "subscriptionId": "123456-abcd-ef12-3456-987654321a12",
            "subscriptionName": "finops-immediate",
        }
    )


def eventbridge_anomaly(causes: list[dict], account: str = MANAGEMENT) -> str:
    """The "Anomaly Detected" EventBridge event: the home account on top, the anomaly under detail."""
    detail = json.loads(sns_anomaly(causes, account))
    detail.pop("accountId")
    detail.pop("monitorArn")
    detail["accountName"] = "management"
    detail["dimensionValue"] = detail.pop("dimensionalValue")
    return json.dumps(
        {
            "version": "0",
            "id": "5e3b2a1c-0000-4000-8000-000000000001",
            "source": "aws.ce",
            "detail-type": "Anomaly Detected",
            "account": account,
            "region": "us-east-1",
            "time": "2026-11-30T06:00:00Z",
            "resources": [f"arn:aws:ce::{account}:anomalymonitor/abcdef12-1234-4ea0-84cc-918a97d736ef"],
            "detail": detail,
        }
    )


@pytest.fixture(scope="module")
def owned(shipped_config: BotConfig) -> Router:
    return Router(config_with_owners(shipped_config, TEAMS))


# ---------------------------------------------------------------- a receiver's scope


def test_scope_names_become_identifiers_most_telling_first() -> None:
    assert alert_identifiers({"namespace": "search", "cluster": "prod-eu-1", "region": "eu-west-1"}) == (
        Identifier("namespace", "prod-eu-1/search"),
        Identifier("cluster", "prod-eu-1"),
    )
    assert alert_identifiers({"budget": "ml-platform-monthly", "billing_account": "01D4EE-079462-DFD6EC"}) == (
        Identifier("budget", "ml-platform-monthly"),
        Identifier("name", "01D4EE-079462-DFD6EC"),
    )
    # A webhook's own names: the usual spellings, and anything else as a tag.
    assert alert_identifiers({"Account-ID": "1111-2222-3333", "team": "payments", "service": "EC2"}) == (
        Identifier("account", PAYMENTS),
        Identifier("tag", "team=payments"),
    )


def test_beside_linked_accounts_the_account_is_the_payers() -> None:
    scope = {"account": MANAGEMENT, "linked_account": PAYMENTS, "region": "us-east-1"}
    assert alert_identifiers(scope, (SEARCH, PAYMENTS)) == (
        Identifier("account", SEARCH),
        Identifier("account", PAYMENTS),
        Identifier("payer_account", MANAGEMENT),
    )
    assert alert_identifiers({"account": MANAGEMENT}) == (Identifier("account", MANAGEMENT),)


@pytest.mark.parametrize(
    ("scope", "team", "matched"),
    [
        ({"budget": "ml-platform-monthly", "billing_account": "01D4EE-079462-DFD6EC"}, "data", "budget"),
        ({"namespace": "search"}, "data", "namespace search"),
        ({"team": "payments"}, "payments", "tag team=payments"),
        ({"account": MANAGEMENT, "linked_account": PAYMENTS}, "payments", f"account {PAYMENTS}"),
        ({"account": MANAGEMENT, "linked_account": UNOWNED}, "data", f"account {MANAGEMENT}"),
    ],
)
def test_a_receivers_scope_finds_the_team(owned: Router, scope: dict, team: str, matched: str) -> None:
    message = {"text": "Cost anomaly: spend is up $500 over expected spend, total impact $500", "attachments": []}
    decision = owned.route(message, alert_identifiers(scope))
    assert decision.team_id == team and decision.team is not None
    assert decision.team.scope.startswith(matched)


def test_the_scope_a_receiver_states_is_not_read_again_from_the_text_in_another_role(owned: Router) -> None:
    # The alert's text lists its scope ("Account: <payer>"); read as plain text it would be an
    # account that outranks the linked one. Stated as the payer's, it stays the payer's.
    text = f"AWS cost anomaly: total impact $500\nAccount: {MANAGEMENT}\nLinked account: {UNOWNED}"
    stated = alert_identifiers({"account": MANAGEMENT, "linked_account": UNOWNED}, (UNOWNED, SEARCH))
    decision = owned.route({"text": text, "attachments": []}, stated)
    assert decision.team_id == "search"


def test_a_team_limited_to_some_personas_does_not_take_a_receivers_finance_alert(owned: Router) -> None:
    message = {"text": "AWS budget payments-monthly (Cost, actual) crossed its alert threshold", "attachments": []}
    decision = owned.route(message, alert_identifiers({"budget": "payments-monthly"}))
    assert "engineering" not in decision.personas and decision.team is None


# ---------------------------------------------------------------- AWS anomalies: where the spend happened


def test_sns_anomaly_goes_to_the_root_cause_account_not_the_monitors(owned: Router) -> None:
    decision = owned.route_text(sns_anomaly([cause(PAYMENTS)]))
    assert decision.team_id == "payments"
    assert f"account {PAYMENTS} → payments" in decision.explanation


def test_the_monitors_account_owns_the_anomaly_only_when_no_member_account_is_owned(owned: Router) -> None:
    assert owned.route_text(sns_anomaly([cause(UNOWNED)])).team_id == "data"
    assert owned.route_text(sns_anomaly([cause(UNOWNED)], account=UNOWNED)).team is None


def test_several_member_accounts_the_largest_impact_decides(owned: Router) -> None:
    # Listed first but smaller: AWS's order is not trusted over the stated impact.
    causes = [cause(SEARCH, 120.0), cause(PAYMENTS, 380.0)]
    assert owned.route_text(sns_anomaly(causes)).team_id == "payments"
    # The largest is unowned: the next owned member account, still before the monitor's.
    causes = [cause(UNOWNED, 400.0), cause(SEARCH, 100.0)]
    assert owned.route_text(sns_anomaly(causes)).team_id == "search"
    # No impacts stated: AWS's order (it ranks root causes by impact).
    assert owned.route_text(sns_anomaly([cause(SEARCH), cause(PAYMENTS)])).team_id == "search"


def test_eventbridge_event_reads_the_same_way(owned: Router) -> None:
    event = eventbridge_anomaly([cause(UNOWNED, 10.0), cause(PAYMENTS, 90.0)])
    assert owned.route_text(event).team_id == "payments"
    assert owned.route_text(eventbridge_anomaly([cause(UNOWNED)])).team_id == "data"


def test_the_monitors_account_is_read_as_the_payers() -> None:
    facts = read_alert(sns_anomaly([cause(PAYMENTS, 1.0)]))
    assert facts.of("account") == (PAYMENTS,)
    assert facts.of("payer_account") == (MANAGEMENT,)
    # A single account is both: the monitor's and where the spend happened.
    facts = read_alert(sns_anomaly([cause(MANAGEMENT)]))
    assert MANAGEMENT in facts.of("account")


def test_fingerprints_do_not_change_with_the_accounts_role() -> None:
    # Repeats posted before this change must still link to their first thread.
    text = sns_anomaly([cause(PAYMENTS)])
    identity = sorted(read_alert(text).identity)
    assert f"account:{MANAGEMENT}" in identity and f"account:{PAYMENTS}" in identity
    assert alert_fingerprint("B1", text) == alert_fingerprint(
        "B1", text.replace('"totalImpact": 500', '"totalImpact": 9')
    )

"""The alert-source table: each format is recognised and its identifiers and headline read."""

from __future__ import annotations

import pytest

from bot.routing import amounts
from bot.routing.amounts import headline
from bot.routing.fingerprint import alert_fingerprint
from bot.routing.sources import GENERIC, JSON_KEYS, LABELS, SOURCES, read_alert

CASES = [
    (
        "aws-anomaly",
        '{"accountId": "123412341234", "anomalyId": "n-1", "dimensionalValue": "AWS Lambda", "impact": '
        '{"maxImpact": 220.0, "totalActualSpend": 905.5, "totalExpectedSpend": 300.0, "totalImpact": 605.5}, '
        '"rootCauses": [{"linkedAccount": "123412341234", "linkedAccountName": "events", "service": "AWS Lambda"}], '
        '"subscriptionName": "immediate-alerts"}',
        {"alert_id n-1", "account 123412341234", "account name events", "service AWS Lambda"},
        (605.5, "USD", "impact"),
    ),
    (
        "aws-budgets",
        "AWS Budgets: ml-platform has exceeded your alert threshold\nBudget Name: ml-platform\nBudgeted Amount: "
        "$60,000.00\nAlert Threshold: > $55,000.00\nFORECASTED Amount: $61,200.00\nAccount: 222233334444 (sandbox-mlee)",
        {"budget ml-platform", "account 222233334444", "account name sandbox-mlee"},
        (61200, "USD", "forecast"),
    ),
    (
        "aws-commitments",
        "Savings Plans State Change Alert: Savings Plan arn:aws:savingsplans::111122223333:savingsplan/abc-1 "
        "(Compute, 3 yr, $35.00/hour) will change from active to retired in 1 day.",
        {"alert_id arn:aws:savingsplans::111122223333:savingsplan/abc-1", "account 111122223333"},
        (35, "USD", None),
    ),
    (
        "gcp-budget",
        '{"budgetDisplayName": "bq-analytics", "alertThresholdExceeded": 1.0, "costAmount": 10452.33, '
        '"costIntervalStart": "2025-06-01T07:00:00Z", "budgetAmount": 10000.0, "currencyCode": "EUR"}',
        {"budget bq-analytics"},
        (10452.33, "EUR", "actual"),
    ),
    (
        "gcp-budget",
        "*GCP Budget Alert Threshold Exceeded*\n*Budget Name:* eu-retail\n*Current Spend:* 48200\n"
        "*Budget Amount Exceeded:* 50000\n*Currency Type:* EUR\nprojects/retail-eu-prod",
        {"budget eu-retail", "project retail-eu-prod"},
        (48200, "EUR", "actual"),
    ),
    (
        "azure-budget",
        '{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"alertId": '
        '"/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/providers/Microsoft.AlertsManagement/alerts/b1", '
        '"monitoringService": "CostAlerts"}, "alertContext": {"AlertData": {"Scope": '
        '"/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/rg-web", "BudgetName": "web-monthly", '
        '"SpentAmount": "8912.40", "Budget": "10000", "Unit": "GBP"}}}}',
        {"budget web-monthly", "subscription 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "resource group rg-web"},
        (8912.40, "GBP", "actual"),
    ),
    (
        "azure-anomaly",
        "*Cost anomaly detected* for subscription *contoso-data-prod*\nDaily cost on Jun 3, 2025: $2,010.40 "
        "(expected $722.00, impact +$1,288.40). Top contributor: Azure Data Factory v2",
        {"subscription name contoso-data-prod", "service Azure Data Factory v2"},
        (1288.40, "USD", "change"),
    ),
    (
        # An anomaly alert in the common alert schema: the day's cost, not the expected range.
        "azure-anomaly",
        '{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"monitoringService": "CostAlerts", '
        '"description": "Cost anomaly detected for subscription contoso-data-prod"}, "alertContext": '
        '{"AlertCategory": "CostAnomaly", "AlertData": {"SubscriptionName": "contoso-data-prod", '
        '"DailyCost": "7421.55", "ExpectedCostLowerBound": "1890.00", "ExpectedCostUpperBound": "2410.00", '
        '"Unit": "USD"}}}}',
        {"subscription name contoso-data-prod"},
        (7421.55, "USD", "actual"),
    ),
    (
        "kubecost",
        "*Kubecost Spend Change alert*\nAggregation: namespace | Window: 1d\n• `search-indexer` (cluster prod-eu): "
        "$912.30/day vs baseline $301.00/day (+203%)",
        {"cluster prod-eu", "namespace prod-eu/search-indexer"},
        (912.30, "USD", None),
    ),
    (
        "vantage",
        "*Vantage* | Cost anomaly detected in Cost Report *Data - All Services*\nService: Amazon Kinesis | Jun 9\n"
        "Actual $512.20 vs expected $124.00 (*+$388.20*)",
        {"name Data - All Services", "service Amazon Kinesis"},
        (388.20, "USD", "change"),
    ),
    (
        "cloudzero",
        "CloudZero anomaly detected on View *Platform Engineering*: hourly spend on Amazon OpenSearch Service is up, "
        "impact +$1,504.00 over the last 24 hours.",
        {"name Platform Engineering", "service Amazon OpenSearch Service"},
        (1504, "USD", "change"),
    ),
    (
        "cloudhealth",
        "CloudHealth Policy Violation\nPolicy: Monthly EC2 spend over budget\nPerspective: Business Units\n"
        "Account Name: payments-prod\nCurrent cost: A$41,880.10 | Projected cost: A$52,000.00",
        {"name Monthly EC2 spend over budget", "name Business Units", "account name payments-prod"},
        (41880.10, "AUD", "actual"),
    ),
    (
        "datadog",
        "[Triggered] [P2] Cloud cost for team:checkout increased 35% week over week\nAWS cost for `team:checkout` "
        "was $15,050.00 this week vs $11,147.89 last week (+$3,902.11). <https://app.datadoghq.com/monitors/77>",
        {"tag team=checkout", "alert_id 77"},
        (3902.11, "USD", "change"),
    ),
    (
        "datadog",
        "[Warn] datadog.estimated_usage.hosts for env:prod is above 1,200 (forecast: 1,350 hosts)",
        {"name hosts", "tag env=prod"},
        None,
    ),
]


@pytest.mark.parametrize(("source", "text", "identifiers", "amount"), CASES, ids=[c[0] for c in CASES])
def test_each_source_is_recognised_and_read(source, text, identifiers, amount):
    facts = read_alert(text)
    assert source in facts.sources
    found = {f"{i.kind.replace('_', ' ') if i.kind != 'alert_id' else 'alert_id'} {i.value}" for i in facts.identifiers}
    assert identifiers <= found, found
    money = headline(text)
    if amount is None:
        assert money is None
    else:
        assert (money.amount, money.currency, money.kind) == (pytest.approx(amount[0]), amount[1], amount[2])


def test_every_alert_format_of_the_issue_has_a_module():
    ids = {source.id for source in SOURCES}
    assert ids == {
        "aws-anomaly",
        "aws-budgets",
        "aws-commitments",
        "gcp-budget",
        "azure-budget",
        "azure-anomaly",
        "kubecost",
        "vantage",
        "cloudzero",
        "cloudhealth",
        "datadog",
    }


def test_the_amount_ranker_reads_the_source_table():
    for source in (GENERIC, *SOURCES):
        for label in source.labels:
            assert LABELS[label.text].rank == label.rank
            assert amounts._LABEL_RE.fullmatch(label.text)
        for key, label in source.json_keys.items():
            assert JSON_KEYS[key].rank == label.rank


def test_the_fingerprint_reads_the_source_table():
    anomaly = '{{"anomalyId": "{}", "accountId": "123412341234", "impact": {{"totalImpact": {}}}}}'
    assert alert_fingerprint("B1", anomaly.format("a-1", 10)) == alert_fingerprint("B1", anomaly.format("a-1", 99))
    assert alert_fingerprint("B1", anomaly.format("a-1", 10)) != alert_fingerprint("B1", anomaly.format("a-2", 10))
    # An AWS anomaly-subscription name is not an Azure subscription: only the Azure modules read it.
    assert "subscription_name" not in {
        i.kind for i in read_alert('{"anomalyId": "x", "subscriptionName": "s"}').identifiers
    }


def test_loose_identifiers_need_to_look_like_ids():
    kinds = {
        (i.kind, i.value) for i in read_alert("total cluster cost is up; namespace efficiency dropped").identifiers
    }
    assert kinds == set()
    kinds = {(i.kind, i.value) for i in read_alert("cluster prod-us and namespace `reporting`").identifiers}
    assert kinds == {("cluster", "prod-us"), ("namespace", "reporting")}
    assert read_alert("GCP projects/123456789012 billing").of("account") == ()

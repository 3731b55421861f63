"""The router benchmarks' messages: the realistic mix, and unique messages with long JSON payloads.

``unique_messages``: half are people's messages (requests, several asks, typos
and chat shorthand, Spanish and German, chatter), each with its own number;
half are alerts with random ids: AWS Cost Anomaly Detection as EventBridge JSON
and as an AWS Chatbot attachment, AWS Budgets e-mail text, Kubecost blocks, GCP
budget Pub/Sub JSON and Azure common-alert-schema JSON. No line repeats, so no
cache keyed on the input can stand in for routing.

``mixed_messages``: the same makers, 60% people and 40% the four alert layouts
seen most in Slack (no GCP or Azure JSON), numbered from a small range, so
people's lines repeat as they do in a real channel.

``fifty_teams`` is an owners.yaml of 50 teams whose accounts, namespaces, tags,
budgets and name globs the alerts name (some of them, as in real traffic).
"""

from __future__ import annotations

import json
import random

SERVICES = [
    "EC2",
    "RDS",
    "S3",
    "EBS",
    "Lambda",
    "CloudWatch",
    "BigQuery",
    "GKE",
    "Cloud Storage",
    "Azure SQL",
    "AKS",
    "Redshift",
    "DynamoDB",
    "NAT Gateway",
    "EKS",
    "SageMaker",
    "Snowflake",
    "Datadog",
]
TEAMS = ["payments", "search", "ml", "checkout", "data", "growth", "identity", "platform", "ads", "maps"]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2", "europe-west4", "westeurope"]
HUMAN = [
    "found ~{n} unattached {svc} volumes in {region}, ok to delete them? roughly ${k}k/mo (ticket FIN-{i})",
    "who owns the RI coverage for {team}? utilization dropped to {p}% after the migration #{i}",
    "Our AWS EDP renewal is in {month}; who leads the negotiation? we're at ${m}M/yr ({i})",
    "can we get a cost dashboard for the {team} squad with their own accounts? req {i}",
    "{svc} went from ${k}k to ${k2}k/mo after enabling all regions, expected? run {i}",
    "why is our {svc} bill up {p}% this month? (case {i})",
    "I reserved conference room {n} for the retro {i}",
    "Happy birthday {name}!!! 🎂 #{i}",
    "deploying {team}-api v{n}.{i} to prod now",
    "tag me on the PR {i} for the {team} login page",
    "Kubernetes 1.{n} upgrade on staging at 14:00 UTC, change {i}",
    "Can we capitalize the {team} migration labor or is it all opex? item {i}",
    "who chases the untagged {svc} buckets in account {acct}, and who decides the internal rate card? ({i})",
    "pls chk y r {svc} bil trippled lst wk for {team} - {i}",
    "la factura de {svc} subió un {p}% este mes, ¿quién lo revisa? ({i})",
    "Die Kosten für {svc} sind im {month} um {p}% gestiegen, wer kümmert sich darum? {i}",
    "the {team} forcast for Q{q} is off by ${k}k, can finance update the accrual? {i}",
    "Savings Plan expiring in {n} days for account {acct}; renew at $64.00/hour on a 3-year term? {i}",
    "team={team} namespace {team}-prod idle nodes cost us €{k},{n:03d} last month, rightsizing? {i}",
    "lunch order {i}: {n} pizzas, budget ${k}0 for the team",
]
MONTHS = ["Feb", "March", "June", "Oct", "Nov"]
NAMES = ["Priya", "Sam", "Ana", "Kenji", "Lena"]


def _acct(rng, accounts):
    return rng.choice(accounts) if accounts and rng.random() < 0.7 else f"{rng.randint(10**11, 10**12 - 1)}"


def human(rng, i, accounts):
    return {
        "type": "message",
        "user": "U0123",
        "text": rng.choice(HUMAN).format(
            n=rng.randint(2, 400),
            region=rng.choice(REGIONS),
            k=rng.randint(1, 20),
            k2=rng.randint(21, 40),
            p=rng.randint(5, 95),
            team=rng.choice(TEAMS),
            month=rng.choice(MONTHS),
            m=rng.randint(1, 9),
            name=rng.choice(NAMES),
            svc=rng.choice(SERVICES),
            i=i,
            acct=_acct(rng, accounts),
            q=rng.randint(1, 4),
        ),
    }


def anomaly_eventbridge(rng, i, accounts):
    impact = round(rng.uniform(100, 9000), 2)
    svc = rng.choice(SERVICES)
    detail = {
        "version": "0",
        "id": f"{rng.getrandbits(128):032x}",
        "source": "aws.ce",
        "detail-type": "Anomaly Detected",
        "account": _acct(rng, accounts),
        "region": "us-east-1",
        "time": f"2025-06-{rng.randint(1, 28):02d}T06:12:09Z",
        "detail": {
            "accountName": rng.choice(TEAMS) + "-prod",
            "anomalyId": f"{rng.getrandbits(128):032x}",
            "anomalyScore": {"currentScore": round(rng.random(), 3), "maxScore": round(rng.random(), 3)},
            "dimensionValue": f"Amazon {svc}",
            "impact": {
                "maxImpact": round(impact / 3, 2),
                "totalActualSpend": round(impact * 1.4, 2),
                "totalExpectedSpend": round(impact * 0.4, 2),
                "totalImpact": impact,
                "totalImpactPercentage": round(rng.uniform(10, 400), 1),
            },
            "rootCauses": [
                {
                    "linkedAccount": _acct(rng, accounts),
                    "linkedAccountName": rng.choice(TEAMS),
                    "region": rng.choice(REGIONS),
                    "service": f"Amazon {rng.choice(SERVICES)}",
                    "usageType": f"EU-{rng.choice(['CW', 'EBS', 'Box'])}:Usage{rng.randint(1, 999)}",
                    "impact": {"contribution": round(impact * rng.random(), 2)},
                }
                for _ in range(rng.randint(1, 4))
            ],
            "monitorName": f"{rng.choice(TEAMS)}-services-{i}",
            "anomalyDetailsLink": f"https://console.aws.amazon.com/cost-management/home#/anomaly-detection/{i}",
        },
    }
    return {
        "type": "message",
        "bot_id": "B1",
        "text": "EventBridge relay\n```\n" + json.dumps(detail, indent=2) + "\n```",
    }


def gcp_budget(rng, i, accounts):
    cost = round(rng.uniform(1000, 90000), 2)
    body = {
        "budgetDisplayName": f"{rng.choice(TEAMS)}-monthly-{i}",
        "alertThresholdExceeded": rng.choice([0.5, 0.9, 1.0]),
        "costAmount": cost,
        "costIntervalStart": "2025-06-01T07:00:00Z",
        "budgetAmount": round(cost * 1.1, 2),
        "budgetAmountType": "SPECIFIED_AMOUNT",
        "currencyCode": rng.choice(["USD", "EUR", "GBP"]),
    }
    attrs = {
        "billingAccountId": f"01D4EE-{rng.randint(100000, 999999)}-{i:06d}",
        "budgetId": f"{rng.getrandbits(96):024x}",
        "schemaVersion": "1.0",
    }
    text = (
        "GCP budget notification via Pub/Sub\n```\n"
        + json.dumps(
            {
                "message": {"attributes": attrs, "data": body},
                "subscription": f"projects/{rng.choice(TEAMS)}-prod-{rng.randint(100, 999)}/subscriptions/budget",
            },
            indent=2,
        )
        + "\n```"
    )
    return {"type": "message", "bot_id": "B5", "text": text}


def azure_budget(rng, i, accounts):
    sub = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-{rng.getrandbits(16):04x}-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}"
    spent = round(rng.uniform(500, 50000), 2)
    body = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts/{i}",
                "alertRule": f"budget-{rng.choice(TEAMS)}",
                "severity": "Sev3",
                "signalType": "Log",
                "monitorCondition": "Fired",
                "firedDateTime": "2025-06-14T06:12:09Z",
            },
            "alertContext": {
                "AlertCategory": "budgets",
                "AlertData": {
                    "Scope": f"/subscriptions/{sub}/resourceGroups/rg-{rng.choice(TEAMS)}",
                    "ThresholdType": "Actual",
                    "BudgetType": "Cost",
                    "BudgetThreshold": round(spent * 0.8, 2),
                    "NotificationThresholdAmount": round(spent * 0.8, 2),
                    "BudgetName": f"{rng.choice(TEAMS)}-budget-{i}",
                    "BudgetId": f"{rng.getrandbits(64):016x}",
                    "BudgetStartDate": "2025-06-01",
                    "BudgetCreator": "finops@example.com",
                    "Unit": rng.choice(["USD", "EUR"]),
                    "SpentAmount": spent,
                },
            },
        },
    }
    return {
        "type": "message",
        "bot_id": "B6",
        "text": "Azure budget alert\n```\n" + json.dumps(body, indent=2) + "\n```",
    }


def budget_sns(rng, i, accounts):
    actual = rng.randint(20_000, 90_000)
    text = (
        f"*AWS Budgets: team-{rng.choice(TEAMS)}-{i} has exceeded your alert threshold*\nAWS Budget Notification\n"
        "Dear AWS Customer,\n\nYou requested that we alert you when the ACTUAL Cost associated with your budget "
        f"is greater than ${actual - 1000:,}.00 for the current month. The ACTUAL Cost associated with this budget "
        f"is ${actual:,}.55. You can find additional details below.\n\nBudget Name: team-{i}\nBudget Type: Cost\n"
        f"Budgeted Amount: ${actual + 5000:,}.00\nAlert Type: ACTUAL\nAlert Threshold: &gt; ${actual - 1000:,}.00\n"
        f"ACTUAL Amount: ${actual:,}.55\nAccount: {_acct(rng, accounts)}\n\n[1] https://console.aws.amazon.com/billing/home#/budgets"
    )
    return {"type": "message", "bot_id": "B2", "text": text}


def chatbot_attachment(rng, i, accounts):
    impact = f"${rng.randint(500, 9000):,}.{rng.randint(10, 99)}"
    acct = _acct(rng, accounts)
    return {
        "type": "message",
        "bot_id": "B3",
        "text": f"AWS Cost Anomaly Detection Alert | Total impact: {impact}",
        "attachments": [
            {
                "fallback": f"AWS Cost Anomaly Detection Alert | Total impact: {impact}",
                "title": f"AWS Cost Anomaly Detection Alert | Account: {acct}",
                "title_link": f"https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/{i}",
                "fields": [
                    {"title": "Monitor", "value": f"AWS-Services-{i}", "short": True},
                    {"title": "Total impact", "value": impact, "short": True},
                    {"title": "Expected spend", "value": f"${rng.randint(100, 3000):,}.71", "short": True},
                    {
                        "title": "Top root cause",
                        "value": f"Service: Amazon {rng.choice(SERVICES)}\nRegion: {rng.choice(REGIONS)}\nUsage type: BoxUsage:{i}",
                        "short": False,
                    },
                ],
            }
        ],
    }


def kubecost_blocks(rng, i, accounts):
    team = rng.choice(TEAMS)
    return {
        "type": "message",
        "bot_id": "B4",
        "text": f"Kubecost alert {i}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Kubecost Budget alert"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Namespace:* `{team}`"},
                    {"type": "mrkdwn", "text": f"*Cluster:* `prod-{rng.choice(['eu', 'us'])}`"},
                    {"type": "mrkdwn", "text": f"*Current spend:* ${rng.randint(500, 3000)}.{i % 100:02d}"},
                    {"type": "mrkdwn", "text": "*Threshold:* $500.00"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<http://kubecost.local/x/{i}|Details>"}]},
        ],
    }


MIX = [human] * 6 + [anomaly_eventbridge, budget_sns, chatbot_attachment, kubecost_blocks]
MAKERS = [*MIX, gcp_budget, azure_budget]


def unique_messages(count, seed=5, accounts=()):
    rng = random.Random(seed)
    accounts = list(accounts)
    lines = [json.dumps(rng.choice(MAKERS)(rng, i, accounts), ensure_ascii=False) for i in range(count)]
    assert len(set(lines)) == len(lines)
    return lines


def mixed_messages(count, seed=7, numbers=20):
    """The realistic mix: ``MIX``'s makers, each message numbered from ``range(numbers)``; lines may repeat."""
    rng = random.Random(seed)
    return [json.dumps(rng.choice(MIX)(rng, rng.randrange(numbers), []), ensure_ascii=False) for _ in range(count)]


def fifty_teams(seed: int = 50) -> tuple[dict, list[str]]:
    """owners.yaml's content for 50 teams, and their AWS accounts."""
    rng = random.Random(seed)
    teams = []
    accounts: list[str] = []
    for i in range(50):
        name = f"{TEAMS[i % len(TEAMS)]}{i}" if i >= len(TEAMS) else TEAMS[i]
        owned = [f"{rng.randint(10**11, 10**12 - 1)}" for _ in range(3)]
        if i == 0:
            owned += ["123456789012", "456789012345", "111122223333"]
        accounts += owned
        teams.append(
            {
                "id": f"team-{i}",
                "name": name.title(),
                "slack": {"channel": f"#team-{i}"},
                **({"personas": ["engineering"]} if i % 3 == 0 else {}),
                "scopes": {
                    "aws_accounts": owned,
                    "gcp_projects": [f"{name}-prod-{rng.randint(100, 999)}"],
                    "azure_resource_groups": [f"rg-{name}"],
                    "kubernetes_namespaces": [f"prod-eu/{name}"] if i % 2 else [name],
                    "tags": [f"team={name}", f"cost-center={1000 + i}"],
                    "budgets": [f"{name}-monthly", f"team-{name}"],
                    "names": [f"{name}-*", f"*-{name}-analytics"],
                },
            }
        )
    return {"version": 1, "teams": teams}, accounts

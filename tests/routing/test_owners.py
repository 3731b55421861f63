"""Owners by scope: the pure resolver (owners.yaml teams -> the team owning an alert's scope)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config.models import OwnersFile
from bot.routing.owners import OwnerResolver
from bot.routing.router import Router
from bot.routing.scope_queries import parse_scope_query
from bot.routing.sources import read_alert
from tests.routing.routing_support import config_with_owners

TEAMS = {
    "version": 1,
    "teams": [
        {
            "id": "payments",
            "slack": {"channel": "#payments-eng", "usergroup": "@payments-oncall"},
            "personas": ["engineering"],
            "scopes": {
                "aws_accounts": ["111122223333"],
                "gcp_projects": ["payments-prod"],
                "azure_resource_groups": ["rg-payments"],
                "kubernetes_namespaces": ["prod-eu/payments"],
                "tags": ["team=payments"],
                "budgets": ["payments-monthly"],
            },
        },
        {
            "id": "platform",
            "slack": {"channel": "#platform"},
            "scopes": {
                "aws_accounts": ["444455556666"],
                "azure_subscriptions": ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"],
                "kubernetes_clusters": ["prod-eu"],
                "kubernetes_namespaces": ["ingress"],
                "tags": ["cost-center=1234"],
                "names": ["platform-*", "*-shared"],
            },
        },
        {"id": "data", "slack": {"channel": "#data"}, "scopes": {"names": ["data-*"], "budgets": ["bq-analytics"]}},
    ],
}


@pytest.fixture(scope="module")
def resolver() -> OwnerResolver:
    return OwnerResolver(OwnersFile.model_validate(TEAMS))


def _owner(resolver: OwnerResolver, text: str, personas=("engineering",)) -> str | None:
    match = resolver.resolve(text, personas)
    return match.describe() if match else None


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        (
            "AWS Cost Anomaly Detection Alert | Account: 111122223333 | Total impact: $2,740.12",
            "account 111122223333 → payments",
        ),
        (
            "AWS Cost Anomaly Detection Alert | Account: 4444-5555-6666 | Total impact: $2,740.12",
            "account 444455556666 → platform",
        ),
        (
            '{"budgetDisplayName": "x", "costAmount": 10, "budgetAmount": 5} billing for projects/payments-prod',
            "project payments-prod → payments",
        ),
        (
            "/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/rg-payments: spend up 300%",
            "resource group rg-payments → payments",
        ),
        (
            "Azure budget alert for /subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 reached 90%",
            "subscription 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 → platform",
        ),
        (
            "Kubecost Spend Change alert\nAggregation: namespace\n• `payments` (cluster prod-eu): $912/day",
            "namespace prod-eu/payments → payments",
        ),
        (
            "Kubecost Spend Change alert\nAggregation: namespace\n• `ingress` (cluster prod-eu): $912/day",
            "namespace ingress → platform",
        ),
        ("Kubecost Budget alert: cluster `prod-eu` exceeded its budget", "cluster prod-eu → platform"),
        ("[Triggered] Cloud cost for team:payments increased 35%", "tag team=payments → payments"),
        ('{"tags": {"cost-center": "1234"}, "costAmount": 12}', "tag cost-center=1234 → platform"),
        ("AWS Budgets: payments-monthly has exceeded your alert threshold", "budget payments-monthly → payments"),
        ('{"budgetDisplayName": "bq-analytics", "costAmount": 10452.33}', "budget bq-analytics → data"),
        (
            '{"accountId": "999999999999", "accountName": "data-lake-prod", "anomalyId": "a1"}',
            "account data-lake-prod (matches data-*) → data",
        ),
        (
            "AWS Budgets: ops-shared has exceeded your alert threshold",
            "budget ops-shared (matches *-shared) → platform",
        ),
        ("AWS Cost Anomaly Detection Alert | Account: 210987654321", None),
        ("why is our AWS bill up 40% this month?", None),
    ],
)
def test_scopes_resolve_to_their_team(resolver, text, owner):
    assert _owner(resolver, text) == owner


def test_exact_ids_beat_tags_budgets_and_names(resolver):
    text = "AWS Budgets: data-ingest has exceeded your alert threshold. Account: 444455556666. team=payments"
    assert _owner(resolver, text) == "account 444455556666 → platform"
    text = "AWS Budgets: data-ingest has exceeded your alert threshold. cost-center=1234"
    assert _owner(resolver, text) == "tag cost-center=1234 → platform"


def test_the_most_specific_id_wins(resolver):
    # The namespace in its cluster is more specific than the cluster.
    text = "Kubecost Spend Change alert\nAggregation: namespace\n• `payments` (cluster prod-eu): $912/day"
    candidates = [
        m.team_id for m in resolver.candidates(__import__("bot.routing.sources", fromlist=["x"]).read_alert(text), text)
    ]
    assert candidates == ["payments", "platform"]


def test_a_team_limited_to_some_personas_leaves_the_others_to_the_next_owner_or_nobody(resolver):
    text = "Kubecost Spend Change alert\nAggregation: namespace\n• `payments` (cluster prod-eu): $912/day"
    assert _owner(resolver, text, ("finance",)) == "cluster prod-eu → platform"
    text = "AWS Budgets: payments-monthly has exceeded your alert threshold"
    assert _owner(resolver, text, ("finance",)) is None


def test_no_teams_resolve_nothing_and_cost_nothing():
    resolver = OwnerResolver(OwnersFile())
    assert resolver.empty and resolver.resolve("Account: 111122223333", ["engineering"]) is None


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        ("account 111122223333", "account", "111122223333"),
        ("AWS account 1111-2222-3333", "account", "111122223333"),
        ("111122223333", "account", "111122223333"),
        ("project payments-prod", "project", "payments-prod"),
        ("subscription 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "subscription", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
        ("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "subscription", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
        ("namespace prod-eu/payments", "namespace", "prod-eu/payments"),
        ("resource group rg-payments", "resource_group", "rg-payments"),
        ("tag team:payments", "tag", "team=payments"),
        ("team=payments", "tag", "team=payments"),
        ("budget `payments-monthly`", "budget", "payments-monthly"),
    ],
)
def test_scope_queries_parse(query, kind, value):
    parsed = parse_scope_query(query)
    assert (parsed.kind, parsed.value) == (kind, value)


@pytest.mark.parametrize(
    "query", ["savings plans", "account management", "aws credits", "tagging policy", "project x y"]
)
def test_topic_words_are_not_scope_queries(query):
    parsed = parse_scope_query(query)
    assert parsed is None or not parsed.id_like


def test_lookup_answers_who_owns_a_scope(resolver):
    assert resolver.lookup("account", "111122223333").team_id == "payments"
    assert resolver.lookup("namespace", "prod-eu/payments").team_id == "payments"
    assert resolver.lookup("namespace", "ingress").team_id == "platform"
    assert resolver.lookup("project", "data-lake").describe() == "project data-lake (matches data-*) → data"
    assert resolver.lookup("account", "210987654321") is None


# ---------------------------------------------------------------- through the router


@pytest.fixture(scope="module")
def owned_router(shipped_config) -> Router:
    return Router(config_with_owners(shipped_config, TEAMS))


def test_same_text_two_accounts_two_teams(owned_router):
    alert = "AWS Cost Anomaly Detection Alert | Account: {} | Amazon EC2 | Total impact: $2,740.12"
    first = owned_router.route_text(alert.format("111122223333"))
    second = owned_router.route_text(alert.format("444455556666"))
    assert first.personas == second.personas == ("engineering",)
    assert (first.team_id, second.team_id) == ("payments", "platform")
    assert "account 111122223333 → payments" in first.explanation
    assert first.to_dict()["team"]["channel"] == "#payments-eng"


def test_persona_limits_hold_through_the_router(owned_router):
    invoice = "AWS invoice for account 111122223333 doesn't reconcile with the CUR, who can check the credits?"
    decision = owned_router.route_text(invoice)
    assert "engineering" not in decision.personas and decision.team is None


def test_no_team_for_chatter(owned_router):
    assert owned_router.route_text("lunch at 12? account 111122223333 is my phone number lol").team is None


GCP_TEAMS = {
    "version": 1,
    "teams": [{"id": "data", "slack": {"channel": "#data"}, "scopes": {"budgets": ["analytics-prod"]}}],
}
_SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples" / "cost_alerts.jsonl"


def _demo_gcp_sample() -> dict:
    [sample] = [json.loads(line) for line in _SAMPLES.read_text().splitlines() if "GCP budget" in line]
    return sample


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(_demo_gcp_sample(), id="the demo's GCP Slack sample (*Budget:* analytics-prod)"),
        pytest.param(
            {"text": "Budget analytics-prod has reached 90% of its budget amount for the month."}, id="e-mail"
        ),
        pytest.param(
            {"text": "Budget alert: 'analytics-prod' has reached 100% of its $15,000 budget (actual spend: $15,080)"},
            id="e-mail subject",
        ),
        pytest.param(
            {"text": '{"budgetDisplayName": "analytics-prod", "alertThresholdExceeded": 1.0, "costAmount": 15080}'},
            id="Pub/Sub JSON",
        ),
    ],
)
def test_an_owned_gcp_budget_is_recognised_in_every_format(shipped_config, message):
    decision = Router(config_with_owners(shipped_config, GCP_TEAMS)).route(message)
    assert decision.team_id == "data", decision.explanation
    assert "budget analytics-prod → data" in decision.explanation


@pytest.mark.parametrize(
    "text",
    [
        "GCP budget alert\n*Budget:* $15,000.00\n*Forecasted spend:* $18,250.00",
        "GCP budget alert\n*Budget:* USD 15,000",
        "Your budget forecast has exceeded 90% this month",  # the e-mail's words, not a name
    ],
)
def test_budget_amounts_and_plain_words_are_not_gcp_budget_names(text):
    assert read_alert(text).of("budget") == ()

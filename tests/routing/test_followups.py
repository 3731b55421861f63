"""A new user's trial: asks leaning on the message's context, clause breaks in
other languages, chat shorthand, decisive phrases, plain-word scopes."""

from __future__ import annotations

import pytest

from bot.config.models import OwnersFile
from bot.routing.owners import OwnerResolver
from bot.routing.router import Router


def _tagged(router: Router, text: str) -> list[str]:
    return [t.persona for t in router.route_text(text).tags]


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("can eng chase the untagged buckets, and who sets the per-BU budgets?", ("tagging", "budgets")),
        (
            "who enforces the cost-center tag on new resources, and who sets the per-BU budgets once allocation works?",
            ("tagging", "budgets"),
        ),
        (
            "qui nettoie les snapshots orphelins, et qui valide la grille de refacturation interne ?",
            ("idle-resources", "showback-chargeback"),
        ),
        (
            "¿quién borra los snapshots viejos de AWS y quién aprueba el presupuesto de la nube?",
            ("idle-resources", "budgets"),
        ),
    ],
)
def test_a_second_ask_names_its_topic_by_its_own_words(router: Router, text: str, topics: tuple[str, ...]) -> None:
    assert router.route_text(text).topics[: len(topics)] == topics


def test_a_word_after_a_subordinator_is_not_the_thing_asked(router: Router) -> None:
    decision = router.route_text(
        "CUD coverage on Compute Engine is only 40%. should we commit more before the price change in January?"
    )
    assert decision.topics == ("commitments",)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("we need to buy more savings plans", "finops-practitioner"),
        ("rightsizng recommendations for prod?", "engineering"),
        ("pls chk acct 123456789012 bil, lst wk it was 2x", "finops-practitioner"),
        ("can someone approve the budget increase for team X? it's for AWS", "finance"),
    ],
)
def test_trial_requests_are_routed(router: Router, text: str, first: str) -> None:
    assert _tagged(router, text)[:1] == [first]


def test_buying_savings_plans_above_the_threshold_escalates(router: Router) -> None:
    decision = router.route_text("we need to buy more savings plans before the end of the quarter, who approves $2M?")
    assert decision.topics == ("commitments",)
    assert "leadership" in [t.persona for t in decision.tags]


@pytest.mark.parametrize(
    "text",
    [
        "Setting up a college savings plan for my kid, any advice?",
        "I bought more savings plans for my retirement, and who wants coffee?",
    ],
)
def test_a_personal_savings_plan_stays_chatter(router: Router, text: str) -> None:
    assert not router.route_text(text).is_request


def test_an_explicit_forecast_outweighs_a_breakdown_by_team(router: Router) -> None:
    assert router.route_text("need a forcast for next yr's GCP spend by team").topics[0] == "forecasting"


def test_a_plain_word_scope_counts_after_its_scope_word() -> None:
    owners = OwnersFile.model_validate(
        {
            "version": 1,
            "teams": [
                {
                    "id": "search",
                    "slack": {"channel": "#search"},
                    "scopes": {"kubernetes_namespaces": ["search"], "kubernetes_clusters": ["atlas"]},
                }
            ],
        }
    )
    resolver = OwnerResolver(owners)
    found = resolver.resolve("idle pods in namespace search cost $500")
    assert found is not None and found.describe() == "namespace search → search"
    found = resolver.resolve("idle nodes on cluster: atlas cost $900 a month")
    assert found is not None and found.scope == "cluster atlas"
    assert resolver.resolve("cluster cost for search is up 30%") is None
    assert resolver.resolve("the search namespace is idle") is None


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("presupuesto", "budgets"),
        ("facture", "invoices"),
        ("Rechnung", "invoices"),
        ("Kostenanomalie", "cost-anomalies"),
    ],
)
def test_who_owns_answers_other_languages_words(lookup, query: str, topic: str) -> None:
    answer = lookup.lookup(query)
    assert answer.topic is not None and answer.topic.id == topic


def test_who_owns_lists_the_duties_about_the_topic(lookup) -> None:
    duties = dict(lookup.lookup("tagging").duties)["engineering"]
    assert duties and all("tag" in line.lower() for line in duties)
    assert not any("anomal" in line.lower() for line in duties)


@pytest.mark.parametrize(
    ("query", "topic"),
    [("buying RIs", "commitments"), ("purchasing savings plans", "commitments"), ("RI renewals", "commitment-expiry")],
)
def test_deciding_a_purchase_is_the_strategy_and_an_expiry_is_procurements(lookup, query: str, topic: str) -> None:
    assert lookup.lookup(query).topic.id == topic


@pytest.mark.parametrize(
    "query", ["k8s namespace cost spike", "namespace cost spikes", "cluster cost spike", "k8s cost spike"]
)
def test_a_spike_in_a_namespace_or_cluster_is_the_anomaly_owners(lookup, query: str) -> None:
    # A third new-user trial: "k8s namespace cost spike" answered Kubernetes cost allocation, finance first.
    answer = lookup.lookup(query)
    assert answer.topic is not None and answer.topic.id == "cost-anomalies"
    assert answer.topic.owners.responsible[0] == "engineering"


def test_namespace_cost_itself_is_still_the_allocation_question(lookup) -> None:
    assert lookup.lookup("namespace cost").topic.id == "k8s-cost-allocation"


def test_a_message_with_decomposed_accents_routes_as_the_composed_one(router: Router) -> None:
    import unicodedata

    composed = "¿Quién revisa la facturación de AWS de noviembre?"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert router.route({"text": decomposed}).tags == router.route({"text": composed}).tags != ()

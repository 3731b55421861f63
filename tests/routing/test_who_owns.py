import pytest

from bot.cli.routing import describe_owners
from bot.render.commands import render_who_owns
from bot.render.text import Mentions


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("anomalies", "cost-anomalies"),
        ("forcasting", "forecasting"),
        ("RIs", "commitments"),
        ("cuds", "commitments"),
        ("savings plans", "commitments"),
        ("MACC", "enterprise-commitments"),
        ("macc", "enterprise-commitments"),
        ("kubernetes cost allocation", "k8s-cost-allocation"),
        ("<!channel> budgets", "budgets"),
        ("who-owns contract renewals", "contract-renewals"),
        ("Capitalisation", "capitalization-tco"),
        ("egress", "data-transfer"),
        ("kubernetes", "k8s-cost-allocation"),
    ],
)
def test_lookup_tolerates_plurals_synonyms_abbreviations_typos(lookup, query, topic):
    answer = lookup.lookup(query)
    assert answer.topic is not None and answer.topic.id == topic


def test_personas_are_responsible_then_accountable_then_consulted(lookup):
    answer = lookup.lookup("contract renewals")
    owners = answer.topic.owners
    expected = list(dict.fromkeys([*owners.responsible, *owners.accountable, *owners.consulted]))
    assert list(answer.personas) == expected
    assert answer.personas[0] == "procurement"


def test_unknown_topic_has_no_personas(lookup):
    unknown = lookup.lookup("pizza")
    assert unknown.topic is None and unknown.personas == ()
    assert unknown.to_dict()["topic"] is None and unknown.to_dict()["personas"] == []


def test_unknown_topic_suggests_the_closest(lookup):
    answer = lookup.lookup("tagz")
    assert answer.topic is None and answer.personas == ()
    assert "tagging" in answer.suggestions


def test_typo_in_a_long_word_still_finds_the_topic(lookup):
    assert lookup.lookup("sustainabilty").topic.id == "sustainability"


def test_empty_query(lookup):
    answer = lookup.lookup("   ")
    assert answer.topic is None and answer.personas == () and answer.suggestions == ()


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        # FinOps Framework capability names.
        ("anomaly management", "cost-anomalies"),
        ("rate optimization", "commitments"),
        ("workload optimisation", "rightsizing"),
        ("budgeting", "budgets"),
        ("reporting & analytics", "kpis-reporting"),
        ("invoicing and chargeback", "showback-chargeback"),
        ("licensing & SaaS", "licences"),
        ("cloud sustainability", "sustainability"),
        ("FinOps education and enablement", "training-culture"),
        ("cloud policy & governance", "policy-governance"),
        ("data ingestion", "data-normalization"),
        ("FinOps tools & services", "training-culture"),
        ("executive strategy alignment", "spend-approval"),
        ("planning & estimating", "planning-estimating"),
        ("architecting & workload placement", "rightsizing"),
        ("architecting for the cloud", "rightsizing"),
        ("license optimization", "licences"),
        # Everyday words.
        ("k8s costs", "k8s-cost-allocation"),
        ("SaaS", "licences"),
        ("IAM for billing", "billing-access"),
        ("incident management", "sla-availability"),
        ("account structure", "cost-allocation"),
        ("the cloud bill", "invoices"),
        ("AI costs", "ai-gpu-spend"),
        ("RI renewals", "commitment-expiry"),
        ("scheduling dev environments off", "idle-resources"),
        # Typos.
        ("forcast", "forecasting"),
        ("anomolies", "cost-anomalies"),
        ("rightsizng", "rightsizing"),
        ("chargebak", "showback-chargeback"),
        ("kuberentes costs", "k8s-cost-allocation"),
    ],
)
def test_who_owns_answers_capability_names_everyday_words_and_typos(lookup, query, topic):
    answer = lookup.lookup(query)
    assert answer.topic is not None and answer.topic.id == topic, (query, answer.to_dict())


@pytest.mark.parametrize(
    "query",
    # Everyday collocations name no topic although a topic word is in them.
    [
        "parking permits",
        "office snacks",
        "the coffee machine",
        "holiday rota",
        "expense reports",
        "marketing budget",
        # A capability's activity word alone, with no cost in it, names nothing.
        "zebra migration patterns",
        "org hierarchy",
    ],
)
def test_who_owns_says_unknown_instead_of_guessing(lookup, query):
    answer = lookup.lookup(query)
    assert answer.topic is None and answer.personas == (), (query, answer.to_dict())


@pytest.mark.parametrize(
    ("query", "personas"),
    [
        # A topic two personas own answers both: an overrun is explained by finance, acted on by engineering.
        ("budget overrun", {"finance", "engineering"}),
        ("budget overuns", {"finance", "engineering"}),
        ("cost overruns", {"finance", "engineering"}),
        # Planning & Estimating: engineering estimates, the practitioner facilitates, finance plans with it.
        ("planning and estimating", {"engineering", "finops-practitioner", "finance"}),
        ("planing & estimating", {"engineering", "finops-practitioner", "finance"}),
        ("commitment based discounts", {"finops-practitioner", "procurement"}),
    ],
)
def test_who_owns_names_every_owner_of_a_shared_topic(lookup, query, personas):
    answer = lookup.lookup(query)
    assert personas <= set(answer.personas), (query, answer.to_dict())


@pytest.mark.parametrize(("query", "near"), [("tagz", "tag"), ("lunch", "launch")])
def test_an_unknown_topic_names_the_near_spelling_its_suggestions_come_from(lookup, query, near):
    answer = lookup.lookup(query)
    assert answer.topic is None and answer.near == near and answer.suggestions
    assert answer.to_dict()["near"] == near


@pytest.mark.parametrize("query", ["parking permits", "coffee machine rota", "zebra"])
def test_a_query_far_from_every_known_word_gets_no_suggestion(lookup, query):
    answer = lookup.lookup(query)
    assert (answer.topic, answer.near, answer.suggestions) == (None, None, ())


def test_both_answers_to_an_unknown_topic_say_which_word_the_suggestion_is_near(lookup, shipped_config):
    answer = lookup.lookup("tagz")
    assert describe_owners(shipped_config, answer) == "No topic matches 'tagz'. Did you mean 'tag' (tagging)?\n"
    slack = render_who_owns("tagz", answer, shipped_config, Mentions({}, {}))
    assert slack["text"] == "I don't know a topic called “tagz”. Did you mean “tag” (`Tagging and labelling`)?"


def test_an_unknown_topic_without_a_suggestion_says_who_would_get_such_a_message(lookup, shipped_config):
    answer = lookup.lookup("flurble wibble")
    fallback = shipped_config.routing.fallback_persona
    name = shipped_config.persona(fallback).name
    assert describe_owners(shipped_config, answer).startswith(
        f"No topic matches 'flurble wibble'. A message about it would go to the fallback owner, {name} [{fallback}]"
    )
    slack = render_who_owns("flurble wibble", answer, shipped_config, Mentions({}, {fallback: name}))
    assert slack["text"] == (
        f"I don't know a topic called “flurble wibble”. A message about it would go to the fallback owner, {name}."
    )


def test_duties_shown_are_only_those_about_the_topic(lookup):
    duties = dict(lookup.lookup("invoice reconciliation").duties)
    assert any("invoice" in line.lower() for line in duties["finance"])
    # No finance duty names Kubernetes allocation: none shown, rather than its general ones.
    assert dict(lookup.lookup("kubernetes cost allocation").duties)["finance"] == ()

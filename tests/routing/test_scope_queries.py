"""`who-owns <scope word> <name>`: always a scope lookup, except a topic's exact wording."""

from __future__ import annotations

import pytest

from bot.routing.owners import OwnerResolver
from bot.routing.scope_queries import ScopeAnswer, answer_scope, owned_like, parse_scope_query
from bot.routing.who_owns import TopicLookup
from tests.routing.routing_support import config_with_owners

OWNERS = {
    "teams": [
        {
            "id": "payments",
            "name": "Payments",
            "slack": {"channel": "#payments-eng"},
            "scopes": {"aws_accounts": ["111122223333"], "kubernetes_namespaces": ["prod-eu/payments", "checkout"]},
        }
    ]
}


@pytest.fixture(scope="module")
def ask(shipped_config):
    owned = config_with_owners(shipped_config, OWNERS)
    resolver, topics = OwnerResolver(owned.owners), TopicLookup(owned)

    def answer(query: str) -> ScopeAnswer | None:
        return answer_scope(resolver, query, topics)

    return answer


def test_an_owned_plain_word_name_answers_the_team(ask):
    answer = ask("namespace checkout")
    assert answer is not None and answer.match is not None and answer.match.team_id == "payments"


@pytest.mark.parametrize("query", ["namespace payments", "project analytics", "namespace foo", "cluster search"])
def test_an_unowned_plain_word_name_is_still_a_scope_not_a_topic(ask, query):
    # "payments" and "analytics" are topic words: they answered Invoices and Forecasting before.
    answer = ask(query)
    assert answer is not None and answer.match is None
    assert answer.unowned_lines()[0].startswith(f"No team owns {query} in owners.yaml")


def test_an_unowned_namespace_suggests_the_owned_one_in_its_cluster(ask):
    answer = ask("namespace payments")
    assert answer is not None and answer.suggestions == ("prod-eu/payments",)
    assert answer.unowned_lines()[-1] == "Did you mean 'namespace prod-eu/payments'?"
    assert answer.to_dict()["suggestions"] == ["prod-eu/payments"]


def test_a_misspelled_name_suggests_the_closest_owned_one(ask):
    answer = ask("namespace checkuot")
    assert answer is not None and answer.suggestions == ("checkout",)
    assert ask("namespace foo").suggestions == ()  # nothing close: no guess


def test_owned_like_prefers_every_name_whose_last_segment_is_the_query():
    owned = ("prod-eu/payments", "prod-us/payments", "payments-api")
    assert owned_like("payments", owned) == ("prod-eu/payments", "prod-us/payments")


@pytest.mark.parametrize("query", ["account 12345", "aws account 12345", "aws 12345"])
def test_a_short_account_id_explains_the_form(ask, query):
    answer = ask(query)
    assert answer is not None and answer.match is None
    assert answer.problem is not None
    assert answer.problem.startswith("12345 has 5 digits: AWS account ids have 12 digits")
    assert "`project payments-prod`" in answer.problem and "`subscription " in answer.problem


@pytest.mark.parametrize("query", ["account management", "subscription renewals"])
def test_a_plain_word_after_account_or_subscription_is_a_topic_query(ask, query):
    # Their ids are numbers and GUIDs, never a word: the person asks about a topic.
    assert ask(query) is None


def test_an_id_shaped_account_name_is_a_scope_with_the_form_explained(ask):
    answer = ask("account payments-prod")
    assert answer is not None and answer.problem is not None and "12 digits" in answer.problem


def test_malformed_ids_of_other_fixed_forms_are_explained(ask):
    assert "GUIDs" in (ask("subscription payments-prod").problem or "")
    assert "GCP project ids" in (ask("project foo").problem or "")
    assert ask("project data-lake").problem is None  # a well-formed id, merely unowned
    assert ask("cluster search").problem is None  # cluster names have no fixed form


@pytest.mark.parametrize(
    "query", ["namespace cost", "namespace costs", "cluster cost", "account hierarchy", "account structure"]
)
def test_a_topics_exact_wording_stays_a_topic(ask, query):
    assert ask(query) is None


@pytest.mark.parametrize("query", ["budget variance", "aws credits", "tag hygiene", "project x y", "savings plans"])
def test_everyday_topic_queries_are_not_scopes(ask, query):
    assert ask(query) is None


def test_the_command_prefix_is_ignored(ask):
    answer = ask("/finops who-owns namespace payments")
    assert answer is not None and answer.query.label == "namespace payments"


def test_only_words_that_always_mean_a_scope_mark_a_query_as_one():
    everyday, scope = parse_scope_query("budget variance"), parse_scope_query("ns payments")
    assert everyday is not None and not everyday.by_scope_word  # a budget only when one is owned
    assert scope is not None and scope.by_scope_word and scope.kind == "namespace"

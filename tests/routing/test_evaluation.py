"""bot.routing.evaluation: the scorer, driven by a tiny fake router and lookup."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.routing.evaluation import (
    Ratio,
    amount_matches,
    combine,
    decision_amount,
    message_of,
    score_cases,
)


@dataclass
class FakeDecision:
    personas: tuple[str, ...]
    amount_usd: float | None = None
    amount: object = None


@dataclass
class FakeAnswer:
    topic: str | None
    personas: tuple[str, ...]


class FakeRouter:
    """Answers from a table keyed by the message text; remembers what it was given."""

    def __init__(self, table):
        self.table = table
        self.seen = []

    def route(self, message):
        self.seen.append(message)
        return self.table[message.get("text", "")]


class FakeLookup:
    def __init__(self, table):
        self.table = table

    def lookup(self, query):
        personas = self.table.get(query, ())
        return FakeAnswer(topic=query if personas else None, personas=personas)


def test_strict_recall_precision_primary_and_chatter():
    cases = [
        {"id": "ok", "text": "a", "expect": ["engineering"], "accept": ["finops-practitioner"]},
        {"id": "extra-ok", "text": "b", "expect": ["engineering"], "accept": ["finops-practitioner"]},
        {"id": "missing", "text": "c", "expect": ["engineering", "finance"]},
        {"id": "wrong-primary", "text": "d", "expect": ["finance"], "accept": ["engineering"]},
        {"id": "unexpected", "text": "e", "expect": ["finance"]},
        {"id": "quiet", "text": "f", "expect": []},
        {"id": "chatty", "text": "g", "expect": [], "accept": ["finance"]},
    ]
    router = FakeRouter(
        {
            "a": FakeDecision(("engineering",)),
            "b": FakeDecision(("engineering", "finops-practitioner")),
            "c": FakeDecision(("engineering",)),
            "d": FakeDecision(("engineering", "finance")),
            "e": FakeDecision(("finance", "security")),
            "f": FakeDecision(()),
            "g": FakeDecision(("finance",)),
        }
    )
    m = score_cases(cases, router=router, name="f.yaml")
    assert m.cases == 7
    assert m.strict == Ratio(4, 7)  # ok, extra-ok, wrong-primary (both acceptable), quiet
    assert m.recall == Ratio(5, 6)  # finance missing once
    assert m.precision == Ratio(8, 9)  # only security is unacceptable; the chatter's finance is accepted
    assert m.chatter_tagged == Ratio(1, 2)
    assert m.primary == Ratio(4, 5)
    reasons = {f.case_id: f.reason for f in m.failures}
    assert set(reasons) == {"missing", "wrong-primary", "unexpected", "chatty"}
    assert reasons["missing"].startswith("missing finance")
    assert "primary engineering instead of finance" in reasons["wrong-primary"]
    assert "unexpected security" in reasons["unexpected"]
    assert "chatter tagged finance" in reasons["chatty"]


def test_precision_counts_an_accepted_tag_on_chatter_as_acceptable():
    cases = [{"id": "c", "text": "x", "expect": [], "accept": ["finance"]}]
    m = score_cases(cases, router=FakeRouter({"x": FakeDecision(("finance", "leadership"))}))
    assert m.precision == Ratio(1, 2)
    assert m.strict == Ratio(0, 1)


def test_the_router_gets_the_slack_message_with_attachments_and_blocks():
    case = {"id": "p", "text": "t", "attachments": [{"title": "x"}], "blocks": [{"type": "section"}], "expect": []}
    router = FakeRouter({"t": FakeDecision(())})
    score_cases([case], router=router)
    assert router.seen == [{"text": "t", "attachments": [{"title": "x"}], "blocks": [{"type": "section"}]}]
    assert message_of({"attachments": [], "expect": []}) == {"attachments": []}


def test_amounts_need_value_and_currency():
    cases = [
        {
            "id": "usd",
            "text": "a",
            "expect": ["finance"],
            "amount_usd": 100.0,
            "amount": {"value": 100.0, "currency": "USD"},
        },
        {"id": "eur-as-usd", "text": "b", "expect": ["finance"], "amount": {"value": 18000, "currency": "EUR"}},
        {"id": "eur", "text": "c", "expect": ["finance"], "amount": {"value": 18000, "currency": "EUR"}},
        {"id": "off", "text": "d", "expect": ["finance"], "amount_usd": 100.0},
        {"id": "none", "text": "e", "expect": ["finance"], "amount": {"value": 5, "currency": "GBP"}},
        {"id": "no-amount", "text": "f", "expect": ["finance"]},
    ]
    router = FakeRouter(
        {
            "a": FakeDecision(("finance",), amount_usd=100.5),
            "b": FakeDecision(("finance",), amount_usd=18000.0),
            "c": FakeDecision(("finance",), amount={"value": 18000, "currency": "eur"}),
            "d": FakeDecision(("finance",), amount_usd=120.0),
            "e": FakeDecision(("finance",)),
            "f": FakeDecision(("finance",), amount_usd=3.0),
        }
    )
    m = score_cases(cases, router=router)
    assert m.amounts == Ratio(2, 5)
    assert m.strict == Ratio(6, 6)  # amounts do not make a routing case strict-fail
    reasons = {f.case_id: f.reason for f in m.failures}
    assert reasons["eur-as-usd"].startswith("amount 18,000 USD instead of 18,000 EUR")
    assert reasons["none"].startswith("amount none instead of 5 GBP")


def test_an_hourly_commitment_may_be_read_as_stated_or_as_its_total():
    case = {"amount": {"value": 64.0, "currency": "USD"}, "amount_period": "hour", "term_years": 3}
    assert amount_matches(case, (64.0, "USD"))
    assert amount_matches(case, (64.0 * 8760 * 3, "USD"))
    assert not amount_matches(case, (64.0 * 8760, "USD"))
    assert amount_matches({}, None)


def test_decision_amount_shapes():
    class Amount:
        value = 12.5
        currency = "gbp"

    assert decision_amount(FakeDecision((), amount=Amount())) == (12.5, "GBP")
    assert decision_amount(FakeDecision((), amount=(3, "JPY"))) == (3.0, "JPY")
    assert decision_amount(FakeDecision((), amount_usd=7.0)) == (7.0, "USD")
    assert decision_amount(FakeDecision(())) is None


def test_who_owns_known_unknown_and_order():
    cases = [
        {"id": "budgets", "topic": "budgets", "expect": ["finance"], "accept": ["finops-practitioner"]},
        {"id": "consulted-extra", "topic": "anomalies", "expect": ["engineering"]},
        {"id": "wrong-first", "topic": "commitments", "expect": ["procurement"]},
        {"id": "parking", "topic": "parking permits", "expect": [], "unknown": True},
        {"id": "guessed", "topic": "pizza", "expect": [], "unknown": True},
        {"id": "missed", "topic": "forcast", "expect": ["finance"]},
    ]
    lookup = FakeLookup(
        {
            "budgets": ("finance", "finops-practitioner"),
            "anomalies": ("engineering", "finops-practitioner", "security"),
            "commitments": ("finops-practitioner", "procurement"),
            "pizza": ("finance",),
        }
    )
    m = score_cases(cases, lookup=lookup)
    assert m.who_owns == Ratio(3, 6)
    assert m.strict == Ratio(0, 0)
    reasons = {f.case_id: f.reason for f in m.failures}
    assert "answered finops-practitioner first" in reasons["wrong-first"]
    assert "should be unknown" in reasons["guessed"]
    assert "answered unknown" in reasons["missed"]


def test_missing_router_or_lookup_is_an_error():
    with pytest.raises(ValueError):
        score_cases([{"id": "x", "text": "a", "expect": []}])
    with pytest.raises(ValueError):
        score_cases([{"id": "x", "topic": "a", "expect": []}])


def test_tags_are_read_when_a_decision_has_no_personas_attribute():
    @dataclass
    class Tag:
        persona: str

    @dataclass
    class TagDecision:
        tags: tuple
        amount_usd: float | None = None

    router = FakeRouter({"a": TagDecision((Tag("finance"), Tag("finance")))})
    m = score_cases([{"id": "t", "text": "a", "expect": ["finance"]}], router=router)
    assert m.strict == Ratio(1, 1) and m.precision == Ratio(1, 1)


def test_combine_adds_up_files():
    router = FakeRouter({"a": FakeDecision(("finance",)), "b": FakeDecision(())})
    one = score_cases([{"id": "1", "text": "a", "expect": ["finance"]}], router=router, name="one")
    two = score_cases([{"id": "2", "text": "b", "expect": ["finance"]}], router=router, name="two")
    both = combine([one, two], "all")
    assert both.name == "all" and both.cases == 2
    assert both.strict == Ratio(1, 2) and both.recall == Ratio(1, 2)
    assert [f.case_id for f in both.failures] == ["2"]
    assert str(Ratio()) == "n/a" and str(Ratio(1, 4)) == "0.250 (1/4)"


def test_amounts_are_read_from_the_routers_money_value() -> None:
    from bot.routing.money import Money

    class Decided:
        amount = Money(18000.0, "EUR", usd=19500.0)
        amount_usd = 19500.0

    assert decision_amount(Decided()) == (18000.0, "EUR")

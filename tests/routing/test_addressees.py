"""Personas asked by name ("finance please…", "can eng look at…", "(ITAM)") are
tagged; a persona's name that only describes ("engineering spend rose") is not."""

from __future__ import annotations

import pytest

from bot.routing.addressees import Addressees
from bot.routing.decision import Decision, PersonaTag

NAMES = {
    "engineering": ["eng", "engineering", "infra", "platform team", "SRE"],
    "finance": ["finance", "fp&a", "la finance", "finanzas", "Finanzen"],
    "procurement": ["procurement"],
    "itam": ["ITAM", "SAM"],
    "leadership": ["leadership", "CFO"],
}


@pytest.fixture(scope="module")
def names() -> Addressees:
    return Addressees(NAMES)


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("eng please look at the NAT costs", ["engineering"]),
        ("can infra check the idle volumes?", ["engineering"]),
        ("could the platform team cut the log retention", ["engineering"]),
        ("finance: the november accrual is missing", ["finance"]),
        ("eng to cap tokens, finance to approve the budget", ["engineering", "finance"]),
        ("leadership needs to approve it, and then procurement executes", ["leadership", "procurement"]),
        ("how many seats do we use (ITAM) and when does it renew (procurement)?", ["itam", "procurement"]),
        ("budget at 104% and an anomaly on EC2. finance + eng pls", ["finance", "engineering"]),
        ("cc FP&A on the forecast change", ["finance"]),
        # The same frames in the other languages routed.
        ("la facture est de 12 400 £, la finance peut vérifier ?", ["finance"]),
        ("¿puede finanzas revisar la factura de AWS?", ["finance"]),
        ("Finanzen bitte die Rechnung prüfen", ["finance"]),
    ],
)
def test_a_persona_named_in_an_ask_is_asked(names, text, asked):
    assert [persona for _, persona in names.named(text)] == asked


@pytest.mark.parametrize(
    "text",
    [
        "engineering spend rose 20% this month",
        "the finance dashboard shows the EDP burn-down",
        "move the shared costs from engineering to finance",
        "Sam please check the RDS bill",  # a person called Sam, not SAM (ITAM)
        "the CFO's deck has the wrong COGS figure",
        "Product: Amazon Elastic Compute Cloud",  # a field of an alert, not an ask
    ],
)
def test_a_name_that_only_describes_is_not_an_ask(names, text):
    assert names.named(text) == []


def _decision(*personas: str, role: str = "responsible") -> Decision:
    return Decision(is_request=True, tags=tuple(PersonaTag(p, role) for p in personas), explanation="x")  # type: ignore[arg-type]


def test_two_personas_named_are_the_owners_in_the_order_written(names):
    decided = names.apply(
        _decision("finops-practitioner"), "the EDP: leadership needs to approve, procurement executes"
    )
    assert decided.personas == ("leadership", "procurement")
    assert "asked by name: leadership, procurement" in decided.explanation


def test_one_persona_named_later_joins_after_the_topic_owner(names):
    text = "the EC2 anomaly needs a root cause, and separately can finance raise the Q4 budget?"
    assert names.apply(_decision("engineering"), text).personas == ("engineering", "finance")


def test_one_persona_named_first_leads(names):
    assert names.apply(_decision("finance"), "the CFO needs to sign off on the $3.6M commit").personas == (
        "leadership",
        "finance",
    )


def test_a_named_persona_replaces_the_fallback_owner(names):
    decided = names.apply(_decision("finops-practitioner", role="fallback"), "can eng look at the bill?")
    assert decided.personas == ("engineering",)


def test_a_message_that_is_not_a_request_stays_untouched(names):
    chatter = Decision(is_request=False, explanation="party")
    assert names.apply(chatter, "finance please pay the party budget") is chatter


def test_the_shipped_router_tags_both_named_personas(router):
    decision = router.route_text(
        "BigQuery scans are eating the analytics budget: data team please partition the events table, "
        "and finance please tell us how much headroom is left this quarter"
    )
    assert decision.personas[:2] == ("engineering", "finance")


@pytest.mark.parametrize(
    ("text", "personas"),
    [
        # A second ask joined by "and" to a first: both names are asked.
        ("can itam reclaim the licences and engineering resize the hosts?", ["itam", "engineering"]),
        ("itam please check the licence terms, and itsm decide if the SLA needs it", ["itam", "itsm"]),
        # A name that only qualifies a noun after "and" is not asked.
        ("can finance check the invoice and engineering spend for October?", ["finance"]),
    ],
)
def test_a_name_joined_by_and_to_an_asked_one_is_asked_too(text, personas):
    both = Addressees({**NAMES, "itam": ["ITAM", "itam"], "itsm": ["itsm"]})
    assert [persona for _, persona in both.named(text)] == personas

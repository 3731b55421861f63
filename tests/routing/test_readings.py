"""Readings beyond topic scores: a leading topic's owners come first, and an
ordinary English word is never "corrected" into a FinOps term."""

from __future__ import annotations

import pytest

from bot.routing import lexicon


@pytest.mark.parametrize(
    "text",
    [
        "Cost anomaly on EC2 in ap-east-1, +$18,250; we have no workloads in that region",
        "GPU spend spiked in the sandbox account, $2,300 since yesterday, and nobody launched those instances",
    ],
)
def test_a_suspected_compromise_puts_security_first(router, text):
    decision = router.route_text(text)
    assert decision.personas[:2] == ("security", "engineering"), decision.explanation


def test_a_spend_spike_without_signs_of_compromise_stays_with_engineering(router):
    assert router.route_text("EC2 spend spiked 40% yesterday in us-east-1, who can look?").personas[0] == "engineering"


@pytest.mark.parametrize(
    ("word", "not_term"),
    [("attached", "attacker"), ("compatible", "compute"), ("police", "policy"), ("leading", "leaked")],
)
def test_common_words_are_not_typos_of_terms(router, word, not_term):
    assert word in lexicon.COMMON_WORDS
    hits = router.index.match_tokens(*router.index.prepare(f"the {word} thing"))
    assert not_term not in [hit.term.text for hit in hits]


def test_a_real_typo_is_still_corrected(router):
    hits = router.index.match_tokens(*router.index.prepare("the forcast for Q3"))
    assert [(hit.term.text, hit.typo) for hit in hits] == [("forecast", True)]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Der Compute Savings Plan läuft Ende März aus. Bitte rechtzeitig einen neuen kaufen.", "procurement"),
        ("Wer schaltet die Testserver in der Dev-Umgebung ab? Die kosten uns jeden Monat 800 €.", "engineering"),
    ],
)
def test_a_german_separable_verb_is_read_with_its_clause_final_prefix(router, text, first):
    assert router.route_text(text).personas[0] == first


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("¿Deberíamos hacer la compra de Savings Plans o esperar a mejorar la cobertura?", "finops-practitioner"),
        ("O Savings Plan de 3 anos a 20 US$/hora foi aprovado. Quem faz a compra no console?", "procurement"),
        ("Le Savings Plan sur 3 ans est validé : qui effectue l'achat dans la console ?", "procurement"),
    ],
)
def test_executing_a_commitment_purchase_is_procurements_unless_the_strategy_is_asked(router, text, first):
    assert router.route_text(text).personas[0] == first


def test_an_ask_leans_on_a_message_grounded_by_an_hourly_commitment(router):
    # The hourly rate committed for years makes the message a cloud one; "who executes the renewal
    # purchase" is then an ask of its own beside the cleanup.
    decision = router.route_text(
        "Our 3-year Savings Plan at $40/hour expires next week. Who executes the renewal purchase, and who turns "
        "off the idle dev instances before we size the new one?"
    )
    assert decision.personas[:2] == ("procurement", "engineering")

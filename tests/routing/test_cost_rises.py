"""A spend spike told in everyday words reads as the cost-anomalies term (``cost_rises``)."""

from __future__ import annotations

import pytest

from bot.routing.router import Router


@pytest.mark.parametrize(
    "text",
    [
        "costs went through the roof this week 🔥",
        "the bill jumped from £8k to £14k, anyone know why?",
        "what happened to our spend?? 📈",
        "spending skyrocketed after the launch",
        "our bill is 3x what it was last month!!",
        "EC2 costs went up 60% since Monday 📈",
    ],
)
def test_a_spend_spike_in_everyday_words_is_engineerings(router: Router, text: str) -> None:
    decision = router.route_text(text)

    assert decision.personas[:1] == ("engineering",), decision.explanation


@pytest.mark.parametrize(
    "text",
    [
        "my phone bill jumped this month lol",
        "concert ticket prices went through the roof this year 😱",
        "cost per order jumped 30% this week, is that the new feature?",
    ],
)
def test_a_rise_of_anything_else_is_not(router: Router, text: str) -> None:
    decision = router.route_text(text)

    assert "cost spike" not in decision.explanation, decision.explanation
    assert decision.personas[:1] != ("engineering",), decision.explanation


def test_a_plain_rise_without_alarm_stays_with_the_practitioner(router: Router) -> None:
    decision = router.route_text("why is the bill up so much this month??")

    assert decision.personas == ("finops-practitioner",), decision.explanation

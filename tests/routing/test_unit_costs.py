"""A cost per business unit in any wording reads as the unit-economics term (``unit_costs``)."""

from __future__ import annotations

import pytest

from bot.routing.router import Router


@pytest.mark.parametrize(
    "text",
    [
        "what does it cost us to serve one tenant per month?",
        "can someone work out the cloud spend per shipment for the logistics product?",
        "what's our infra cost per 1,000 API requests?",
        "how much does one booking cost us in AWS?",
        "what's the cloud spend per active account in the SMB segment?",
        "how much do we spend per GB served to customers on the CDN?",
    ],
)
def test_a_cost_per_unit_of_the_business_is_products(router: Router, text: str) -> None:
    decision = router.route_text(text)

    assert decision.personas[:1] == ("product",), decision.explanation
    assert "cost per unit" in decision.explanation


@pytest.mark.parametrize(
    "text",
    [
        "what does the taco place cost per person?",
        "the conference costs $800 per attendee, who's going?",
        "what does it cost per hour to run the big GPU box?",
        "can we split the shared costs per team?",
    ],
)
def test_a_cost_per_anything_else_is_not(router: Router, text: str) -> None:
    decision = router.route_text(text)

    assert "product" not in decision.personas, decision.explanation

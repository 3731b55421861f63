"""Unused seats stated by count read as the licences topic (ITAM); event seats stay chatter."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "we're paying for 400 Jira seats but only 250 are active",
        "120 Slack seats on the plan and 40 of them haven't logged in since March",
        "we have 300 Figma licences and 90 are unassigned",
        "500 M365 licenses, 130 inactive",
    ],
)
def test_seat_count_against_its_use_is_itams(router, text):
    decision = router.route_text(text)
    assert "licences" in decision.topics
    assert decision.personas[:1] == ("itam",)


@pytest.mark.parametrize(
    "text",
    [
        "we have 12 seats left at the conference",
        "seat reservations for the offsite",
        "the bus to the offsite has 50 seats and 12 are still free, grab one",
        "only 30 of the 45 seats at the all-hands were taken, the room was half empty",
    ],
)
def test_seats_with_no_licence_use_stay_chatter(router, text):
    assert not router.route_text(text).is_request

"""Savings Plans and Reserved Instance notices: state changes (aws.savingsplans
"Savings Plans State Change Alert"), expirations ("Reserved Instances are
expiring") and purchase recommendations. A plan's rate is stated per hour
("$35.00/hour", "3 yr"); the amount reader turns it into the commitment's total."""

from __future__ import annotations

import re

from bot.routing.sources.base import HEADLINE, AlertSource, Label, json_string, pattern

SOURCE = AlertSource(
    id="aws-commitments",
    name="Savings Plans, Reserved Instances and reservations",
    markers=(
        "Savings Plan",
        "savingsplan",
        "Reserved Instance",
        "reserved instance",
        "Reservation",
        "aws.savingsplans",
    ),
    identifiers=(
        pattern("alert_id", r"\b(?P<v>arn:aws:savingsplans::\d*:savingsplan/[\w-]+)"),
        pattern("account", r"\barn:aws:savingsplans::(?P<v>\d{12}):"),
        json_string("alert_id", "savingsPlanId", "savingsPlanArn", "reservedInstancesId", "reservationId"),
        pattern("alert_id", r"\breservation(?:s)?[ _]?id\W{0,4}(?P<v>[\w-]{6,})", flags=re.IGNORECASE),
    ),
    labels=(
        Label("hourly commitment", HEADLINE, "commitment"),
        Label("commitment of", HEADLINE, "commitment"),
    ),
    kind="commitment",
)

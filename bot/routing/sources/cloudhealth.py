"""VMware Tanzu CloudHealth policy, budget and anomaly notifications: "Policy: …",
"Perspective: … / Group: …", "Account: …"."""

from __future__ import annotations

import re

from bot.routing.sources.base import HEADLINE, AlertSource, Label, pattern

SOURCE = AlertSource(
    id="cloudhealth",
    name="CloudHealth",
    markers=("CloudHealth", "cloudhealth"),
    identifiers=(
        pattern("name", r"\bPolicy(?: Name)?:\s*(?P<v>[^\n|]{2,80}?)\s*(?:\||\n|$)", flags=re.IGNORECASE),
        pattern("name", r"\bPerspective(?: Group)?:\s*(?P<v>[^\n|]{2,80}?)\s*(?:\||\n|$)", flags=re.IGNORECASE),
        pattern("account_name", r"\bAccount Name:\s*(?P<v>[^\n|]{2,80}?)\s*(?:\||\n|$)"),
        pattern("alert_id", r"\bViolation ID:\s*(?P<v>[\w-]{4,})", flags=re.IGNORECASE),
    ),
    labels=(Label("current cost", HEADLINE, "actual"), Label("projected cost", HEADLINE, "forecast")),
)

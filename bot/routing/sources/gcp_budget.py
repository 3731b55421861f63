"""Google Cloud budget notifications: the Pub/Sub JSON (``budgetDisplayName``,
``costAmount``, ``budgetAmount``, ``currencyCode``, ``alertThresholdExceeded``,
``forecastThresholdExceeded``, ``costIntervalStart``; attributes
``billingAccountId``, ``budgetId``), the e-mail ("Budget analytics-prod has
reached 90%…", "Budget alert: 'analytics-prod' has reached 100% of…", recognised
by that wording alone) and a relay's Slack fields ("*Budget:* analytics-prod",
"Budget Name", "Current Spend", "Currency Type")."""

from __future__ import annotations

import re

from bot.routing.sources.base import BASELINE, HEADLINE, AlertSource, Label, json_string, keys, pattern

# "Budget <name> has reached 90%": the words a budget's e-mail says of itself are not its name.
_NOT_A_NAME = r"(?!(?:alert|amount|forecast|threshold|spend|usage|limit|has|is|for|of|the|this|your)\b)"
_REACHED = r"\s+has\s+(?:reached|exceeded|crossed|passed)\s+\d{1,3}(?:\.\d+)?\s?%"

SOURCE = AlertSource(
    id="gcp-budget",
    name="Google Cloud budget",
    markers=(
        "budgetDisplayName",
        "GCP Budget",
        "GCP budget",
        "Google Cloud budget",
        "Cloud Billing",
        "billing alert",
        "costIntervalStart",
    ),
    identifiers=(
        json_string("budget", "budgetDisplayName"),
        json_string("alert_id", "budgetId"),
        json_string("name", "billingAccountId"),
        pattern("budget", r"\bBudget Name[^\w\n]{0,6}(?!Budget)(?P<v>\w[^\n|*]{0,99})", flags=re.IGNORECASE),
        pattern("budget", r"\bbudget\s+(?P<q>[`*_])(?P<v>[\w .-]{1,100}?)[`*_]"),
        pattern("project", r"_(?P<v>[a-z][a-z0-9-]{4,28}[a-z0-9])_ billing alert"),
        # A relay's field: "*Budget:* analytics-prod" (not "Budget: $15,000" or "Budget: USD 15,000").
        pattern("budget", r"\bBudget[*_]{0,2}:[*_]{0,2}[ \t]+(?![A-Z]{3}\s?\d)(?P<v>[A-Za-z][^\n|*]{0,99})"),
    ),
    wording=(
        pattern("budget", r"\b[Bb]udget(?: alert)?:?\s+(?P<q>['\"`*_])(?P<v>[^'\"`*_\n]{1,100})(?P=q)" + _REACHED),
        pattern("budget", r"\b[Bb]udget(?: alert)?:?\s+" + _NOT_A_NAME + r"(?P<v>\w[\w.-]{0,99})" + _REACHED),
    ),
    json_keys=keys(
        ("costAmount", HEADLINE, "actual"),
        ("budgetAmount", BASELINE, None),
    ),
    fields=(
        Label("current spend", HEADLINE, "actual"),
        Label("cost amount", HEADLINE, "actual"),
        Label("budget amount exceeded", BASELINE),
        Label("budget amount", BASELINE),
    ),
    kind="actual",
)

"""Google Cloud budget notifications: the Pub/Sub JSON (``budgetDisplayName``,
``costAmount``, ``budgetAmount``, ``currencyCode``, ``alertThresholdExceeded``,
``forecastThresholdExceeded``, ``costIntervalStart``; attributes
``billingAccountId``, ``budgetId``) and the e-mail or a relay's field list
("Budget Name", "Current Spend", "Currency Type")."""

from __future__ import annotations

import re

from bot.routing.sources.base import BASELINE, HEADLINE, AlertSource, Label, json_string, keys, pattern

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

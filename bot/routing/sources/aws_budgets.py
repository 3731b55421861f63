"""AWS Budgets: the e-mail/SNS text ("AWS Budgets: <name> has exceeded your alert
threshold", "Budget Name", "ACTUAL Amount", "FORECASTED Amount", "Budgeted
Amount", "Alert Threshold") and Chatbot's fields; budget actions' JSON names
``budgetName`` and ``accountId``."""

from __future__ import annotations

import re

from bot.routing.sources.base import BASELINE, HEADLINE, AlertSource, json_string, keys, pattern

SOURCE = AlertSource(
    id="aws-budgets",
    name="AWS Budgets",
    markers=("AWS Budgets", "budgetName", "aws.budgets", "Budget Name:"),
    identifiers=(
        pattern("budget", r"AWS Budgets:\s*(?P<v>[^\n*]{1,100}?)\s+has (?:exceeded|been)"),
        pattern("budget", r"Budget Name[^\w\n]{0,6}(?!Budget)(?P<v>\w[^\n|*]{0,99})", flags=re.IGNORECASE),
        json_string("budget", "budgetName"),
        json_string("account", "accountId"),
        pattern("account_name", r"Account:\s*\d{12}\s*\((?P<v>[^)\n]{1,60})\)"),
    ),
    json_keys=keys(
        ("actualSpend", HEADLINE, "actual"),
        ("forecastedSpend", HEADLINE, "forecast"),
        ("budgetLimit", BASELINE, None),
    ),
    kind="actual",
)

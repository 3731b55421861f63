"""Azure Cost Management budget alerts: the common alert schema
(``azureMonitorCommonAlertSchema``, ``essentials.alertId``,
``alertContext.AlertData.{Scope,BudgetName,SpentAmount,Unit,...}``), the
legacy "AIP Budget Notification" action-group payload (``SubscriptionId``,
``ResourceGroup``, ``SpendingAmount``, ``Budget``, ``Unit``) and the e-mail
("The total spend for your budget, <name>, is forecasted to reach …")."""

from __future__ import annotations

from bot.routing.sources.base import BASELINE, HEADLINE, AlertSource, json_string, keys, pattern

SOURCE = AlertSource(
    id="azure-budget",
    name="Azure budget",
    markers=("azureMonitorCommonAlertSchema", "AIP Budget Notification", "Azure budget", "CostAlerts", "BudgetName"),
    identifiers=(
        json_string("alert_id", "alertId"),
        json_string("budget", "BudgetName"),
        json_string("subscription", "SubscriptionId"),
        json_string("subscription_name", "SubscriptionName"),
        json_string("resource_group", "ResourceGroup", "ResourceGroupName"),
        pattern("budget", r"\bspend for (?:your )?budget,? (?P<v>[\w.-]{1,80})"),
        pattern("budget", r"\bbudget (?P<q>`)(?P<v>[\w.-]{1,80})`"),
    ),
    json_keys=keys(
        ("SpendingAmount", HEADLINE, "actual"),
        ("SpentAmount", HEADLINE, "actual"),
        ("ForecastedAmount", HEADLINE, "forecast"),
        ("Budget", BASELINE, None),
        ("BudgetThreshold", BASELINE, None),
        ("NotificationThresholdAmount", BASELINE, None),
        ("ThresholdAmount", BASELINE, None),
    ),
    kind="actual",
)

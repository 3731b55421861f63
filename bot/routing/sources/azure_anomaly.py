"""Azure Cost Management anomaly alerts: the e-mail ("Cost anomaly detected" for a
subscription, daily cost, expected, impact, top contributors) and its relays."""

from __future__ import annotations

from bot.routing.sources.base import AlertSource, json_string, pattern

SOURCE = AlertSource(
    id="azure-anomaly",
    name="Azure cost anomaly",
    markers=(
        "Azure Cost Management",
        "detected* for subscription",
        "detected for subscription",
        "Anomaly detected:",
        "Azure anomaly",
    ),
    identifiers=(
        pattern("subscription_name", r"\bfor subscription\W{0,2}(?P<v>[\w.-]{2,64})"),
        pattern("subscription_name", r"\bAnomaly detected:\s*(?P<v>[\w.-]{2,64})"),
        json_string("subscription_name", "subscriptionName"),
        json_string("alert_id", "alertId"),
        pattern("service", r"\bTop contributor:\s*(?P<v>[^,.\n]{2,60})"),
    ),
    kind="impact",
)

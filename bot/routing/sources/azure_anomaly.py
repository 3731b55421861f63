"""Azure Cost Management anomaly alerts: the e-mail ("Cost anomaly detected" for a
subscription, daily cost, expected, impact, top contributors), its relays, and the
JSON of an anomaly alert (Azure Monitor common alert schema, ``alertContext.AlertData``):
the day's cost in ``DailyCost``, the expected cost or range beside it, an impact
where the relay states one."""

from __future__ import annotations

from bot.routing.sources.base import BASELINE, HEADLINE, NEUTRAL, AlertSource, json_string, keys, pattern

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
    # The impact is the headline where stated; else the day's cost, never the expectation.
    json_keys=keys(
        ("CostImpact", HEADLINE, "impact"),
        ("DailyCost", NEUTRAL, "actual"),
        ("ActualCost", NEUTRAL, "actual"),
        ("ExpectedCost", BASELINE, None),
        ("ExpectedCostLowerBound", BASELINE, None),
        ("ExpectedCostUpperBound", BASELINE, None),
    ),
    kind="impact",
)

"""Vantage cost anomaly and budget alerts: "Cost anomaly detected in Cost Report
*<report>*", "Service: …", "Actual $x vs expected $y (+$z)", links to
``console.vantage.sh/reports/rpt_…``."""

from __future__ import annotations

from bot.routing.sources.base import AlertSource, pattern

SOURCE = AlertSource(
    id="vantage",
    name="Vantage",
    markers=("Vantage", "vantage.sh"),
    identifiers=(
        pattern("name", r"\bCost Report\W{0,3}(?P<v>[^*\n|]{2,80})"),
        pattern("alert_id", r"\b(?P<v>rpt_\w+)"),
        pattern("service", r"\bService:\s*(?P<v>[^|\n]{2,60}?)\s*(?:\||\n|$)"),
    ),
    kind="impact",
)

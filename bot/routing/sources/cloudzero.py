"""CloudZero anomaly and budget alerts: "CloudZero anomaly detected on View
*<view>*: hourly spend on <service> is up, impact +$x"."""

from __future__ import annotations

from bot.routing.sources.base import AlertSource, pattern

SOURCE = AlertSource(
    id="cloudzero",
    name="CloudZero",
    markers=("CloudZero", "cloudzero"),
    identifiers=(
        pattern("name", r"\bView\W{0,3}(?P<v>[^*:\n]{2,80}?)\W{0,3}:"),
        pattern("service", r"\bspend on (?P<v>[A-Z][\w ]{2,60}?) is (?:up|down)"),
    ),
    kind="impact",
)

"""Kubecost alerts (budget, spend change, efficiency, recurring update,
diagnostic): "cluster `prod-us`", "namespace `reporting`", and spend-change rows
"• `search-indexer` (cluster prod-eu)" under "Aggregation: namespace"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.routing.sources.base import AlertSource, Identifier, pattern

_ROW = re.compile(r"[•*-]\s*`(?P<name>[\w.-]{1,63})`\s*\(cluster (?P<cluster>[\w.-]{1,63})\)")
_AGGREGATION = re.compile(r"Aggregation:\s*(?P<by>namespace|cluster|controller|deployment|label)", re.IGNORECASE)


def _rows(text: str) -> Iterator[Identifier]:
    aggregation = _AGGREGATION.search(text)
    by = aggregation.group("by").lower() if aggregation else "namespace"
    for row in _ROW.finditer(text):
        yield Identifier("cluster", row.group("cluster"))
        if by == "namespace":
            yield Identifier("namespace", f"{row.group('cluster')}/{row.group('name')}")


SOURCE = AlertSource(
    id="kubecost",
    name="Kubecost",
    markers=("Kubecost", "kubecost", "cost-analyzer"),
    identifiers=(
        pattern("name", r"\bKubecost (?P<v>[A-Z][\w ]{2,30}?) (?:alert|update)"),
        pattern("cluster", r"\bcluster cost for (?P<v>[\w.-]{2,63})"),
    ),
    extractors=(_rows,),
    kind="actual",
)

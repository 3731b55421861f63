"""Any message, alert or not: the labels people write next to figures and the
identifiers every cloud spells the same way (AWS account ids, GCP
``projects/…``, Azure ``/subscriptions/…/resourceGroups/…``, Kubernetes
cluster and namespace)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.routing.sources.base import BASELINE, HEADLINE, NEUTRAL, AlertSource, Identifier, Label, pattern

_I = re.IGNORECASE
_QUOTED = r"(?P<q>[`'\"*_])?"
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# A 12-digit AWS account id (also written 1111-2222-3333), not inside a longer number.
# The look-behind comes after the first digit (checking the character before
# it), so the scan skips to digits instead of trying every character.
_ACCOUNT = re.compile(r"(\d(?<![\w/-]\d)(?:\d{11}|\d{3}-\d{4}-\d{4}))(?![\w-])")
_PROJECT_BEFORE = re.compile(r"projects?(?:/|\s+(?:number|no\.?|#)\s*:?\s*)$", _I)


def _accounts(text: str) -> Iterator[Identifier]:
    for match in _ACCOUNT.finditer(text):
        # "projects/123456789012", "project number 123456789012": a GCP project number.
        if _PROJECT_BEFORE.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        yield Identifier("account", match.group(1).replace("-", ""))


SOURCE = AlertSource(
    id="text",
    name="Any message",
    markers=(),
    identifiers=(
        pattern("project", r"\bprojects/(?P<v>[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{6,20})\b"),
        pattern(
            "project",
            r"\bproject(?:[ _]?(?:id|number))?[\s:=#]{0,3}"
            + _QUOTED
            + r"(?P<v>[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{6,20})\b",
            loose=True,
            flags=_I,
        ),
        pattern("subscription", rf"\bsubscriptions/(?P<v>{_GUID})", flags=_I),
        pattern("subscription", rf"\bsubscription(?:[ _]?id)?\W{{0,3}}(?P<v>{_GUID})", flags=_I),
        pattern("resource_group", r"\bresourceGroups/(?P<v>[\w.()-]{1,90})", flags=_I),
        pattern(
            "resource_group",
            r"\bresource[ _]?group[\s:=#]{0,3}" + _QUOTED + r"(?P<v>[\w.()-]{1,90})",
            loose=True,
            flags=_I,
        ),
        pattern("resource_group", r"(?<![\w-])(?P<v>rg-[\w.-]{1,87})"),
        pattern(
            "cluster",
            r"\bcluster(?:[ _]?name)?[\s:=#]{0,3}" + _QUOTED + r"(?P<v>[a-z0-9][a-z0-9._-]{0,62})",
            loose=True,
            flags=_I,
        ),
        pattern(
            "namespace", r"\bnamespace[\s:=#]{0,3}" + _QUOTED + r"(?P<v>[a-z0-9][a-z0-9-]{0,62})", loose=True, flags=_I
        ),
    ),
    extractors=(_accounts,),
    # Left-context labels, checked nearest first. Order inside a rank does not matter.
    labels=(
        Label("total impact", HEADLINE, "impact"),
        Label("impact", HEADLINE, "impact"),
        Label("actual amount", HEADLINE, "actual"),
        Label("actual cost", HEADLINE, "actual"),
        Label("actual spend", HEADLINE, "actual"),
        Label("current spend", HEADLINE, "actual"),
        Label("spend to date", HEADLINE, "actual"),
        Label("spent", HEADLINE, "actual"),
        Label("is now", HEADLINE, "actual"),
        Label("forecasted total", HEADLINE, "forecast"),
        Label("forecast", HEADLINE, "forecast"),
        Label("to reach", HEADLINE, "forecast"),
        Label("estimated savings", HEADLINE, "savings"),
        Label("monthly savings", HEADLINE, "savings"),
        Label("annual savings", HEADLINE, "savings"),
        Label("potential savings", HEADLINE, "savings"),
        Label("savings:", HEADLINE, "savings"),
        Label("savings of", HEADLINE, "savings"),
        Label("save ", HEADLINE, "savings"),
        Label("saves ", HEADLINE, "savings"),
        Label("increase by", HEADLINE, "change"),
        Label("increased by", HEADLINE, "change"),
        Label("decrease by", HEADLINE, "change"),
        Label("decreased by", HEADLINE, "change"),
        Label("cost change", HEADLINE, "change"),
        Label("total change", HEADLINE, "change"),
        Label("monthly cost will", HEADLINE, "change"),
        # Tables and key: value lines ("| Total | $4,510 |", "Actual: $12,345").
        Label("total", HEADLINE, "actual"),
        Label("total due", HEADLINE, "actual"),
        Label("amount due", HEADLINE, "actual"),
        Label("balance due", HEADLINE, "actual"),
        Label("invoice total", HEADLINE, "actual"),
        Label("actual:", HEADLINE, "actual"),
        Label("idle cost", HEADLINE, "actual"),
        Label("wasted", HEADLINE, "actual"),
        # In the other languages routed, where a message states a figure and its baseline.
        Label("impacto", HEADLINE, "impact"),
        Label("aktuell", HEADLINE, "actual"),
        Label("actuel", HEADLINE, "actual"),
        Label("gasto actual", HEADLINE, "actual"),
        Label("atual", HEADLINE, "actual"),
        Label("budgetbetrag", BASELINE),
        Label("montant du budget", BASELINE),
        Label("du montant de", BASELINE),
        Label("importe del presupuesto", BASELINE),
        Label("valor do orçamento", BASELINE),
        Label("threshold", BASELINE),
        Label("greater than", BASELINE),
        Label("exceeds", BASELINE),
        Label("exceed", BASELINE),
        Label("budgeted amount", BASELINE),
        Label("budget amount", BASELINE),
        Label("budgeted", BASELINE),
        Label("expected", BASELINE),
        Label("baseline", BASELINE),
        Label(" vs", BASELINE),
        Label("versus", BASELINE),
        Label("compared to", BASELINE),
        Label("from", BASELINE),
        Label("contribution", BASELINE),
        Label("limit", BASELINE),
        Label("last week", BASELINE),
        Label(" to ", NEUTRAL),
        Label("last month", BASELINE),
        Label("previous", BASELINE),
        Label("plan of", BASELINE),
        Label("budget:", BASELINE),
        Label("budget of", BASELINE),
        Label("total budget", BASELINE),
        Label("above", BASELINE),
        Label("below", BASELINE),
        Label("more than", BASELINE),
        Label("credit", BASELINE),
        Label("credits", BASELINE),
        Label("esperado", BASELINE),
        Label("attendu", BASELINE),
        Label("erwartet", BASELINE),
    ),
    right_labels=(
        Label("spent", HEADLINE, "actual"),
        Label("in spend", HEADLINE, "actual"),
        Label("so far", HEADLINE, "actual"),
        Label("budget", BASELINE),
        Label("budgeted", BASELINE),
        Label("threshold", BASELINE),
        Label("limit", BASELINE),
        Label("plan", BASELINE),
        Label("expected", BASELINE),
        Label("baseline", BASELINE),
        Label("credit", BASELINE),
        Label("presupuesto", BASELINE),
        Label("orçamento", BASELINE),
        Label("esperado", BASELINE),
        Label("prévu", BASELINE),
    ),
)

"""Azure Monitor Action Groups: the common alert schema, for budget and cost anomaly alerts.

Authenticated by a secret ``token`` query parameter or HTTP basic auth (Action
Group webhooks accept ``https://user:password@host/...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.receivers.common import Alert, Rejected, as_mapping, basic_credentials, json_object, parse_money, same_secret

COMMON_SCHEMA = "azureMonitorCommonAlertSchema"


@dataclass(frozen=True)
class AzureAuth:
    url_token: str  # "" when not configured
    basic: str  # "user:password"; "" when not configured


def authenticate(headers: Mapping[str, str], query: Mapping[str, str], auth: AzureAuth) -> None:
    if auth.url_token and same_secret(query.get("token"), auth.url_token):
        return
    if auth.basic and same_secret(basic_credentials(headers.get("authorization")), auth.basic):
        return
    raise Rejected(401, "unauthenticated", "no valid URL token or basic credentials")


def receive(body: bytes) -> Alert:
    payload = json_object(body, "alert")
    if payload.get("schemaId") != COMMON_SCHEMA:
        raise Rejected(400, "malformed_envelope", f"schemaId is not {COMMON_SCHEMA} (enable the common alert schema)")
    data = as_mapping(payload.get("data"))
    essentials = as_mapping(data.get("essentials"))
    if not isinstance(essentials.get("alertId"), str):
        raise Rejected(400, "malformed_envelope", "data.essentials.alertId is missing")
    context = as_mapping(data.get("alertContext"))
    details = as_mapping(context.get("AlertData"))
    category = str(context.get("AlertCategory") or "").lower()
    condition = str(essentials.get("monitorCondition") or "Fired")
    delivery_id = f"{essentials['alertId']}:{condition}:{essentials.get('firedDateTime') or ''}"
    alert = _alert(essentials, details, category, condition, delivery_id)
    # Azure sends "Resolved" for an alert whose condition cleared, under the alert's own id.
    return replace(alert, resolved=True) if condition.casefold() == "resolved" else alert


def _alert(
    essentials: Mapping[str, Any], details: Mapping[str, Any], category: str, condition: str, delivery_id: str
) -> Alert:
    if category == "budgets" or "BudgetName" in details:
        return _budget(essentials, details, delivery_id)
    if "anomal" in category or "anomal" in str(essentials.get("alertRule") or "").lower():
        return _anomaly(essentials, details, delivery_id)
    return Alert(
        receiver="azure",
        source="azure-monitor",
        kind="notification",
        delivery_id=delivery_id,
        alert_key=str(essentials.get("originAlertId") or essentials["alertId"]),
        title=f"Azure alert {essentials.get('alertRule') or ''} {condition.lower()}".strip(),
        text=str(essentials.get("description") or ""),
        scope=_scope(essentials.get("alertTargetIDs")),
    )


def _scope(value: Any) -> dict[str, str]:
    """Subscription and resource group out of ARM ids ("/subscriptions/<id>/resourceGroups/<rg>/...")."""
    ids = value if isinstance(value, list) else [value]
    scope: dict[str, str] = {}
    for arm_id in ids:
        if not isinstance(arm_id, str):
            continue
        parts = [p for p in arm_id.split("/") if p]
        lowered = [p.lower() for p in parts]
        for key, name in (("subscriptions", "subscription"), ("resourcegroups", "resource_group")):
            if key in lowered and lowered.index(key) + 1 < len(parts):
                scope.setdefault(name, parts[lowered.index(key) + 1])
    return scope


def _budget(essentials: Mapping[str, Any], details: Mapping[str, Any], delivery_id: str) -> Alert:
    name = str(details.get("BudgetName") or essentials.get("alertRule") or "budget")
    currency = str(details.get("Unit") or "USD")
    spent = parse_money(details.get("SpentAmount"), currency)
    threshold = details.get("NotificationThresholdAmount") or ""
    basis = str(details.get("ThresholdType") or "Actual").lower()
    return Alert(
        receiver="azure",
        source="azure-budget",
        kind="budget",
        delivery_id=delivery_id,
        alert_key=f"{details.get('BudgetId') or name}:{details.get('BudgetStartDate') or ''}:{basis}:{threshold}",
        title=f"Azure budget {name} passed its {basis} alert threshold",
        text=_budget_text(name, basis, details, currency),
        amount=spent,
        currency=currency,
        scope={**_scope(details.get("Scope") or essentials.get("alertTargetIDs")), "budget": name},
    )


def _budget_text(name: str, basis: str, details: Mapping[str, Any], currency: str) -> str:
    """The budget's line, e.g. "Azure budget rg-ml: actual spend $12,480.33 of $15,000.00 (alert at
    $10,000.00).": each figure as the alert states it, a bare number with its currency, and a figure
    the alert leaves out left out."""
    spent = _figure(details.get("SpentAmount"), currency) or "?"
    budget = _figure(details.get("BudgetThreshold"), currency)
    threshold = _figure(details.get("NotificationThresholdAmount"), currency)
    text = f"Azure budget {name}: {basis} spend {spent}"
    if budget:
        text += f" of {budget}"
    if threshold:
        text += f" (alert at {threshold})"
    return text + "."


def _figure(value: Any, currency: str) -> str:
    """A budget figure to show: "$1,250.00" as stated; a bare number 12480.33 as "$12,480.33" or
    "9,512.40 EUR"; nothing for a missing or empty one."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        figure = f"{value:,.2f}"
        return f"${figure}" if currency.upper() == "USD" else f"{figure} {currency.upper()}"
    return " ".join(str(value).split())


_ANOMALY_FIGURES = ("Impact", "CostImpact", "SpentAmount", "DailyCost", "ActualCost")


def _anomaly(essentials: Mapping[str, Any], details: Mapping[str, Any], delivery_id: str) -> Alert:
    currency = str(details.get("Unit") or details.get("Currency") or "USD")
    # The impact where the alert states one, else the day's cost (``DailyCost``), as the router reads it.
    figure = next((details[key] for key in _ANOMALY_FIGURES if details.get(key)), None)
    amount = parse_money(figure, currency)
    return Alert(
        receiver="azure",
        source="azure-cost-anomaly",
        kind="cost-anomaly",
        delivery_id=delivery_id,
        alert_key=str(essentials.get("originAlertId") or essentials["alertId"]),
        title=f"Azure cost anomaly: {essentials.get('alertRule') or 'cost anomaly'}",
        text=str(essentials.get("description") or "Azure Cost Management detected a cost anomaly."),
        amount=amount,
        currency=currency,
        scope=_scope(details.get("Scope") or essentials.get("alertTargetIDs")),
    )

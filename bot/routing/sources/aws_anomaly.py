"""AWS Cost Anomaly Detection: AWS Chatbot posts, the SNS JSON and the EventBridge event.

SNS/EventBridge carry ``anomalyId``, ``accountId``/``account``,
``dimensionValue`` (SNS: ``dimensionalValue``), ``rootCauses[].linkedAccount``
(with ``impact.contribution``), ``service``, ``monitorArn``/``resources`` and
``impact.{totalImpact,maxImpact,totalActualSpend,totalExpectedSpend}``;
Chatbot shows "Account: …", "Total impact", "Expected spend" and a root cause.

``accountId``, EventBridge's ``account`` and the monitor ARN's account are the
account the monitor lives in, which in an AWS Organization is the management
(payer) account for every member's anomaly; the root causes' linked accounts
are where the spend happened. So the linked accounts, largest impact first, are
read as accounts and the monitor's as a ``payer_account``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from bot.routing.sources.base import (
    BASELINE,
    HEADLINE,
    NEUTRAL,
    AlertSource,
    Identifier,
    json_string,
    keys,
    pattern,
)

_LINKED = re.compile(r'"linkedAccount"\s*:\s*"(\d{12})"')


def _root_cause_accounts(text: str) -> Iterator[Identifier]:
    """Linked accounts by the impact AWS attributes to each root cause; in text order when not JSON."""
    if '"linkedAccount"' not in text:
        return
    causes = _root_causes(text)
    ordered = [account for account, _ in causes] if causes else _LINKED.findall(text)
    for account in ordered:
        yield Identifier("account", account)


def _root_causes(text: str) -> list[tuple[str, float]]:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return []
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    detail = data.get("detail")
    causes = (detail if isinstance(detail, dict) else data).get("rootCauses")
    found: list[tuple[str, float]] = []
    for cause in causes if isinstance(causes, list) else ():
        account = cause.get("linkedAccount") if isinstance(cause, dict) else None
        if isinstance(account, str) and account:
            found.append((account, _contribution(cause)))
    # Stable: equal (or unstated) impacts keep AWS's order.
    return sorted(found, key=lambda item: -item[1])


def _contribution(cause: Mapping[str, Any]) -> float:
    impact = cause.get("impact")
    value = impact.get("contribution") if isinstance(impact, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


SOURCE = AlertSource(
    id="aws-anomaly",
    name="AWS Cost Anomaly Detection",
    markers=(
        "Cost Anomaly",
        "anomaly detected in Amazon",
        "anomaly detected in AWS",
        "Anomaly Detected",
        "aws.ce",
        "anomalyId",
        "anomaly-detection",
        "Anomaly Cost",
    ),
    identifiers=(
        json_string("alert_id", "anomalyId"),
        json_string("payer_account", "accountId", "account"),
        pattern("payer_account", r"\barn:aws[\w-]*:ce::(?P<v>\d{12}):anomalymonitor/"),
        json_string("account_name", "linkedAccountName", "accountName"),
        json_string("service", "dimensionValue", "dimensionalValue", "service"),
        json_string("name", "monitorName"),
        pattern("service", r"\bService:\s*(?P<v>(?:Amazon|AWS)[^\n|•,]{2,60})"),
        pattern("alert_id", r"\banomal(?:y|ies)[ _/]?id\W{0,4}(?P<v>[0-9a-f-]{8,})", flags=re.IGNORECASE),
    ),
    extractors=(_root_cause_accounts,),
    json_keys=keys(
        ("totalImpact", HEADLINE, "impact"),
        ("totalActualSpend", NEUTRAL, "actual"),
        ("maxImpact", BASELINE, None),
        ("totalExpectedSpend", BASELINE, None),
        ("contribution", BASELINE, None),
    ),
    kind="impact",
)

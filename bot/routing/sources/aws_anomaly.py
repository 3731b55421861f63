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

import re
from collections.abc import Iterator

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

# One root cause: a flat object, or one holding its ``impact`` object. Read by regex rather
# than json.loads because the text may be a Slack copy with its URLs taken out.
_MEMBER = r"(?:[^{}]|\{[^{}]*\})"  # a character, or a nested object such as the cause's impact
_CAUSE = re.compile(r"\{" + _MEMBER + r'*?"linkedAccount"\s*:\s*"(\d{12})"' + _MEMBER + r"*\}")
_CONTRIBUTION = re.compile(r'"contribution"\s*:\s*(-?\d+(?:\.\d+)?)')


def _root_cause_accounts(text: str) -> Iterator[Identifier]:
    """Linked accounts, the largest impact AWS attributes to a root cause first, else in AWS's order."""
    if '"linkedAccount"' not in text:
        return
    causes: list[tuple[float, int, str]] = []
    for position, cause in enumerate(_CAUSE.finditer(text)):
        contribution = _CONTRIBUTION.search(cause.group(0))
        causes.append((-float(contribution.group(1)) if contribution else 0.0, position, cause.group(1)))
    for _, _, account in sorted(causes):
        yield Identifier("account", account)


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
        # "Service: Amazon EC2" in the console's layout, "service Amazon EC2" as relays word it: two
        # anomalies of one account in different services are different alerts, not repeats.
        pattern("service", r"\b[Ss]ervice:?\s+(?P<v>(?:Amazon|AWS)[^\n|•,]{2,60})"),
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

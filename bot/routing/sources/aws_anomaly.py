"""AWS Cost Anomaly Detection: AWS Chatbot posts, the SNS JSON and the EventBridge event.

SNS/EventBridge carry ``anomalyId``, ``accountId``/``account``,
``dimensionValue`` (SNS: ``dimensionalValue``), ``rootCauses[].linkedAccount``,
``service`` and ``impact.{totalImpact,maxImpact,totalActualSpend,totalExpectedSpend}``;
Chatbot shows "Account: …", "Total impact", "Expected spend" and a root cause.
"""

from __future__ import annotations

import re

from bot.routing.sources.base import BASELINE, HEADLINE, NEUTRAL, AlertSource, json_string, keys, pattern

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
        json_string("account", "accountId", "account", "linkedAccount"),
        json_string("account_name", "accountName", "linkedAccountName"),
        json_string("service", "dimensionValue", "dimensionalValue", "service"),
        json_string("name", "monitorName"),
        pattern("service", r"\bService:\s*(?P<v>(?:Amazon|AWS)[^\n|•,]{2,60})"),
        pattern("alert_id", r"\banomal(?:y|ies)[ _/]?id\W{0,4}(?P<v>[0-9a-f-]{8,})", flags=re.IGNORECASE),
    ),
    json_keys=keys(
        ("totalImpact", HEADLINE, "impact"),
        ("totalActualSpend", NEUTRAL, "actual"),
        ("maxImpact", BASELINE, None),
        ("totalExpectedSpend", BASELINE, None),
        ("contribution", BASELINE, None),
    ),
    kind="impact",
)

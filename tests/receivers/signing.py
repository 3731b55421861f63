"""Real keys and signatures for receiver tests: an SNS signing certificate, Google-style OIDC tokens, HMAC."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from bot.receivers.sns import string_to_sign

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:finops-cost-alerts"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(
    key: rsa.RSAPrivateKey,
    common_name: str,
    *,
    issuer_key: rsa.RSAPrivateKey | None = None,
    issuer: x509.Certificate | None = None,
    ca: bool = False,
    hosts: tuple[str, ...] = (),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer is not None else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2035, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if hosts:
        import ipaddress

        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class SnsSigner:
    """Signs SNS messages as AWS does, with a local key whose certificate is served at ``cert_url``."""

    key: rsa.RSAPrivateKey
    cert_url: str

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        message = dict(message, SignatureVersion=version, SigningCertURL=self.cert_url)
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.key.sign(string_to_sign(message).encode(), padding.PKCS1v15(), algorithm)
        message["Signature"] = base64.b64encode(signature).decode()
        return message


def sns_notification(message: str, subject: str | None = None, message_id: str = "m-1", **extra: Any) -> dict:
    data = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": TOPIC_ARN,
        "Message": message,
        "Timestamp": "2026-12-01T08:59:58.123Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
        **extra,
    }
    if subject is not None:
        data["Subject"] = subject
    return data


def sns_confirmation(subscribe_url: str, kind: str = "SubscriptionConfirmation") -> dict:
    return {
        "Type": kind,
        "MessageId": "c-1",
        "Token": "2336412f37fb687f5d51e6e2425c464de12884",
        "TopicArn": TOPIC_ARN,
        "Message": f"You have chosen to subscribe to the topic {TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": subscribe_url,
        "Timestamp": "2026-12-01T08:59:58.123Z",
    }


COST_ANOMALY = {
    "accountId": "123456789012",
    "anomalyDetailsLink": "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/abcdef12-1234-4ea0-84cc-918a97d736ef/anomalies/12345678-abcd-ef12-3456-987654321a12",
    "anomalyEndDate": "2026-11-30T00:00:00Z",
    "anomalyId": "12345678-abcd-ef12-3456-987654321a12",
    "anomalyScore": {"currentScore": 0.47, "maxScore": 0.47},
    "anomalyStartDate": "2026-11-29T00:00:00Z",
    "dimensionalValue": "ServiceName",
    "impact": {
        "maxImpact": 151,
        "totalActualSpend": 1301,
        "totalExpectedSpend": 1150,
        "totalImpact": 151,
        "totalImpactPercentage": 13.13,
    },
    "monitorArn": "arn:aws:ce::123456789012:anomalymonitor/abcdef12-1234-4ea0-84cc-918a97d736ef",
    "monitorName": "services",
    "rootCauses": [
        {
            "linkedAccount": "123456789012",
            "linkedAccountName": "payments-prod",
            "region": "us-east-1",
            "service": "Amazon Elastic Compute Cloud - Compute",
            "usageType": "BoxUsage:m5.4xlarge",
        }
    ],
    "subscriptionId": "123456-abcd-ef12-3456-987654321a12",
    "subscriptionName": "finops-immediate",
}

# A CloudWatch billing alarm's state change as SNS delivers it (the fields AWS documents for alarm actions).
BILLING_ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:billing-over-1000"


def billing_alarm(state: str = "ALARM", reason: str | None = None) -> dict:
    return {
        "AlarmName": "billing-over-1000",
        "AlarmDescription": "Estimated charges for the month are over $1,000",
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": "2026-11-02T10:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": reason
        or "Threshold Crossed: 1 out of the last 1 datapoints [1043.27 (01/12/26 06:00:00)] was greater than the "
        "threshold (1000.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": "2026-12-01T06:05:12.345+0000",
        "Region": "US East (N. Virginia)",
        "AlarmArn": BILLING_ALARM_ARN,
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "OKActions": [],
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:finops-cost-alerts"],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "EstimatedCharges",
            "Namespace": "AWS/Billing",
            "StatisticType": "Statistic",
            "Statistic": "MAXIMUM",
            "Unit": None,
            "Dimensions": [{"value": "USD", "name": "Currency"}],
            "Period": 21600,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 1000.0,
            "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }


BUDGET_SUBJECT = "AWS Budgets: team-payments-monthly has exceeded your alert threshold"
BUDGET_MESSAGE = """AWS Budget Notification December 01, 2026
AWS Account 123456789012

Dear AWS Customer,

You requested that we alert you when the ACTUAL Cost associated with your team-payments-monthly budget is greater than 80.00% ($8,000.00) of $10,000.00 for the current month. The ACTUAL Cost associated with this budget is $8,523.19. You can find additional details below and by accessing the AWS Budgets dashboard [1].

Budget Name: team-payments-monthly
Budget Type: Cost
Budgeted Amount: $10,000.00
Alert Type: ACTUAL
Alert Threshold: > $8,000.00
ACTUAL Amount: $8,523.19

[1] https://console.aws.amazon.com/billing/home#/budgets
"""


# ---------------------------------------------------------------- Google OIDC


@dataclass
class GoogleIssuer:
    key: rsa.RSAPrivateKey
    kid: str = "test-key-1"

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [dict(public, kid=self.kid, alg="RS256", use="sig")]}

    def token(self, audience: str, email: str, *, issued: float | None = None, **claims: Any) -> str:
        issued = time.time() if issued is None else issued
        payload = {
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": "1234567890",
            "email": email,
            "email_verified": True,
            "sub": "1234567890",
            "iat": int(issued),
            "exp": int(issued) + 3600,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})


def budget_data(threshold: float | None = 0.9, cost: float = 9012.5, **extra: Any) -> dict:
    data = {
        "budgetDisplayName": "data-platform-monthly",
        "costAmount": cost,
        "costIntervalStart": "2026-12-01T08:00:00Z",
        "budgetAmount": 10000.0,
        "budgetAmountType": "SPECIFIED_AMOUNT",
        "currencyCode": "USD",
        **extra,
    }
    if threshold is not None:
        data["alertThresholdExceeded"] = threshold
    return data


def push_envelope(data: Mapping[str, Any] | bytes, message_id: str = "2070443601311540") -> dict:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return {
        "message": {
            "attributes": {
                "billingAccountId": "01D4EE-079462-DFD6EC",
                "budgetId": "de72f49d-779b-4945-a127-4d6ce8def0bb",
                "schemaVersion": "1.0",
            },
            "data": base64.b64encode(raw).decode(),
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": "2026-12-01T08:59:58.123Z",
            "publish_time": "2026-12-01T08:59:58.123Z",
        },
        "subscription": "projects/finops-prod/subscriptions/finops-bot-push",
    }


# ---------------------------------------------------------------- Azure common alert schema


def azure_budget_alert(spent: str = "$1,067.13", alert_id: str = "b9569717-bc32-442f-add5-83a997729330") -> dict:
    subscription = "11111111-2222-3333-4444-555555555555"
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/{subscription}/providers/Microsoft.AlertsManagement/alerts/{alert_id}",
                "alertRule": "BudgetAlert-analytics-monthly",
                "severity": "Sev4",
                "signalType": "Log",
                "monitorCondition": "Fired",
                "monitoringService": "CostAlerts",
                "alertTargetIDs": [f"/subscriptions/{subscription}"],
                "configurationItems": [],
                "originAlertId": f"{subscription}_analytics-monthly",
                "firedDateTime": "2026-12-01T08:59:58.3713213Z",
                "description": "Your spend for budget analytics-monthly is now $1,067.13 exceeding your specified threshold $1,000.00.",
                "essentialsVersion": "1.0",
                "alertContextVersion": "1.0",
            },
            "alertContext": {
                "AlertCategory": "budgets",
                "AlertData": {
                    "Scope": f"/subscriptions/{subscription}/",
                    "ThresholdType": "Actual",
                    "BudgetType": "Cost",
                    "BudgetThreshold": "$1,250.00",
                    "NotificationThresholdAmount": "$1,000.00",
                    "BudgetName": "analytics-monthly",
                    "BudgetId": f"/subscriptions/{subscription}/providers/Microsoft.Consumption/budgets/analytics-monthly",
                    "BudgetStartDate": "2026-12-01",
                    "BudgetCreator": "finops@example.com",
                    "Unit": "USD",
                    "SpentAmount": spent,
                },
            },
        },
    }


KUBECOST_ALERT = {
    "id": "kc-efficiency-7d-payments",
    "type": "budget",
    "window": "7d",
    "aggregation": "namespace",
    "message": "Namespace payments spent $1,840.22 over the last 7 days, above its $1,500 budget",
    "totalCost": 1840.22,
    "labels": {"namespace": "payments", "cluster": "prod-eu-1", "account": "123456789012"},
}

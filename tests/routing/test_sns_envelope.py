"""A pasted AWS SNS notification envelope: its Message string read as the alert it carries."""

from __future__ import annotations

import json

import pytest

from bot.routing.slack_text import clean_mrkdwn, message_text
from bot.routing.sources import read_alert
from bot.routing.sources.sns_envelope import unwrap_notification

# AWS Cost Anomaly Detection's SNS message (the documented fields), as SNS wraps it for an
# HTTP(S) or e-mail-JSON subscriber (the documented envelope).
ANOMALY = {
    "accountId": "123456789012",
    "anomalyDetailsLink": "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/"
    "abcdef12-1234-4ea0-84cc-918a97d736ef/anomalies/12345678-abcd-ef12-3456-987654321a12",
    "anomalyEndDate": "2026-11-30T00:00:00Z",
    "anomalyId": "12345678-abcd-ef12-3456-987654321a12",
    "anomalyScore": {"currentScore": 0.47, "maxScore": 0.47},
    "anomalyStartDate": "2026-11-28T00:00:00Z",
    "dimensionalValue": "Amazon Elastic Compute Cloud - Compute",
    "impact": {
        "maxImpact": 2100,
        "totalActualSpend": 9400,
        "totalExpectedSpend": 5000,
        "totalImpact": 4400,
        "totalImpactPercentage": 88,
    },
    "monitorArn": "arn:aws:ce::123456789012:anomalymonitor/abcdef12-1234-4ea0-84cc-918a97d736ef",
    "monitorName": "services-monitor",
    "rootCauses": [
        {
            "linkedAccount": "210987654321",
            "linkedAccountName": "prod",
            "region": "us-east-1",
            "service": "Amazon Elastic Compute Cloud - Compute",
            "usageType": "BoxUsage:m5.4xlarge",
            "impact": {"contribution": 4400},
        }
    ],
    "subscriptionId": "9876abcd-ef12-3456-abcd-1234567890ab",
    "subscriptionName": "cost-anomaly-immediate",
}
ENVELOPE = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:cost-anomaly-alerts",
    "Message": json.dumps(ANOMALY),
    "Timestamp": "2026-11-30T09:12:06.655Z",
    "SignatureVersion": "1",
    "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2e==",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7.pem",
    "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
    "arn:aws:sns:us-east-1:123456789012:cost-anomaly-alerts:c9135db0-26c4-47ec-8998-413945fb5a96",
}


@pytest.mark.parametrize("indent", [None, 2])
def test_pasted_anomaly_envelope_reads_the_impact(router, indent):
    text = json.dumps(ENVELOPE, indent=indent)
    for decision in (router.route_text(text), router.route({"text": "seeing this again:\n" + text})):
        assert decision.topics == ("cost-anomalies",)
        assert decision.amount is not None and decision.amount.stated() == "$4,400"


def test_slack_copy_with_linked_urls_is_unwrapped():
    # Slack wraps pasted URLs in <...> and escapes &: the Message string still decodes.
    text = json.dumps(ENVELOPE).replace("https://", "<https://").replace('.pem"', '.pem>"').replace("&", "&amp;")
    cleaned = message_text({"text": text})
    assert '"totalImpact": 4400' in cleaned
    facts = read_alert(cleaned)
    assert "aws-anomaly" in facts.sources
    assert "210987654321" in facts.of("account")


def test_other_text_is_left_alone():
    for text in (
        '{"Message": "not an \\"envelope\\""}',
        'Type: "Notification" with no message',
        "plain words about a Notification",
    ):
        assert unwrap_notification(text) is text
    assert clean_mrkdwn('{"Type": "Notification", "Message": "broken \\u12"}').startswith('{"Type"')

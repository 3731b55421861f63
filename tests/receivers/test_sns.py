"""SNS: the documented string-to-sign, both signature versions, the certificate's origin, cost messages."""

from __future__ import annotations

import json

import pytest

from bot.receivers.common import Rejected
from bot.receivers.sns import CertificateCache, alert_from_notification, receive, string_to_sign, verify
from tests.receivers.signing import (
    BUDGET_MESSAGE,
    BUDGET_SUBJECT,
    COST_ANOMALY,
    NOW,
    TOPIC_ARN,
    SnsSigner,
    billing_alarm,
    certificate,
    new_key,
    pem,
    sns_confirmation,
    sns_notification,
)

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
KEY = new_key()
CERT_PEM = pem(certificate(KEY, "sns.amazonaws.com"))


class FakeFetch:
    """Stands in for HTTPS: serves the certificate at CERT_URL and counts calls."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return CERT_PEM


@pytest.fixture
def fetch() -> FakeFetch:
    return FakeFetch()


@pytest.fixture
def certs(fetch: FakeFetch) -> CertificateCache:
    return CertificateCache(fetch=fetch)


SIGNER = SnsSigner(KEY, CERT_URL)


def test_string_to_sign_of_a_notification_follows_the_documented_order() -> None:
    message = sns_notification("hello", subject="Hi")
    assert string_to_sign(message) == (
        "Message\nhello\nMessageId\nm-1\nSubject\nHi\nTimestamp\n2026-12-01T08:59:58.123Z\n"
        f"TopicArn\n{TOPIC_ARN}\nType\nNotification\n"
    )


def test_a_notification_without_subject_leaves_the_key_out() -> None:
    assert "Subject" not in string_to_sign(sns_notification("hello"))


def test_string_to_sign_of_a_confirmation_includes_token_and_subscribe_url() -> None:
    message = dict(sns_confirmation("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"), Message="m")
    assert string_to_sign(message) == (
        "Message\nm\nMessageId\nc-1\n"
        "SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n"
        "Timestamp\n2026-12-01T08:59:58.123Z\nToken\n2336412f37fb687f5d51e6e2425c464de12884\n"
        f"TopicArn\n{TOPIC_ARN}\nType\nSubscriptionConfirmation\n"
    )


@pytest.mark.parametrize("version", ["1", "2"])
def test_both_signature_versions_verify(version: str, certs: CertificateCache) -> None:
    verify(SIGNER.sign(sns_notification("hello", subject="Hi"), version), certs, NOW)


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_changed_message_fails(version: str, certs: CertificateCache) -> None:
    message = SIGNER.sign(sns_notification("hello"), version)
    message["Message"] = "hello!"
    with pytest.raises(Rejected) as refused:
        verify(message, certs, NOW)
    assert (refused.value.status, refused.value.reason) == (403, "bad_signature")


def test_a_signature_made_with_another_hash_fails(certs: CertificateCache) -> None:
    message = SIGNER.sign(sns_notification("hello"), "1")
    message["SignatureVersion"] = "2"  # SHA1 signature presented as SHA256
    with pytest.raises(Rejected, match="bad_signature"):
        verify(message, certs, NOW)


def test_a_signature_by_another_key_fails(certs: CertificateCache) -> None:
    message = SnsSigner(new_key(), CERT_URL).sign(sns_notification("hello"))
    with pytest.raises(Rejected, match="bad_signature"):
        verify(message, certs, NOW)


def test_unknown_signature_version_is_refused(certs: CertificateCache) -> None:
    message = SIGNER.sign(sns_notification("hello"))
    message["SignatureVersion"] = "3"
    with pytest.raises(Rejected, match="unsupported_signature_version"):
        verify(message, certs, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/cert.pem",
        "https://user@sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com/cert.txt",
        "https://s3.amazonaws.com/cert.pem",
    ],
)
def test_the_certificate_comes_only_from_an_sns_host_over_https(
    url: str, certs: CertificateCache, fetch: FakeFetch
) -> None:
    message = SnsSigner(KEY, url).sign(sns_notification("hello"))
    with pytest.raises(Rejected) as refused:
        verify(message, certs, NOW)
    assert refused.value.reason == "untrusted_certificate_url"
    assert fetch.urls == []  # never even fetched


def test_the_china_partition_host_is_trusted(certs: CertificateCache) -> None:
    assert certs.trusted("https://sns.cn-north-1.amazonaws.com.cn/x.pem")


def test_the_certificate_is_fetched_once_and_cached(certs: CertificateCache, fetch: FakeFetch) -> None:
    for n in range(3):
        verify(SIGNER.sign(sns_notification(f"hello {n}")), certs, NOW)
    assert fetch.urls == [CERT_URL]


def test_an_unreachable_certificate_asks_for_a_retry() -> None:
    def down(url: str) -> bytes:
        raise OSError("connection refused")

    with pytest.raises(Rejected) as refused:
        verify(SIGNER.sign(sns_notification("hello")), CertificateCache(fetch=down), NOW)
    assert (refused.value.status, refused.value.reason) == (502, "certificate_unavailable")


def test_a_certificate_that_is_not_pem_is_refused() -> None:
    with pytest.raises(Rejected, match="bad_certificate"):
        verify(SIGNER.sign(sns_notification("hello")), CertificateCache(fetch=lambda url: b"<html>"), NOW)


def test_unknown_topic_is_refused_before_any_fetch(certs: CertificateCache, fetch: FakeFetch) -> None:
    body = json.dumps(SIGNER.sign(sns_notification("hello"))).encode()
    with pytest.raises(Rejected) as refused:
        receive(body, {}, ["arn:aws:sns:us-east-1:123456789012:other"], certs, NOW)
    assert (refused.value.status, refused.value.reason) == (403, "unknown_topic")
    assert fetch.urls == []


def test_message_type_header_must_agree_with_the_body(certs: CertificateCache) -> None:
    body = json.dumps(SIGNER.sign(sns_notification("hello"))).encode()
    with pytest.raises(Rejected, match="malformed_envelope"):
        receive(body, {"x-amz-sns-message-type": "SubscriptionConfirmation"}, [TOPIC_ARN], certs, NOW)


def test_subscription_confirmation_returns_the_url_to_visit(certs: CertificateCache) -> None:
    url = f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}&Token=2336"
    body = json.dumps(SIGNER.sign(sns_confirmation(url), "2")).encode()
    outcome = receive(body, {"x-amz-sns-message-type": "SubscriptionConfirmation"}, [TOPIC_ARN], certs, NOW)
    assert outcome.confirm_url == url
    assert outcome.alert is None


def test_subscription_confirmation_to_a_foreign_host_is_refused(certs: CertificateCache) -> None:
    body = json.dumps(SIGNER.sign(sns_confirmation("https://evil.example/?Action=ConfirmSubscription"))).encode()
    with pytest.raises(Rejected, match="untrusted_url"):
        receive(body, {}, [TOPIC_ARN], certs, NOW)


def test_cost_anomaly_message_becomes_an_alert() -> None:
    alert = alert_from_notification(sns_notification(json.dumps(COST_ANOMALY)), TOPIC_ARN)
    assert (alert.source, alert.kind, alert.amount, alert.alert_key) == (
        "aws-cost-anomaly",
        "cost-anomaly",
        151.0,
        COST_ANOMALY["anomalyId"],
    )
    assert alert.scope["account"] == "123456789012"
    assert "Amazon Elastic Compute Cloud - Compute" in alert.message()["text"]


def test_budget_message_becomes_an_alert() -> None:
    alert = alert_from_notification(sns_notification(BUDGET_MESSAGE, subject=BUDGET_SUBJECT), TOPIC_ARN)
    assert (alert.source, alert.kind, alert.amount) == ("aws-budgets", "budget", 8523.19)
    assert alert.scope == {"account": "123456789012", "budget": "team-payments-monthly"}
    assert "team-payments-monthly" in alert.text


def test_savings_plans_budget_is_told_apart() -> None:
    message = BUDGET_MESSAGE.replace("Budget Type: Cost", "Budget Type: Savings Plans Utilization")
    alert = alert_from_notification(sns_notification(message, subject=BUDGET_SUBJECT), TOPIC_ARN)
    assert alert.kind == "savings-plans"


def test_two_notifications_of_one_anomaly_share_the_alert_key_not_the_delivery() -> None:
    first = alert_from_notification(sns_notification(json.dumps(COST_ANOMALY), message_id="a"), TOPIC_ARN)
    again = alert_from_notification(sns_notification(json.dumps(COST_ANOMALY), message_id="b"), TOPIC_ARN)
    assert first.fingerprint() == again.fingerprint()
    assert first.delivery_id != again.delivery_id


def test_a_billing_alarm_becomes_an_alert_with_the_months_estimated_charges() -> None:
    alert = alert_from_notification(sns_notification(json.dumps(billing_alarm())), TOPIC_ARN)
    assert (alert.source, alert.kind, alert.amount, alert.currency, alert.resolved) == (
        "aws-cloudwatch",
        "budget",
        1043.27,
        "USD",
        False,
    )
    assert alert.scope == {"account": "123456789012", "region": "us-east-1"}
    assert alert.title == "CloudWatch alarm billing-over-1000: ALARM"
    assert alert.text.startswith("Estimated charges for the month are over $1,000 Threshold Crossed")


def test_the_alarms_ok_notification_resolves_the_same_alert() -> None:
    firing = alert_from_notification(sns_notification(json.dumps(billing_alarm()), message_id="a"), TOPIC_ARN)
    ok = billing_alarm("OK", "Threshold Crossed: 1 datapoint [12.5 (01/01/27 06:00:00)] was not greater than 1000.0.")
    cleared = alert_from_notification(sns_notification(json.dumps(ok), message_id="b"), TOPIC_ARN)
    assert cleared.resolved and not firing.resolved
    assert cleared.fingerprint() == firing.fingerprint()


def test_an_alarm_on_another_metric_states_no_amount() -> None:
    alarm = billing_alarm()
    alarm["Trigger"] = dict(alarm["Trigger"], Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=[])
    alert = alert_from_notification(sns_notification(json.dumps(alarm)), TOPIC_ARN)
    assert (alert.kind, alert.amount, alert.currency) == ("notification", None, None)

"""AWS SNS over HTTPS: signature verification, subscription confirmation, cost messages.

The signature is checked exactly as AWS documents it: the canonical
string-to-sign for the message type, SHA1 (SignatureVersion 1) or SHA256
(SignatureVersion 2) with PKCS#1 v1.5, against the certificate at
``SigningCertURL`` — fetched only over HTTPS from a host matching
``sns.<region>.amazonaws.com`` (the one thing tests may replace) and cached.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import ssl
import threading
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.receivers.common import Alert, Rejected, as_mapping, json_object, parse_money, text_field
from bot.routing.sources.sns_envelope import NOTIFICATION_KEYS, NOTIFICATION_TYPE

DEFAULT_CERT_HOST_PATTERN = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
MAX_CERT_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 5.0

CONFIRMATION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
CONFIRMATION_TYPES = ("SubscriptionConfirmation", "UnsubscribeConfirmation")
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

Fetch = Callable[[str], bytes]


def https_get(url: str) -> bytes:
    """GET over HTTPS with certificate verification; refuses redirects to anything else."""
    if urlsplit(url).scheme != "https":
        raise Rejected(400, "untrusted_url", "only HTTPS URLs are fetched")
    context = ssl.create_default_context()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())
    with opener.open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        return response.read(MAX_CERT_BYTES + 1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def string_to_sign(message: Mapping[str, Any]) -> str:
    kind = message.get("Type")
    keys = CONFIRMATION_KEYS if kind in CONFIRMATION_TYPES else NOTIFICATION_KEYS
    parts = []
    for key in keys:
        if key == "Subject" and message.get(key) is None:
            continue  # a notification without a subject leaves it out entirely
        value = message.get(key)
        if not isinstance(value, str):
            raise Rejected(400, "malformed_envelope", f"SNS {kind}: '{key}' is missing or not a string")
        parts.append(f"{key}\n{value}\n")
    return "".join(parts)


class CertificateCache:
    """Signing certificates by URL. Only HTTPS URLs on a trusted SNS host are fetched."""

    def __init__(self, host_pattern: str = DEFAULT_CERT_HOST_PATTERN, fetch: Fetch = https_get, limit: int = 32):
        self.host_pattern = re.compile(host_pattern)
        self._fetch = fetch
        self._limit = limit
        self._certificates: dict[str, x509.Certificate] = {}
        self._lock = threading.Lock()
        self.fetches = 0

    def trusted(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return False
        return (
            parts.scheme == "https"
            and host is not None
            and parts.username is None
            and parts.password is None
            and self.host_pattern.fullmatch(host) is not None
        )

    def get(self, url: str, now: dt.datetime) -> x509.Certificate:
        if not self.trusted(url) or not urlsplit(url).path.endswith(".pem"):
            raise Rejected(403, "untrusted_certificate_url", "SigningCertURL is not an HTTPS .pem URL on an SNS host")
        with self._lock:
            certificate = self._certificates.get(url)
        if certificate is None:
            try:
                pem = self._fetch(url)
            except Rejected:
                raise
            except Exception as error:
                raise Rejected(
                    502, "certificate_unavailable", f"cannot fetch the signing certificate: {type(error).__name__}"
                ) from None
            if len(pem) > MAX_CERT_BYTES:
                raise Rejected(403, "bad_certificate", "the signing certificate is too large")
            try:
                certificate = x509.load_pem_x509_certificate(pem)
            except ValueError:
                raise Rejected(403, "bad_certificate", "the signing certificate is not a PEM certificate") from None
            with self._lock:
                self.fetches += 1
                if len(self._certificates) >= self._limit:
                    self._certificates.pop(next(iter(self._certificates)))
                self._certificates[url] = certificate
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise Rejected(403, "bad_certificate", "the signing certificate is not valid now")
        return certificate


def verify(message: Mapping[str, Any], certificates: CertificateCache, now: dt.datetime) -> None:
    """Raise ``Rejected`` unless the message carries a valid SNS signature."""
    version = message.get("SignatureVersion")
    algorithm = HASHES.get(version) if isinstance(version, str) else None
    if algorithm is None:
        raise Rejected(400, "unsupported_signature_version", f"SignatureVersion {version!r} is not 1 or 2")
    try:
        signature = base64.b64decode(text_field(message, "Signature", "SNS message"), validate=True)
    except ValueError:
        raise Rejected(403, "bad_signature", "the signature is not base64") from None
    canonical = string_to_sign(message).encode()
    certificate = certificates.get(text_field(message, "SigningCertURL", "SNS message"), now)
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Rejected(403, "bad_certificate", "the signing certificate does not hold an RSA key")
    try:
        key.verify(signature, canonical, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise Rejected(403, "bad_signature", "the SNS signature does not match the message") from None


@dataclass(frozen=True)
class SnsOutcome:
    """What a verified SNS request asks for: an alert to route, or a subscription step."""

    alert: Alert | None = None
    confirm_url: str | None = None
    note: str = ""


def receive(
    body: bytes,
    headers: Mapping[str, str],
    topic_arns: Sequence[str],
    certificates: CertificateCache,
    now: dt.datetime,
) -> SnsOutcome:
    message = json_object(body, "SNS message")
    kind = text_field(message, "Type", "SNS message")
    header_kind = headers.get("x-amz-sns-message-type")
    if header_kind is not None and header_kind != kind:
        raise Rejected(400, "malformed_envelope", "x-amz-sns-message-type does not match the message Type")
    if kind not in (NOTIFICATION_TYPE, *CONFIRMATION_TYPES):
        raise Rejected(400, "malformed_envelope", f"unknown SNS message type {kind!r}")
    topic = text_field(message, "TopicArn", "SNS message")
    if topic not in topic_arns:
        raise Rejected(403, "unknown_topic", "the topic ARN is not listed under receivers.aws_sns.topic_arns")
    verify(message, certificates, now)
    if kind == "SubscriptionConfirmation":
        url = text_field(message, "SubscribeURL", "SNS message")
        if not certificates.trusted(url):
            raise Rejected(403, "untrusted_url", "SubscribeURL is not an HTTPS URL on an SNS host")
        return SnsOutcome(confirm_url=url, note="subscription confirmed")
    if kind == "UnsubscribeConfirmation":
        return SnsOutcome(note="unsubscribed")
    return SnsOutcome(alert=alert_from_notification(message, topic))


def confirm_subscription(url: str, fetch: Fetch = https_get) -> None:
    fetch(url)


# ---------------------------------------------------------------- AWS cost messages

_BUDGET_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z /]+?):\s*(.+?)\s*$", re.M)
_ACCOUNT = re.compile(r"\bAWS Account:?\s*(\d{12})\b")


def alert_from_notification(message: Mapping[str, Any], topic: str) -> Alert:
    body = message["Message"]
    subject = message.get("Subject") or ""
    message_id = message["MessageId"]
    region = _arn_region(topic)
    parsed = _json_or_none(body)
    if isinstance(parsed, dict) and "anomalyId" in parsed:
        return _anomaly(parsed, message_id)
    if isinstance(parsed, dict) and "AlarmName" in parsed and "NewStateValue" in parsed:
        return _alarm(parsed, message_id)
    if subject.startswith("AWS Budgets") or "AWS Budget Notification" in body:
        return _budget(subject, body, message_id)
    return Alert(
        receiver="aws_sns",
        source="aws-sns",
        kind="notification",
        delivery_id=message_id,
        alert_key=f"{topic}:{message_id}",
        title=subject or f"SNS notification on {topic.rsplit(':', 1)[-1]}",
        text=body[:3000],
        scope={"region": region} if region else {},
    )


def _arn_region(arn: str) -> str:
    """The region of an ARN (``arn:aws:sns:us-east-1:123456789012:name``); "" when it is no ARN."""
    return arn.split(":")[3] if arn.count(":") >= 5 else ""


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _anomaly(data: Mapping[str, Any], message_id: str) -> Alert:
    impact = as_mapping(data.get("impact"))
    causes = [c for c in data.get("rootCauses") or [] if isinstance(c, dict)]
    # AWS ranks root causes by impact; sorted again (stably) in case a message does not.
    causes.sort(key=lambda cause: -(parse_money(as_mapping(cause.get("impact")).get("contribution")) or 0.0))
    linked = tuple(dict.fromkeys(str(c["linkedAccount"]) for c in causes if c.get("linkedAccount")))
    services = sorted({str(c["service"]) for c in causes if c.get("service")})
    scope = {"account": str(data.get("accountId") or "")}
    if linked:
        scope["linked_account"] = linked[0]
    if causes and causes[0].get("region"):
        scope["region"] = str(causes[0]["region"])
    if services:
        scope["service"] = ", ".join(services)
    amount = parse_money(impact.get("totalImpact"))
    name = data.get("monitorName") or data.get("subscriptionName") or "cost monitor"
    percent = impact.get("totalImpactPercentage")
    text = f"AWS Cost Anomaly Detection found unexpected spend on {name}"
    if percent is not None:
        text += f" ({percent}% above expected)"
    return Alert(
        receiver="aws_sns",
        source="aws-cost-anomaly",
        kind="cost-anomaly",
        delivery_id=message_id,
        alert_key=str(data["anomalyId"]),
        title=f"AWS cost anomaly: {', '.join(services) or name}",
        text=text + ".",
        amount=amount,
        currency="USD",
        scope={k: v for k, v in scope.items() if v},
        link=str(data.get("anomalyDetailsLink") or "") or None,
        linked_accounts=linked,
    )


# "Threshold Crossed: 1 datapoint [105.23 (01/12/26 06:12:00)] was greater than ...": the latest value first.
_DATAPOINT = re.compile(r"\[\s*(-?\d[\d,]*(?:\.\d+)?)\s*\(")


def _alarm(data: Mapping[str, Any], message_id: str) -> Alert:
    """A CloudWatch alarm's state change; on ``AWS/Billing`` (a billing alarm) the datapoint is the month's
    estimated charges so far, in the currency its ``Currency`` dimension names."""
    trigger = as_mapping(data.get("Trigger"))
    dimensions = {
        str(d.get("name") or d.get("Name")): str(d.get("value") or d.get("Value"))
        for d in trigger.get("Dimensions") or []
        if isinstance(d, dict)
    }
    name = str(data.get("AlarmName") or "alarm")
    state = str(data.get("NewStateValue") or "")
    arn = str(data.get("AlarmArn") or "")
    region = _arn_region(arn)
    account = str(data.get("AWSAccountId") or "")
    billing = trigger.get("Namespace") == "AWS/Billing"
    reason = str(data.get("NewStateReason") or "")
    datapoint = _DATAPOINT.search(reason) if billing else None
    scope = {"account": account, "region": region, "service": dimensions.get("ServiceName", "")}
    description = str(data.get("AlarmDescription") or "")
    return Alert(
        receiver="aws_sns",
        source="aws-cloudwatch",
        kind="budget" if billing else "notification",
        delivery_id=message_id,
        # The same alarm's ALARM and OK notifications share it: OK resolves the ALARM's post.
        alert_key=arn or f"{account}:{region}:{name}",
        title=f"CloudWatch alarm {name}: {state}".strip(),
        text=" ".join(part for part in (description, reason) if part)[:3000] or f"{name} is now {state}.",
        amount=parse_money(datapoint.group(1)) if datapoint else None,
        currency=dimensions.get("Currency", "USD") if billing else None,
        scope={key: value for key, value in scope.items() if value},
        resolved=state == "OK",
    )


def _budget(subject: str, body: str, message_id: str) -> Alert:
    fields = {m.group(1).strip().lower(): m.group(2) for m in _BUDGET_FIELD.finditer(body)}
    name = fields.get("budget name") or subject.removeprefix("AWS Budgets:").split(" has ")[0].strip()
    budget_type = fields.get("budget type", "Cost")
    alert_type = fields.get("alert type", "ACTUAL").upper()
    amount_text = fields.get(f"{alert_type.lower()} amount") or fields.get("actual amount")
    account = _ACCOUNT.search(body)
    lowered = budget_type.lower()
    kind = "savings-plans" if "savings plans" in lowered else "reservations" if "ri " in f"{lowered} " else "budget"
    scope = {"account": account.group(1)} if account else {}
    if name:
        scope["budget"] = name
    threshold = fields.get("alert threshold", "")
    return Alert(
        receiver="aws_sns",
        source="aws-budgets",
        kind=kind,
        delivery_id=message_id,
        alert_key=f"{scope.get('account', '')}:{name}:{alert_type}:{threshold}",
        title=subject or f"AWS Budgets: {name}",
        text=f"AWS budget {name} ({budget_type}, {alert_type.lower()}) crossed its alert threshold {threshold}.".replace(
            " .", "."
        ),
        amount=parse_money(amount_text),
        currency="USD",
        scope=scope,
    )

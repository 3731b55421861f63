"""Azure common alert schema with its two ways to authenticate; HMAC webhooks with a replay window."""

from __future__ import annotations

import base64
import json

import pytest

from bot.receivers import azure, webhook
from bot.receivers.common import Rejected
from bot.render.alerts import alert_blocks
from tests.receivers.signing import KUBECOST_ALERT, azure_budget_alert

AUTH = azure.AzureAuth(url_token="az-token", basic="finops:az-password")


def basic(credentials: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def test_azure_url_token_or_basic_auth_pass() -> None:
    azure.authenticate({}, {"token": "az-token"}, AUTH)
    azure.authenticate(basic("finops:az-password"), {}, AUTH)


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, {}), ({}, {"token": "az-tokeN"}), (basic("finops:wrong"), {}), ({"authorization": "Basic !!"}, {})],
)
def test_azure_wrong_credentials_are_refused(headers: dict, query: dict) -> None:
    with pytest.raises(Rejected) as refused:
        azure.authenticate(headers, query, AUTH)
    assert refused.value.status == 401


def test_basic_auth_not_enabled_does_not_pass() -> None:
    with pytest.raises(Rejected):
        azure.authenticate(basic("finops:az-password"), {}, azure.AzureAuth("az-token", ""))


def test_azure_budget_alert() -> None:
    alert = azure.receive(json.dumps(azure_budget_alert()).encode())
    assert (alert.source, alert.kind, alert.amount, alert.currency) == ("azure-budget", "budget", 1067.13, "USD")
    assert alert.scope == {"subscription": "11111111-2222-3333-4444-555555555555", "budget": "analytics-monthly"}
    assert "analytics-monthly" in alert.title


@pytest.mark.parametrize(("spent", "unit"), [("9,512.40", "EUR"), ("9.512,40", "EUR"), ("9512.40", "EUR")])
def test_azure_string_amounts_with_grouping_are_read_whole(spent: str, unit: str) -> None:
    payload = azure_budget_alert(spent)
    payload["data"]["alertContext"]["AlertData"]["Unit"] = unit
    alert = azure.receive(json.dumps(payload).encode())
    assert (alert.amount, alert.currency) == (9512.4, "EUR")


def test_an_azure_budget_posts_its_facts_on_one_line_each_after_a_separator() -> None:
    payload = azure_budget_alert()
    details = payload["data"]["alertContext"]["AlertData"]
    details["Scope"] = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-analytics"
    blocks = alert_blocks(azure.receive(json.dumps(payload).encode()))
    [facts] = [b for b in blocks if b["type"] == "context" and "Amount" in json.dumps(b)]
    assert [e["text"] for e in facts["elements"]] == [
        "Amount: *$1,067.13* · Subscription: `11111111-2222-3333-4444-555555555555` · "
        "Resource group: `rg-analytics` · Budget: `analytics-monthly`"
    ]


def test_an_azure_budget_states_its_figures_as_sent_and_leaves_out_the_missing_ones() -> None:
    assert azure.receive(json.dumps(azure_budget_alert()).encode()).text == (
        "Azure budget analytics-monthly: actual spend $1,067.13 of $1,250.00 (alert at $1,000.00)."
    )
    # Bare numbers (as some relays and exports send them) and no notification threshold: not
    # "spend 12480.33 of 10000 (alert at )".
    payload = azure_budget_alert()
    details = payload["data"]["alertContext"]["AlertData"]
    details.update(SpentAmount=12480.33, BudgetThreshold=10000)
    del details["NotificationThresholdAmount"]
    assert azure.receive(json.dumps(payload).encode()).text == (
        "Azure budget analytics-monthly: actual spend $12,480.33 of $10,000.00."
    )
    details.update(Unit="EUR", BudgetThreshold="")
    assert azure.receive(json.dumps(payload).encode()).text == (
        "Azure budget analytics-monthly: actual spend 12,480.33 EUR."
    )


def test_azure_budget_alert_fired_again_is_the_same_alert() -> None:
    first = azure.receive(json.dumps(azure_budget_alert("$1,067.13", "a1")).encode())
    again = azure.receive(json.dumps(azure_budget_alert("$1,190.00", "a2")).encode())
    assert first.fingerprint() == again.fingerprint()
    assert first.delivery_id != again.delivery_id


def test_azure_cost_anomaly_alert() -> None:
    payload = azure_budget_alert()
    payload["data"]["essentials"]["alertRule"] = "Cost anomaly detected"
    payload["data"]["alertContext"] = {"AlertCategory": "CostAnomaly", "AlertData": {"Impact": "$512.40"}}
    alert = azure.receive(json.dumps(payload).encode())
    assert (alert.kind, alert.amount) == ("cost-anomaly", 512.4)


@pytest.mark.parametrize(
    "payload",
    [{"schemaId": "Microsoft.Insights/activityLogs"}, {"schemaId": "azureMonitorCommonAlertSchema", "data": {}}],
)
def test_azure_other_schemas_are_refused(payload: dict) -> None:
    with pytest.raises(Rejected, match="malformed_envelope"):
        azure.receive(json.dumps(payload).encode())


SECRET = "whsec-kubecost"
BODY = json.dumps(KUBECOST_ALERT).encode()
NOW = 1_764_579_600.0
FIELDS = webhook.FieldMap(
    text="message", amount="totalCost", id="id", scope={"namespace": "labels.namespace", "account": "labels.account"}
)


def signed(body: bytes = BODY, timestamp: float = NOW, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(timestamp))
    return {"x-finops-timestamp": stamp, "x-finops-signature": webhook.sign(secret, stamp, body)}


def test_webhook_signature_passes() -> None:
    webhook.verify(signed(), BODY, SECRET, NOW + 10, 300)


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({}, BODY, "unsigned"),
        (signed(secret="other"), BODY, "bad_signature"),
        (signed(), BODY + b" ", "bad_signature"),
        (signed(timestamp=NOW - 301), BODY, "expired_timestamp"),
        (signed(timestamp=NOW + 301), BODY, "expired_timestamp"),
        ({"x-finops-timestamp": "yesterday", "x-finops-signature": "sha256=00"}, BODY, "bad_timestamp"),
    ],
)
def test_webhook_bad_signatures(headers: dict, body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as refused:
        webhook.verify(headers, body, SECRET, NOW, 300)
    assert refused.value.reason == reason
    assert SECRET not in refused.value.detail


def test_a_timestamp_replayed_with_another_body_fails() -> None:
    headers = signed()
    with pytest.raises(Rejected, match="bad_signature"):
        webhook.verify(headers, BODY.replace(b"payments", b"checkout"), SECRET, NOW, 300)


def test_webhook_fields_are_mapped() -> None:
    alert = webhook.receive("kubecost", BODY, FIELDS)
    assert (alert.source, alert.amount, alert.alert_key) == ("kubecost", 1840.22, "kc-efficiency-7d-payments")
    assert alert.scope == {"namespace": "payments", "account": "123456789012"}
    assert alert.text.startswith("Namespace payments spent")


def test_a_webhook_without_a_title_is_headed_by_its_source_capitalised() -> None:
    assert webhook.receive("kubecost", BODY, webhook.FieldMap(text="message")).title == "Kubecost alert"


def test_webhook_without_an_id_uses_the_body() -> None:
    alert = webhook.receive("kubecost", BODY, webhook.FieldMap(text="message"))
    assert len(alert.alert_key) == 32 and alert.delivery_id == f"kubecost:{alert.alert_key}"


def test_a_webhook_delivery_is_one_request_not_one_alert() -> None:
    headers = signed()
    first = webhook.delivery_id("kubecost", headers, BODY)
    assert webhook.delivery_id("kubecost", dict(headers), BODY) == first  # a retry of the same request
    assert webhook.delivery_id("kubecost", signed(timestamp=NOW - 60), BODY) != first  # sent again later
    assert webhook.delivery_id("vantage", headers, BODY) != first
    with_header = {**headers, "x-request-id": "dlv-1"}
    assert webhook.delivery_id("kubecost", with_header, BODY, "X-Request-Id") == "kubecost:dlv-1"
    assert webhook.delivery_id("kubecost", headers, BODY, "X-Request-Id") == first  # header configured, not sent
    long_ids = [{**headers, "x-request-id": "d" * 200 + end} for end in "12"]
    assert len({webhook.delivery_id("kubecost", h, BODY, "X-Request-Id") for h in long_ids}) == 2
    alert = webhook.receive("kubecost", BODY, FIELDS, first)
    assert (alert.delivery_id, alert.alert_key) == (first, "kc-efficiency-7d-payments")


@pytest.mark.parametrize(
    ("message", "currency_field", "amount", "currency"),
    [
        ("Namespace payments spent €2.388,12 this week", None, 2388.12, "EUR"),  # the text says euros
        ("Namespace payments spent 12'000 CHF this week", None, 2388.12, "CHF"),  # the mapped figure stays
        ("Namespace payments spent €2.388,12 this week", "GBP", 2388.12, "GBP"),  # a mapped currency wins
        ("Namespace payments is over its budget", None, 2388.12, None),  # nothing stated: dollars
    ],
)
def test_a_webhook_amount_takes_the_currency_its_text_states(message, currency_field, amount, currency) -> None:
    body = json.dumps({"message": message, "totalCost": 2388.12, "unit": currency_field}).encode()
    alert = webhook.receive("kubecost", body, webhook.FieldMap(text="message", amount="totalCost", currency="unit"))
    assert (alert.amount, alert.currency) == (amount, currency)


def test_a_webhook_without_a_mapped_amount_takes_the_texts() -> None:
    body = json.dumps({"message": "Namespace search spent €912,30 today"}).encode()
    alert = webhook.receive("kubecost", body, webhook.FieldMap(text="message"))
    assert (alert.amount, alert.currency) == (912.3, "EUR")


def test_webhook_missing_text_is_refused() -> None:
    with pytest.raises(Rejected, match="missing_field"):
        webhook.receive("kubecost", BODY, webhook.FieldMap(text="summary.text"))


def test_azure_cost_anomaly_alert_with_the_days_cost_only() -> None:
    payload = azure_budget_alert()
    payload["data"]["essentials"]["alertRule"] = "Daily anomaly by resource group"
    payload["data"]["alertContext"] = {
        "AlertCategory": "CostAnomaly",
        "AlertData": {"DailyCost": "7421.55", "ExpectedCostUpperBound": "2410.00", "Unit": "USD"},
    }
    alert = azure.receive(json.dumps(payload).encode())
    assert (alert.kind, alert.amount) == ("cost-anomaly", 7421.55)


def test_an_azure_alert_resolved_shares_the_fired_alerts_fingerprint_not_its_delivery() -> None:
    fired = azure_budget_alert()
    fired["data"]["alertContext"] = {"AlertCategory": "Metric", "AlertData": {}}
    resolved = json.loads(json.dumps(fired))
    resolved["data"]["essentials"]["monitorCondition"] = "Resolved"
    first, later = azure.receive(json.dumps(fired).encode()), azure.receive(json.dumps(resolved).encode())
    assert (first.resolved, later.resolved) == (False, True)
    assert first.fingerprint() == later.fingerprint() and first.delivery_id != later.delivery_id


@pytest.mark.parametrize(("status", "resolved"), [("resolved", True), (" OK ", True), ("firing", False), (3, False)])
def test_a_webhooks_mapped_status_says_whether_the_alert_cleared(status: object, resolved: bool) -> None:
    body = json.dumps({"alert": {"summary": "namespace checkout over budget", "state": status}}).encode()
    fields = webhook.FieldMap(text="alert.summary", status="alert.state")
    assert webhook.receive("kubecost", body, fields).resolved is resolved

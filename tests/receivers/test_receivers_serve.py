"""Each receiver through the real ``serve`` process, with real signatures, posting through the Slack simulator."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
import urllib.request

import pytest

from bot.domain.deliveries import FAILED, PENDING, SENT
from bot.receivers.webhook import sign
from bot.routing.money import DEFAULT_RATES
from tests.receivers.conftest import AUDIENCE, SECRETS, SERVICE_ACCOUNT, Receivers
from tests.receivers.signing import (
    BUDGET_MESSAGE,
    BUDGET_SUBJECT,
    COST_ANOMALY,
    KUBECOST_ALERT,
    TOPIC_ARN,
    azure_budget_alert,
    billing_alarm,
    budget_data,
    push_envelope,
    sns_confirmation,
    sns_notification,
)
from tests.slack.harness import wait_until

SNS = "/alerts/aws/sns"
DELIVERY_STATUSES = (PENDING, SENT, FAILED)
PUBSUB = "/alerts/gcp/pubsub"
AZURE = "/alerts/azure"
KUBECOST = "/alerts/webhook/kubecost"


def sns_headers(message: dict) -> dict:
    return {"x-amz-sns-message-type": message["Type"], "x-amz-sns-message-id": message["MessageId"]}


def post_of(r: Receivers, request_id: int):
    """The bot's top-level post of a request, once the relay has sent it."""
    request = wait_until(
        lambda: (lambda v: v if v and v.reply_ts else None)(r.harness.store.requests.get_request(request_id))
    )
    [post] = [c for c in r.posts() if c.response.get("ts") == request.reply_ts]
    return request, post


def test_sns_subscription_is_confirmed_for_a_listed_topic(receivers: Receivers) -> None:
    url = f"{receivers.sns_base}/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}&Token=2336412f"
    message = receivers.sns.sign(sns_confirmation(url), "2")
    status, body = receivers.post(SNS, message, sns_headers(message))
    assert (status, body["action"]) == (200, "subscription confirmed")
    assert f"/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}&Token=2336412f" in receivers.sns_files.requests


def test_sns_cost_anomaly_is_posted_once_tagged_with_buttons(receivers: Receivers) -> None:
    message = receivers.sns.sign(sns_notification(json.dumps(COST_ANOMALY), message_id="anomaly-1"), "1")
    status, body = receivers.post(SNS, message, sns_headers(message))
    assert (status, body["action"]) == (200, "posted")
    request, post = post_of(receivers, body["request_id"])
    assert request.source_name == "aws-cost-anomaly" and request.amount_usd == 151.0
    blocks = json.dumps(post.params["blocks"])
    assert "AWS cost anomaly: Amazon Elastic Compute Cloud - Compute" in blocks
    assert "<!subteam^" in blocks  # owners tagged
    assert "finops_take" in blocks or "Take it" in blocks

    # SNS retries the same delivery: acknowledged, posted once.
    posts_before = len(receivers.posts())
    status, again = receivers.post(SNS, message, sns_headers(message))
    assert (status, again["action"], again["request_id"]) == (200, "duplicate", body["request_id"])
    assert len(receivers.posts()) == posts_before


def test_a_repeat_of_the_anomaly_goes_to_the_first_thread(receivers: Receivers) -> None:
    changed = dict(COST_ANOMALY, anomalyId="ffffffff-abcd-ef12-3456-987654321a12")
    first = receivers.sns.sign(sns_notification(json.dumps(changed), message_id="anomaly-r1"), "2")
    status, body = receivers.post(SNS, first, sns_headers(first))
    assert body["action"] == "posted"
    request, _post = post_of(receivers, body["request_id"])
    later = dict(changed, impact=dict(changed["impact"], totalImpact=260))
    repeat = receivers.sns.sign(sns_notification(json.dumps(later), message_id="anomaly-r2"), "2")
    posts_before = len(receivers.posts())
    status, body = receivers.post(SNS, repeat, sns_headers(repeat))
    assert (status, body["action"], body["request_id"]) == (200, "repeat", request.id)
    [note] = receivers.harness.sim.wait_for_replies(receivers.harness.alerts, request.reply_ts, count=1)
    assert "again" in note["text"]
    assert len(receivers.posts()) == posts_before
    assert receivers.harness.store.requests.get_request(request.id).repeat_count == 1


def test_a_billing_alarm_back_to_ok_is_a_note_in_its_thread_that_tags_nobody(receivers: Receivers) -> None:
    alarm = receivers.sns.sign(sns_notification(json.dumps(billing_alarm()), message_id="alarm-1"), "2")
    status, body = receivers.post(SNS, alarm, sns_headers(alarm))
    assert (status, body["action"]) == (200, "posted")
    request, post = post_of(receivers, body["request_id"])
    assert request.amount_usd == 1043.27 and "<!subteam^" in json.dumps(post.params["blocks"])

    ok = receivers.sns.sign(sns_notification(json.dumps(billing_alarm("OK")), message_id="alarm-2"), "2")
    posts_before = len(receivers.posts())
    status, body = receivers.post(SNS, ok, sns_headers(ok))
    assert (status, body["action"], body["request_id"]) == (200, "resolved", request.id)
    [note] = receivers.harness.sim.wait_for_replies(receivers.harness.alerts, request.reply_ts, count=1)
    assert "Amazon CloudWatch alarm reports this alert resolved" in note["text"]
    assert "<!subteam^" not in json.dumps(note) and "<@" not in json.dumps(note)
    assert len(receivers.posts()) == posts_before  # no new top-level post: the note is in the thread
    after = receivers.harness.store.requests.get_request(request.id)
    assert (after.status, after.repeat_count) == ("open", 0)

    # SNS delivers it again: acknowledged, noted once.
    status, body = receivers.post(SNS, ok, sns_headers(ok))
    assert (status, body["action"]) == (200, "duplicate")
    history = receivers.harness.store.requests.request_history(request.id)
    assert [e["action"] for e in history] == ["routed", "source-resolved"]


def test_an_ok_for_an_alarm_never_posted_posts_nothing(receivers: Receivers) -> None:
    alarm = billing_alarm("OK")
    alarm["AlarmArn"] = alarm["AlarmArn"].replace("billing-over-1000", "billing-over-5000")
    ok = receivers.sns.sign(sns_notification(json.dumps(alarm), message_id="alarm-3"), "2")
    outbox = receivers.harness.store.outbox
    deliveries_before = sum(outbox.count_deliveries(status) for status in DELIVERY_STATUSES)
    status, body = receivers.post(SNS, ok, sns_headers(ok))
    assert (status, body["action"], body["request_id"]) == (200, "resolved", None)
    # Written in the transaction that answered 200, so counting now cannot miss it.
    assert sum(outbox.count_deliveries(status) for status in DELIVERY_STATUSES) == deliveries_before


def test_sns_budget_notification_is_posted(receivers: Receivers) -> None:
    message = receivers.sns.sign(sns_notification(BUDGET_MESSAGE, subject=BUDGET_SUBJECT, message_id="budget-1"))
    status, body = receivers.post(SNS, message, sns_headers(message))
    assert (status, body["action"]) == (200, "posted")
    request, post = post_of(receivers, body["request_id"])
    assert "team-payments-monthly" in json.dumps(post.params["blocks"])
    assert request.amount_usd == 8523.19


def test_sns_refusals_post_nothing(receivers: Receivers) -> None:
    posts_before = len(receivers.posts())
    tampered = receivers.sns.sign(sns_notification("spend is up", message_id="bad-1"))
    tampered["Message"] = "spend is way up"
    assert receivers.post(SNS, tampered)[0] == 403
    other_topic = receivers.sns.sign(
        sns_notification("x", message_id="bad-2", TopicArn="arn:aws:sns:us-east-1:123456789012:other")
    )
    assert receivers.post(SNS, other_topic) == (
        403,
        {"error": "unknown_topic", "detail": "the topic ARN is not listed under receivers.aws_sns.topic_arns"},
    )
    foreign = dict(receivers.sns.sign(sns_notification("x", message_id="bad-3")))
    foreign["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"
    assert receivers.post(SNS, foreign)[1]["error"] == "untrusted_certificate_url"
    assert receivers.post(SNS, b"{not json")[0] == 400
    assert len(receivers.posts()) == posts_before


def test_pubsub_budget_with_oidc_token_posts_once(receivers: Receivers) -> None:
    token = receivers.google.token(AUDIENCE, SERVICE_ACCOUNT)
    envelope = push_envelope(budget_data(0.9), message_id="ps-1")
    status, body = receivers.post(PUBSUB, envelope, {"Authorization": f"Bearer {token}"})
    assert (status, body["action"]) == (200, "posted")
    _request, post = post_of(receivers, body["request_id"])
    assert "data-platform-monthly" in json.dumps(post.params["blocks"])
    status, again = receivers.post(PUBSUB, envelope, {"Authorization": f"Bearer {token}"})
    assert (status, again["action"]) == (200, "duplicate")


def test_pubsub_refusals(receivers: Receivers) -> None:
    envelope = push_envelope(budget_data(0.5), message_id="ps-bad")
    wrong = receivers.google.token("https://other.example/", SERVICE_ACCOUNT)
    assert receivers.post(PUBSUB, envelope, {"Authorization": f"Bearer {wrong}"})[1]["error"] == "wrong_audience"
    assert receivers.post(PUBSUB, envelope)[1]["error"] == "unauthenticated"
    assert receivers.post(PUBSUB + "?token=guess", envelope)[0] == 401
    assert receivers.post(PUBSUB + "?token=" + SECRETS["FINOPS_PUBSUB_TOKEN"], {"message": {}})[0] == 400


def test_pubsub_url_token_and_below_threshold(receivers: Receivers) -> None:
    url = PUBSUB + "?token=" + SECRETS["FINOPS_PUBSUB_TOKEN"]
    status, body = receivers.post(url, push_envelope(budget_data(None), message_id="ps-quiet"))
    assert (status, body["action"]) == (200, "ignored")
    status, body = receivers.post(url, push_envelope(budget_data(1.0, cost=10100), message_id="ps-2"))
    assert (status, body["action"]) == (200, "posted")


def test_azure_budget_alert_with_token_or_basic_auth(receivers: Receivers) -> None:
    status, body = receivers.post(AZURE + "?token=" + SECRETS["FINOPS_AZURE_TOKEN"], azure_budget_alert())
    assert (status, body["action"]) == (200, "posted")
    request, _post = post_of(receivers, body["request_id"])
    assert request.source_name == "azure-budget"
    basic = base64.b64encode(SECRETS["FINOPS_AZURE_BASIC_AUTH"].encode()).decode()
    status, body = receivers.post(
        AZURE, azure_budget_alert("$1,190.00", alert_id="second"), {"Authorization": f"Basic {basic}"}
    )
    assert (status, body["action"], body["request_id"]) == (200, "repeat", request.id)
    assert receivers.post(AZURE + "?token=wrong", azure_budget_alert())[0] == 401


def test_signed_webhook_is_posted_and_checked(receivers: Receivers) -> None:
    secret = SECRETS["FINOPS_WEBHOOK_SECRET_KUBECOST"]
    body = json.dumps(KUBECOST_ALERT).encode()
    stamp = str(int(time.time()))
    headers = {"X-Finops-Timestamp": stamp, "X-Finops-Signature": sign(secret, stamp, body)}
    status, answer = receivers.post(KUBECOST, body, headers)
    assert (status, answer["action"]) == (200, "posted")
    request, post = post_of(receivers, answer["request_id"])
    assert request.source_name == "kubecost"
    assert "payments" in json.dumps(post.params["blocks"])

    old = str(int(time.time()) - 3600)
    expired = {"X-Finops-Timestamp": old, "X-Finops-Signature": sign(secret, old, body)}
    assert receivers.post(KUBECOST, body, expired)[1]["error"] == "expired_timestamp"
    forged = {"X-Finops-Timestamp": stamp, "X-Finops-Signature": sign("guess", stamp, body)}
    assert receivers.post(KUBECOST, body, forged)[1]["error"] == "bad_signature"
    assert receivers.post("/alerts/webhook/vantage", body, headers) == (
        404,
        {"error": "unknown_source", "detail": "no webhook with this source under receivers.webhooks"},
    )
    assert receivers.post(KUBECOST, b"x" * (65 * 1024), headers)[1]["error"] == "body_too_large"


def signed(body: bytes, stamp: str | None = None, **extra: str) -> dict:
    stamp = stamp or str(int(time.time()))
    return {
        "X-Finops-Timestamp": stamp,
        "X-Finops-Signature": sign(SECRETS["FINOPS_WEBHOOK_SECRET_KUBECOST"], stamp, body),
        **extra,
    }


def test_a_later_webhook_notification_with_the_same_id_goes_to_the_first_thread(receivers: Receivers) -> None:
    first = json.dumps({"id": "kc-1", "message": "Namespace payments spent €2.388,12 this week"}).encode()
    headers = signed(first)
    status, answer = receivers.post(KUBECOST, first, headers)
    assert (status, answer["action"]) == (200, "posted")
    request, _post = post_of(receivers, answer["request_id"])
    # The same request again (a retry): acknowledged, nothing posted.
    assert receivers.post(KUBECOST, first, headers)[1] == {
        "ok": True,
        "action": "duplicate",
        "request_id": request.id,
    }
    # A later notification of the same alert: a note in the first post's thread, not a duplicate.
    posts_before = len(receivers.posts())
    later = json.dumps({"id": "kc-1", "message": "Namespace payments spent €2.500 this week"}).encode()
    status, again = receivers.post(KUBECOST, later, signed(later))
    assert (status, again["action"], again["request_id"]) == (200, "repeat", request.id)
    [note] = receivers.harness.sim.wait_for_replies(receivers.harness.alerts, request.reply_ts, count=1)
    assert "again" in note["text"] and "2.500" in json.dumps(note["blocks"])
    assert len(receivers.posts()) == posts_before
    # Even a byte-identical notification sent later (signed at another time) is a new delivery.
    status, third = receivers.post(KUBECOST, later, signed(later, str(int(time.time()) - 5)))
    assert (status, third["action"]) == (200, "repeat")


def test_a_webhook_amount_without_a_mapped_currency_is_the_one_its_text_states(receivers: Receivers) -> None:
    alert = {
        "id": "kc-eur-1",
        "message": "Namespace payments spent €2.388,12 over the last 7 days, above its €2.000 budget",
        "totalCost": 2388.12,
    }
    body = json.dumps(alert).encode()
    status, answer = receivers.post(KUBECOST, body, signed(body))
    assert (status, answer["action"]) == (200, "posted")
    request, post = post_of(receivers, answer["request_id"])
    blocks = json.dumps(post.params["blocks"], ensure_ascii=False)
    # One reading everywhere: the alert's header and the routing line state the same euros.
    assert re.findall(r"Amount: \*([^*]+)\*", blocks) == ["€2,388.12", "€2,388.12"]
    assert "$2,388.12" not in blocks
    assert request.amount_usd == pytest.approx(2388.12 * DEFAULT_RATES["EUR"], abs=0.01)


def test_a_webhook_retry_is_recognised_by_the_configured_delivery_header(receivers: Receivers) -> None:
    body = json.dumps({"id": "kc-header-1", "message": "Namespace search spent $912.30 today"}).encode()
    now = int(time.time())
    status, answer = receivers.post(KUBECOST, body, signed(body, str(now), **{"X-Kubecost-Delivery": "dlv-77"}))
    assert (status, answer["action"]) == (200, "posted")
    # The sender retries the delivery, signed anew: its delivery id says it is the same one.
    retry = signed(body, str(now - 7), **{"X-Kubecost-Delivery": "dlv-77"})
    assert receivers.post(KUBECOST, body, retry)[1]["action"] == "duplicate"
    other = signed(body, str(now - 7), **{"X-Kubecost-Delivery": "dlv-78"})
    assert receivers.post(KUBECOST, body, other)[1]["action"] == "repeat"


def test_alerts_show_in_open_requests_and_export(receivers: Receivers) -> None:
    message = receivers.sns.sign(
        sns_notification(
            BUDGET_MESSAGE.replace("team-payments", "team-search"),
            subject=BUDGET_SUBJECT.replace("team-payments", "team-search"),
            message_id="budget-open",
        )
    )
    _status, body = receivers.post(SNS, message)
    assert body["action"] == "posted"
    store = receivers.harness.store
    assert body["request_id"] in [r.id for r in store.requests.open_requests(limit=500)]
    exported = [
        row
        for row in store.requests.export(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        if row["request_id"] == body["request_id"]
    ]
    assert [row["action"] for row in exported] == ["routed"]
    assert exported[0]["source_name"] == "aws-budgets"
    assert exported[0]["excerpt"].startswith("AWS Budgets: team-search-monthly")


def test_rejections_are_logged_with_a_reason_and_no_secret(receivers: Receivers) -> None:
    receivers.post(AZURE + "?token=" + SECRETS["FINOPS_AZURE_TOKEN"] + "x", azure_budget_alert())
    log = "\n".join(receivers.harness.bot.log_lines)
    assert "receiver azure refused a request to /alerts/azure: unauthenticated" in log
    for secret in SECRETS.values():
        assert secret not in log


def test_concurrent_redeliveries_post_once(receivers: Receivers) -> None:
    from concurrent.futures import ThreadPoolExecutor

    message = receivers.sns.sign(
        sns_notification(
            BUDGET_MESSAGE.replace("team-payments", "team-race"),
            subject=BUDGET_SUBJECT.replace("team-payments", "team-race"),
            message_id="race-1",
        ),
        "2",
    )
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: receivers.post(SNS, message, sns_headers(message)), range(8)))
    assert all(status == 200 for status, _ in answers)
    actions = sorted(body["action"] for _, body in answers)
    assert actions == ["duplicate"] * 7 + ["posted"]
    request_ids = {body["request_id"] for _, body in answers}
    assert len(request_ids) == 1
    _request, _post = post_of(receivers, request_ids.pop())
    assert [c for c in receivers.posts() if "team-race-monthly" in json.dumps(c.params.get("blocks"))] == [_post]


def receiver_samples(receivers: Receivers) -> dict[str, float]:
    """The receivers' counters on /metrics, by sample name with labels."""
    with urllib.request.urlopen(receivers.base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("finops_receiver_alerts_accepted_total{", "finops_receiver_requests_rejected_total{"))
    }


def test_rejections_by_receiver_and_reason_and_accepted_alerts_are_counted_on_metrics(receivers: Receivers) -> None:
    before = receiver_samples(receivers)
    secret = SECRETS["FINOPS_WEBHOOK_SECRET_KUBECOST"]
    body = json.dumps(dict(KUBECOST_ALERT, id="metrics-1")).encode()
    stamp = str(int(time.time()))
    forged = {"X-Finops-Timestamp": stamp, "X-Finops-Signature": sign("guess", stamp, body)}
    assert receivers.post(KUBECOST, body, forged)[0] == 401
    assert receivers.post(KUBECOST, body, forged)[0] == 401
    assert receivers.post(AZURE + "?token=wrong", azure_budget_alert())[0] == 401
    assert receivers.post(SNS, b"{not json")[0] == 400
    signed = {"X-Finops-Timestamp": stamp, "X-Finops-Signature": sign(secret, stamp, body)}
    status, answer = receivers.post(KUBECOST, body, signed)
    assert status == 200
    after = receiver_samples(receivers)

    def grew(sample: str) -> float:
        return after.get(sample, 0.0) - before.get(sample, 0.0)

    assert grew('finops_receiver_requests_rejected_total{reason="bad_signature",receiver="webhook"}') == 2
    assert grew('finops_receiver_requests_rejected_total{reason="unauthenticated",receiver="azure"}') == 1
    assert grew('finops_receiver_requests_rejected_total{reason="malformed_json",receiver="aws_sns"}') == 1
    outcome = answer["action"]
    assert grew(f'finops_receiver_alerts_accepted_total{{outcome="{outcome}",receiver="webhook"}}') == 1
    assert sum(grew(name) for name in after if "accepted" in name) == 1

"""A received alert's post quotes the sender's values: none of them may ping, link or break the layout."""

from __future__ import annotations

import json

from bot.domain.alerts import Alert
from bot.render.alerts import alert_blocks


def alert(**fields) -> Alert:
    base = dict(receiver="webhook", source="kubecost", kind="notification", delivery_id="d1", alert_key="k1")
    return Alert(**{**base, "title": "kubecost alert", "text": "spend up", **fields})


def test_scope_values_from_the_payload_are_escaped() -> None:
    blocks = alert_blocks(alert(scope={"namespace": "<!channel> & co", "cluster": "prod`<@U123>`"}))
    posted = json.dumps(blocks)
    assert "<!channel>" not in posted and "<@U123>" not in posted
    assert "Namespace: `&lt;!channel&gt; &amp; co`" in posted
    assert "Cluster: `prod'&lt;@U123&gt;'`" in posted  # a backtick would end the code span early


def test_only_a_plain_web_link_becomes_the_console_link() -> None:
    good = json.dumps(alert_blocks(alert(link="https://console.aws.amazon.com/cost-management/home#/anomaly")))
    assert "<https://console.aws.amazon.com/cost-management/home#/anomaly|Open in the console>" in good
    for bad in ("https://x.example|<!here>", "javascript:alert(1)", "https://x.example/a b", "https://x>y"):
        posted = json.dumps(alert_blocks(alert(link=bad)))
        assert "<!here>" not in posted and "Open in the console" not in posted, bad

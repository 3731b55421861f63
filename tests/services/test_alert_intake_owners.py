"""The alert intake against in-memory ports: the owning team is resolved and recorded as for a Slack message."""

from __future__ import annotations

import json

import pytest

from bot.config.models import BotConfig, OwnersFile
from bot.domain.alerts import Alert
from bot.domain.inputs import IncomingMessage
from bot.services.alert_intake import AlertIntake
from bot.services.intake import Intake
from tests.services.fakes import ALERTS_CHANNEL, NOW, SHIPPED_CONFIG, FakeRequests, FakeSender, holder, shipped_config

OWNERS = {
    "version": 1,
    "teams": [
        {
            "id": "data",
            "name": "Data",
            "slack": {"channel": "#data-eng"},
            "scopes": {"budgets": ["ml-platform-monthly"], "kubernetes_namespaces": ["checkout-api", "search"]},
        }
    ],
}


@pytest.fixture(scope="module")
def config() -> BotConfig:
    shipped = shipped_config()
    return BotConfig(
        personas=shipped.personas,
        routing=shipped.routing,
        owners=OwnersFile.model_validate(OWNERS),
        source_dir=str(SHIPPED_CONFIG),
    )


def alert(text: str, scope: dict[str, str], **fields: object) -> Alert:
    values: dict = dict(
        receiver="webhook",
        source="kubecost",
        kind="notification",
        delivery_id="d-1",
        alert_key="k-1",
        title="kubecost alert",
        text=text,
        amount=1840.22,
        currency="USD",
        scope=scope,
    )
    values.update(fields)
    return Alert(**values)


def accepted(config: BotConfig, received: Alert):
    records = FakeRequests()
    runtime = holder(config=config)
    mentions = runtime.current.names.mentions
    mentions.by_persona["team:data"], mentions.names["team:data"] = "<#CDATAENG>", "Data"
    service = AlertIntake(runtime, records, records, FakeSender(), lambda: NOW, lambda: "T1")
    answer = service.accept(received, "#cost-alerts")
    assert answer["action"] == "posted"
    [(_key, request, post)] = records.recorded
    return request, post


def test_a_namespace_the_scope_states_names_the_team_and_is_recorded(config: BotConfig) -> None:
    request, post = accepted(
        config,
        alert("Namespace spent $1,840.22 over the last 7 days, above its $1,500 budget", {"namespace": "search"}),
    )
    assert (request.team, request.team_scope) == ("data", "namespace search")
    posted = json.dumps(post.payload)
    assert "Owned by *Data* (namespace search)" in posted and "<#CDATAENG>" in posted


def test_an_alert_that_matches_no_topic_still_gets_its_team(config: BotConfig) -> None:
    # The fallback decision the intake makes for an alert sent on purpose goes through owners too.
    request, _post = accepted(config, alert("zzz", {"namespace": "search"}, amount=None, title="zzz"))
    assert request.primary_persona == config.routing.fallback_persona
    assert (request.team, request.team_scope) == ("data", "namespace search")


def test_alert_and_slack_message_record_the_same_team(config: BotConfig) -> None:
    text = "Kubecost budget alert: namespace checkout-api spent $1,840.22, above its $1,500 budget"
    from_receiver, _ = accepted(config, alert(text, {"namespace": "checkout-api"}))
    records = FakeRequests()
    outcome = Intake(holder(config=config), records, FakeSender(), lambda: NOW).handle(
        IncomingMessage(
            event_id="Ev1",
            retry_num=0,
            team_id="T1",
            channel_id=ALERTS_CHANNEL,
            ts="1700000000.000100",
            user_id=None,
            bot_id="B1",
            app_name="Kubecost",
            message={"text": text, "attachments": [], "blocks": []},
        )
    )
    [(_event, from_slack, _reply)] = records.recorded
    assert (from_receiver.team, from_receiver.team_scope) == (from_slack.team, from_slack.team_scope)
    assert from_slack.team == "data"
    assert outcome.team == "data"  # what /metrics counts the routed event under


def test_an_alert_whose_text_is_not_a_request_says_why_the_fallback_is_tagged_anyway(config: BotConfig) -> None:
    # A receiver's alerts come on purpose, so the fallback owner is tagged; the Why line says so first
    # rather than opening with the text's own verdict ("Not a FinOps request") beside the tag.
    request, post = accepted(config, alert("hello", {}, amount=None, title="kubecost alert"))
    assert request.primary_persona == config.routing.fallback_persona
    why = request.explanation
    assert why.startswith(
        "kubecost alert sent to finops-practitioner, the fallback owner: an alert from a configured receiver "
        "always goes to someone; its text alone would not have been routed (Not a FinOps request: "
    )
    assert f"Why: {why}" in json.dumps(post.payload)


def test_an_alert_routed_to_the_fallback_keeps_the_amount_as_stated(config: BotConfig) -> None:
    # The fallback decision is built anew; without the stated Money it showed (and stored) only the USD figure.
    request, post = accepted(config, alert("[Recovered] namespace spend back to normal: €2.388,12", {}, amount=None))
    assert request.primary_persona == config.routing.fallback_persona
    assert request.amount_stated == "€2,388.12"
    assert "€2,388.12" in json.dumps(post.payload, ensure_ascii=False)

"""The receivers: section of routing.yaml, with file:line: key.path errors like every other section."""

from __future__ import annotations

from bot.config.loader import load_config
from tests.config.config_fixtures import ROUTING_YAML

RECEIVERS = """\
receivers:
  max_body_kb: 128
  aws_sns:
    channel: "#cost-alerts"
    topic_arns: [arn:aws:sns:us-east-1:123456789012:finops-cost-alerts]
  gcp_pubsub:
    channel: "#cost-alerts"
    audience: https://finops-bot.example.com/alerts/gcp/pubsub
    service_account: budget-push@finops-prod.iam.gserviceaccount.com
  azure:
    channel: "#cost-alerts"
    auth: [token, basic]
  webhooks:
    - source: kubecost
      channel: "#cost-alerts"
      fields: {text: message, amount: totalCost, id: id, scope: {namespace: labels.namespace}}
"""
FIRST = ROUTING_YAML.count("\n") + 1  # line of "receivers:"


def test_a_full_receivers_section_loads(write_config) -> None:
    config = load_config(write_config(routing=ROUTING_YAML + RECEIVERS)).config
    receivers = config.routing.receivers
    assert receivers.max_body_kb == 128
    assert receivers.aws_sns is not None and receivers.aws_sns.topic_arns[0].endswith(":finops-cost-alerts")
    assert receivers.azure is not None and receivers.azure.auth == ("token", "basic")
    assert receivers.webhooks[0].fields.scope == {"namespace": "labels.namespace"}


def test_no_receivers_section_means_none_configured(write_config) -> None:
    assert not load_config(write_config()).config.routing.receivers.any


def test_errors_name_line_and_key_path(config_errors) -> None:
    bad = (
        RECEIVERS.replace("arn:aws:sns:us-east-1:123456789012:finops-cost-alerts", "finops-cost-alerts")
        .replace("    service_account: budget-push@finops-prod.iam.gserviceaccount.com\n", "")
        .replace("auth: [token, basic]", "auth: [token, oauth]")
        .replace(
            '    - source: kubecost\n      channel: "#cost-alerts"', "    - source: Kubecost!\n      channel: cost"
        )
    )
    errors = config_errors(routing=ROUTING_YAML + bad)
    assert f"config/routing.yaml:{FIRST + 4}: receivers.aws_sns.topic_arns[0]" in "\n".join(errors)
    assert any(
        e.startswith(f"config/routing.yaml:{FIRST + 5}: receivers.gcp_pubsub:")
        and "both audience and service_account" in e
        for e in errors
    )
    assert any(e.startswith(f"config/routing.yaml:{FIRST + 10}: receivers.azure.auth[1]") for e in errors)
    assert any(e.startswith(f"config/routing.yaml:{FIRST + 12}: receivers.webhooks[0].source") for e in errors)
    assert any(
        e.startswith(f"config/routing.yaml:{FIRST + 13}: receivers.webhooks[0].channel") and "'#cost'" in e
        for e in errors
    )


def test_pubsub_without_any_authentication_is_an_error(config_errors) -> None:
    bad = RECEIVERS.replace("    audience: https://finops-bot.example.com/alerts/gcp/pubsub\n", "").replace(
        "    service_account: budget-push@finops-prod.iam.gserviceaccount.com\n", ""
    )
    [error] = config_errors(routing=ROUTING_YAML + bad)
    assert error.startswith(f"config/routing.yaml:{FIRST + 5}: receivers.gcp_pubsub:")
    assert "allow_url_token" in error


def test_duplicate_webhook_sources(config_errors) -> None:
    twice = RECEIVERS + RECEIVERS[RECEIVERS.index("    - source") :]
    [error] = config_errors(routing=ROUTING_YAML + twice)
    assert "receivers.webhooks[1].source" in error and "duplicate" in error


def test_lengths_and_patterns_are_said_in_plain_words(config_errors) -> None:
    bad = RECEIVERS.replace(
        "topic_arns: [arn:aws:sns:us-east-1:123456789012:finops-cost-alerts]", "topic_arns: []"
    ).replace("    - source: kubecost\n", "    - source: Kube Cost\n")
    errors = config_errors(routing=ROUTING_YAML + bad)
    assert (
        f"config/routing.yaml:{FIRST + 4}: receivers.aws_sns.topic_arns: must not be empty: list at least 1 item"
        in errors
    )
    assert (
        f"config/routing.yaml:{FIRST + 13}: receivers.webhooks[0].source: expected a source name of lower-case "
        "letters, digits, '-' and '_' (up to 40, starting with a letter or digit), such as kubecost, "
        "got a string ('Kube Cost')" in errors
    )
    assert not any("should" in error or "pattern" in error or "validation" in error for error in errors), errors

"""A valid configuration loads into immutable models, with defaults and warnings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config.loader import ConfigIssue, load_config
from bot.settings import Settings, SettingsError
from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML


def test_valid_config_loads_into_typed_models(write_config) -> None:
    loaded = load_config(write_config())

    config = loaded.config
    assert loaded.warnings == ()
    assert config.source_dir == "config"
    assert config.persona_ids == (
        "finops-practitioner",
        "leadership",
        "product",
        "engineering",
        "finance",
        "procurement",
        "security",
    )
    security = config.persona("security")
    assert security.kind == "allied"
    assert security.slack.people == ("sec-lead@example.com", "U0123ABCD")
    assert [duty.id for duty in security.duties] == ["monthly-review", "weekly-check"]
    budgets = config.topic("budgets")
    assert budgets.owners.responsible == ("finance",)
    assert budgets.owners.informed == ("leadership",)
    assert config.routing.calendar[0].date == dt.date(2026, 9, 30)
    assert config.routing.escalations[0].min_amount_usd == 10000


def test_defaults_apply_to_omitted_settings(write_config) -> None:
    routing = "topics:\n  - {id: anomalies, name: Anomalies, terms: [anomaly], owners: {responsible: [engineering]}}\n"
    config = load_config(write_config(routing=routing)).config.routing

    assert config.timezone == "UTC"
    assert config.watch.channels == ("#cost-alerts",)
    assert config.fallback_persona == "finops-practitioner"
    assert config.min_confidence == 0.5
    assert config.digest.schedule == "0 9 * * MON"
    assert config.acknowledgement.closers == ()


def test_models_are_immutable(write_config) -> None:
    loaded = load_config(write_config())

    with pytest.raises(ValidationError):
        loaded.config.routing.topics[0].name = "renamed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        loaded.config.persona("finance").slack.channel = "#elsewhere"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        loaded.config.routing.topics[0].terms.append("x")  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.warnings = ()  # type: ignore[misc]


def test_warnings_do_not_stop_loading(write_config) -> None:
    personas = PERSONAS_YAML.replace('slack: {channel: "#finops-product"}', "slack: {}").replace(
        "  - {id: procurement", "  - {id: buying"
    )
    routing = ROUTING_YAML.replace("      responsible: [engineering]\n", "")

    loaded = load_config(write_config(personas=personas, routing=routing))

    assert [str(warning) for warning in loaded.warnings] == [
        "config/personas.yaml:2: personas: warning: core persona 'procurement' is not defined: "
        "the FinOps Framework expects it, and nothing can be routed to it",
        "config/personas.yaml:5: personas[2]: warning: persona 'product' has no Slack target "
        "(slack.channel, slack.usergroup or slack.people): nobody can be tagged for it",
        "config/routing.yaml:14: topics[0].owners: warning: topic 'anomalies' has no responsible owner: "
        "matching messages tag nobody",
    ]
    assert all(warning.severity == "warning" for warning in loaded.warnings)


def test_persona_without_slack_key_is_warned(write_config) -> None:
    personas = PERSONAS_YAML.replace(', slack: {channel: "#finops-leadership"}', "")

    loaded = load_config(write_config(personas=personas))

    assert [warning.path for warning in loaded.warnings] == ["personas[1]"]


def test_yaml_anchors_and_merge_keys_are_supported(write_config) -> None:
    routing = ROUTING_YAML.replace(
        "    owners:\n      responsible: [engineering]\n      accountable: [finops-practitioner]\n",
        "    owners: &eng\n      responsible: [engineering]\n      accountable: [finops-practitioner]\n",
    ).replace(
        "    owners:\n      responsible:\n        - finance\n      informed: [leadership]\n",
        "    owners:\n      <<: *eng\n      responsible: [finance]\n",
    )

    config = load_config(write_config(routing=routing)).config

    owners = config.topic("budgets").owners
    assert owners.responsible == ("finance",)
    assert owners.accountable == ("finops-practitioner",)


def test_config_issue_formats_like_a_compiler_message() -> None:
    issue = ConfigIssue("config/routing.yaml", 42, "topics[7].owners.responsible[0]", "unknown persona 'fiance'")
    assert str(issue) == "config/routing.yaml:42: topics[7].owners.responsible[0]: unknown persona 'fiance'"
    assert str(ConfigIssue("config/routing.yaml", None, "", "file not found")) == "config/routing.yaml: file not found"
    warning = ConfigIssue("config/personas.yaml", 3, "personas[0]", "no target", "warning")
    assert str(warning) == "config/personas.yaml:3: personas[0]: warning: no target"


def test_config_dir_setting_comes_from_the_environment_given() -> None:
    assert Settings.from_env({}).config_dir == Path("config")
    assert Settings.from_env({"FINOPS_CONFIG_DIR": "/etc/finops-bot"}).config_dir == Path("/etc/finops-bot")


def test_retention_settings_have_defaults_and_refuse_too_short_periods() -> None:
    defaults = Settings.from_env({})
    assert (
        defaults.retain_event_ids_hours,
        defaults.retain_sent_deliveries_days,
        defaults.retain_schedule_claims_days,
        defaults.retain_requests_days,
    ) == (48, 7, 35, 730)
    assert Settings.from_env({"FINOPS_RETAIN_SENT_DELIVERIES_DAYS": "0"}).retain_sent_deliveries_days == 0
    assert Settings.from_env({"FINOPS_RETAIN_REQUESTS_DAYS": "0"}).retain_requests_days == 0  # for ever
    assert Settings.from_env({"FINOPS_RETAIN_REQUESTS_DAYS": "35"}).retain_requests_days == 35
    with pytest.raises(SettingsError, match=r"FINOPS_RETAIN_REQUESTS_DAYS must be 0 \(keep for ever\) or at least 35"):
        Settings.from_env({"FINOPS_RETAIN_REQUESTS_DAYS": "30"})
    # Slack retries an event for up to an hour; the ticker looks back a week for missed occurrences.
    with pytest.raises(SettingsError, match="FINOPS_RETAIN_EVENT_IDS_HOURS must be at least 2"):
        Settings.from_env({"FINOPS_RETAIN_EVENT_IDS_HOURS": "1"})
    with pytest.raises(SettingsError, match="FINOPS_RETAIN_SCHEDULE_CLAIMS_DAYS must be at least 8"):
        Settings.from_env({"FINOPS_RETAIN_SCHEDULE_CLAIMS_DAYS": "7"})


def test_channel_pacing_settings_default_to_slacks_limit_and_zero_turns_it_off() -> None:
    defaults = Settings.from_env({})
    assert (defaults.slack_channel_rate, defaults.slack_channel_burst) == (1.0, 3.0)
    assert Settings.from_env({"FINOPS_SLACK_CHANNEL_RATE": "0"}).slack_channel_rate == 0.0
    assert Settings.from_env({"FINOPS_SLACK_CHANNEL_RATE": "0.5"}).slack_channel_rate == 0.5
    for bad in ("-1", "fast", "nan", "inf"):
        with pytest.raises(SettingsError, match="FINOPS_SLACK_CHANNEL_RATE"):
            Settings.from_env({"FINOPS_SLACK_CHANNEL_RATE": bad})
    with pytest.raises(SettingsError, match="FINOPS_SLACK_CHANNEL_BURST must be at least 1"):
        Settings.from_env({"FINOPS_SLACK_CHANNEL_BURST": "0.5"})


def test_silences_refresh_setting() -> None:
    assert Settings.from_env({}).silences_refresh == 1.0
    assert Settings.from_env({"FINOPS_SILENCES_REFRESH_SECONDS": "0"}).silences_refresh == 0.0
    for bad in ("-1", "soon", "nan"):
        with pytest.raises(SettingsError, match="FINOPS_SILENCES_REFRESH_SECONDS must be"):
            Settings.from_env({"FINOPS_SILENCES_REFRESH_SECONDS": bad})

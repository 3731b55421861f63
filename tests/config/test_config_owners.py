"""owners.yaml and routing.yaml's currencies: loading, and errors with file, line and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.check import check_config
from bot.config.loader import ConfigError, load_config
from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML

OWNERS_YAML = """\
version: 1
teams:
  - id: payments
    name: Payments
    slack: {channel: "#payments-eng", usergroup: "@payments-oncall"}
    personas: [engineering]
    scopes:
      aws_accounts: ["111122223333", "4444-5555-6666"]
      gcp_projects: [payments-prod, "123456789012"]
      azure_subscriptions: ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
      azure_resource_groups: [rg-payments]
      kubernetes_namespaces: [prod-eu/payments]
      tags: ["team=payments", "cost-center=1234"]
      budgets: [payments-monthly]
      names: ["payments-*"]
  - id: data-platform
    slack: {channel: "#data-platform"}
    scopes:
      aws_accounts: ["999988887777"]
      kubernetes_clusters: [prod-eu]
"""


def _write(tmp_path: Path, owners: str | None, routing: str = ROUTING_YAML) -> str:
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    (directory / "personas.yaml").write_text(PERSONAS_YAML)
    (directory / "routing.yaml").write_text(routing)
    if owners is not None:
        (directory / "owners.yaml").write_text(owners)
    return "config"


def _errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, owners: str, routing: str = ROUTING_YAML) -> list[str]:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, owners, routing))
    return [str(issue) for issue in caught.value.issues]


def test_an_unquoted_account_id_with_a_leading_zero_is_shown_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owners = "version: 1\nteams:\n  - id: payments\n    slack: {channel: '#pay'}\n    scopes: {aws_accounts: [011122223333]}\n"
    errors = _errors(tmp_path, monkeypatch, owners)
    assert (
        "config/owners.yaml:5: teams[0].scopes.aws_accounts[0]: account id 011122223333 must be in quotes, "
        '"011122223333": unquoted, YAML reads the octal number 1229530843' in errors
    )


def test_owners_yaml_is_optional_and_a_commented_file_owns_nothing(tmp_path: Path) -> None:
    assert load_config(tmp_path / _write(tmp_path, None)).config.owners.teams == ()
    (tmp_path / "config" / "owners.yaml").write_text("# version: 1\n# teams: []\n")
    assert load_config(tmp_path / "config").config.owners.teams == ()


def test_teams_load_into_typed_immutable_models(tmp_path: Path) -> None:
    config = load_config(tmp_path / _write(tmp_path, OWNERS_YAML)).config
    payments = config.team("payments")
    assert payments.slack.channel == "#payments-eng" and payments.personas == ("engineering",)
    assert payments.scopes.aws_accounts == ("111122223333", "4444-5555-6666")
    assert payments.scopes.tags == ("team=payments", "cost-center=1234")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        payments.name = "x"  # type: ignore[misc]


def test_unknown_persona_duplicate_scope_and_malformed_ids_point_at_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owners = (
        OWNERS_YAML.replace("personas: [engineering]", "personas: [enginering]")
        .replace('aws_accounts: ["999988887777"]', 'aws_accounts: ["999988887777", "111122223333", "12345"]')
        .replace("gcp_projects: [payments-prod", "gcp_projects: [Payments_Prod")
        .replace('azure_subscriptions: ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]', "azure_subscriptions: [sub-1]")
        .replace('tags: ["team=payments"', 'tags: ["team:payments"')
    )
    assert _errors(tmp_path, monkeypatch, owners) == [
        "config/owners.yaml:6: teams[0].personas[0]: unknown persona 'enginering' (did you mean 'engineering'?)",
        "config/owners.yaml:9: teams[0].scopes.gcp_projects[0]: invalid GCP project 'Payments_Prod': expected a "
        "project id (6-30 lowercase letters, digits and '-', starting with a letter) or a project number",
        "config/owners.yaml:10: teams[0].scopes.azure_subscriptions[0]: invalid Azure subscription id 'sub-1': "
        "expected a GUID such as 00000000-0000-0000-0000-000000000000",
        "config/owners.yaml:13: teams[0].scopes.tags[0]: invalid tag 'team:payments': expected key=value "
        "(write key=value, e.g. 'team=payments')",
        "config/owners.yaml:19: teams[1].scopes.aws_accounts[1]: AWS account '111122223333' is already owned by "
        "team 'payments' (line 8): a scope has one owning team",
        "config/owners.yaml:19: teams[1].scopes.aws_accounts[2]: invalid AWS account id '12345': expected 12 digits, "
        "got 5 digits",
    ]


def test_an_account_name_among_the_account_ids_is_sent_to_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It read "expected 12 digits, got 0 digits", as if the count were the mistake.
    owners = OWNERS_YAML.replace('aws_accounts: ["999988887777"]', 'aws_accounts: ["payments-prod"]')
    assert _errors(tmp_path, monkeypatch, owners) == [
        "config/owners.yaml:19: teams[1].scopes.aws_accounts[0]: invalid AWS account id 'payments-prod': expected "
        "the account's 12-digit id, such as \"111122223333\" (an account's name or alias goes under names:)",
    ]


def test_unquoted_account_ids_and_unknown_keys_are_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owners = OWNERS_YAML.replace('aws_accounts: ["999988887777"]', "aws_accounts: [999988887777]").replace(
        "kubernetes_clusters:", "kubernetes_cluster:"
    )
    errors = _errors(tmp_path, monkeypatch, owners)
    assert (
        "config/owners.yaml:19: teams[1].scopes.aws_accounts[0]: account id 999988887777 must be in quotes, "
        '"999988887777": unquoted, YAML reads a number, which drops any leading zeros' in errors
    )
    assert (
        "config/owners.yaml:20: teams[1].scopes.kubernetes_cluster: unknown key 'kubernetes_cluster' "
        "(did you mean 'kubernetes_clusters'?)" in errors
    )


def test_same_scope_spelt_differently_is_still_a_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owners = OWNERS_YAML.replace('aws_accounts: ["999988887777"]', 'aws_accounts: ["4444-5555-6666"]')
    owners = owners.replace("kubernetes_clusters: [prod-eu]", "tags: [Team=Payments]")
    errors = _errors(tmp_path, monkeypatch, owners)
    assert any("AWS account '4444-5555-6666' is already owned by team 'payments'" in e for e in errors)
    assert any("tag 'Team=Payments' is already owned by team 'payments'" in e for e in errors)


def test_check_config_summarises_teams_and_currencies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert check_config(_write(tmp_path, OWNERS_YAML), _Out(), _Out()) == 0
    # The summary lines come from summary_lines(); check them directly.
    from bot.config.check import summary_lines

    lines = summary_lines(load_config("config").config)
    assert "  owning teams:     2 (13 scopes)" in lines
    assert any(line.startswith("  currencies:       20 rates to USD") for line in lines)


def test_currencies_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routing = ROUTING_YAML + "currencies:\n  as_of: 2025-11-14\n  to_usd:\n    eur: 1.1\n    GBP: 0\n    USD: 2\n"
    assert _errors(tmp_path, monkeypatch, None, routing) == [
        "config/routing.yaml:32: currencies.to_usd.eur: invalid currency code 'eur': expected an ISO 4217 code "
        "such as EUR (did you mean 'EUR'?)",
        "config/routing.yaml:33: currencies.to_usd.GBP: a conversion rate must be > 0, got 0",
        "config/routing.yaml:34: currencies.to_usd.USD: USD converts to USD at 1, got 2",
    ]


def test_shipped_currency_table_matches_the_built_in_defaults() -> None:
    from bot.routing.money import DEFAULT_RATES, DEFAULT_RATES_DATE

    config = load_config(Path(__file__).resolve().parents[2] / "config").config
    assert config.routing.currencies.as_of == DEFAULT_RATES_DATE
    assert {code: DEFAULT_RATES[code] for code in config.routing.currencies.to_usd} == dict(
        config.routing.currencies.to_usd
    )


class _Out:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def test_one_scope_is_counted_in_the_singular(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config.check import summary_lines

    monkeypatch.chdir(tmp_path)
    one = 'version: 1\nteams:\n  - id: payments\n    slack: {channel: "#payments-eng"}\n    scopes: {aws_accounts: ["111122223333"]}\n'
    _write(tmp_path, one)
    assert "  owning teams:     1 (1 scope)" in summary_lines(load_config("config").config)

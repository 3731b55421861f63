"""Checks for owners.yaml and routing.yaml's ``currencies:`` that need more than one value.

Like ``semantics``, they read the raw parsed YAML so that every problem is
reported in one run; values of the wrong type are left to model validation.
"""

from __future__ import annotations

import re
from typing import Any

from bot.config.issues import Loc, format_loc
from bot.config.models import TeamScopes
from bot.config.semantics import FileReport, _check_slack_targets, _items, _mapping, _mapping_items, _text, _UniqueIds
from bot.config.values import persona_id_problem
from bot.domain.suggestions import did_you_mean

_AWS_ACCOUNT = re.compile(r"^\d{12}$")
_GCP_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_GCP_PROJECT_NUMBER = re.compile(r"^\d{6,20}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_K8S_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_TAG = re.compile(r"^[^=\s][^=]{0,127}=[^=]{1,256}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")

SCOPE_LABELS = {
    "aws_accounts": "AWS account",
    "gcp_projects": "GCP project",
    "azure_subscriptions": "Azure subscription",
    "azure_resource_groups": "Azure resource group",
    "kubernetes_clusters": "Kubernetes cluster",
    "kubernetes_namespaces": "Kubernetes namespace",
    "tags": "tag",
    "budgets": "budget",
    "names": "name pattern",
}
# Compared without case: Azure names, budgets, tags and globs are case-insensitive in practice.
_FOLDED = frozenset({"azure_resource_groups", "tags", "budgets", "names", "azure_subscriptions"})


def scope_key(field: str, value: str) -> str:
    """How a scope value is compared, for duplicates and for matching."""
    value = value.strip()
    if field == "aws_accounts":
        return value.replace("-", "")
    if field == "tags" and "=" in value:
        key, _, tag_value = value.partition("=")
        return f"{key.strip().casefold()}={tag_value.strip().casefold()}"
    return value.casefold() if field in _FOLDED else value


def scope_problem(field: str, value: str) -> str | None:
    if field == "aws_accounts":
        if _AWS_ACCOUNT.match(value.replace("-", "")):
            return None
        digits = sum(ch.isdigit() for ch in value)
        if digits == len(value.replace("-", "")):
            return (
                f"invalid AWS account id '{value}': expected 12 digits, got {digits} digit{'s' if digits != 1 else ''}"
            )
        # Not a miscount: most likely the account's name or alias, which has a key of its own.
        return (
            f"invalid AWS account id '{value}': expected the account's 12-digit id, such as \"111122223333\" "
            "(an account's name or alias goes under names:)"
        )
    if field == "gcp_projects":
        if _GCP_PROJECT_ID.match(value) or _GCP_PROJECT_NUMBER.match(value):
            return None
        return (
            f"invalid GCP project '{value}': expected a project id (6-30 lowercase letters, digits and '-', "
            "starting with a letter) or a project number"
        )
    if field == "azure_subscriptions":
        if _GUID.match(value):
            return None
        return f"invalid Azure subscription id '{value}': expected a GUID such as 00000000-0000-0000-0000-000000000000"
    if field == "kubernetes_clusters":
        return None if value else "a cluster name must not be empty"
    if field == "kubernetes_namespaces":
        namespace = value.rpartition("/")[2]
        if _K8S_NAME.match(namespace) and len(namespace) <= 63:
            return None
        return f"invalid namespace '{value}': expected 'namespace' or 'cluster/namespace' (lowercase, digits, '-')"
    if field == "tags":
        if _TAG.match(value):
            return None
        hint = " (write key=value, e.g. 'team=payments')" if ":" in value else " (e.g. 'team=payments')"
        return f"invalid tag '{value}': expected key=value{hint}"
    if field == "names" and not value.strip("*?"):
        return f"name pattern '{value}' matches every name: list the names the team owns"
    return None


def check_owners(data: dict[str, Any], report: FileReport, persona_ids: tuple[str, ...] | None) -> None:
    """Check owners.yaml; ``persona_ids`` is None when personas.yaml could not be read."""
    teams = _UniqueIds(report, "team")
    owned: dict[tuple[str, str], tuple[str, Loc]] = {}  # (field, key) -> (team id, where)
    fields = set(TeamScopes.model_fields)
    for index, team in _mapping_items(data.get("teams")):
        loc: Loc = ("teams", index)
        team_id = teams.add(loc + ("id",), team.get("id"))
        if team_id:
            problem = persona_id_problem(team_id)
            if problem:
                report.error(loc + ("id",), problem.replace("persona id", "team id"))
        label = f"team '{team_id}'" if team_id else "this team"
        _check_slack_targets(report, loc, team_id, team.get("slack"), has_slack_key="slack" in team)
        _fix_no_target_wording(report, label)
        for persona_index, persona in _items(team.get("personas")):
            name = _text(persona)
            if name is not None and persona_ids is not None and name not in persona_ids:
                report.error(
                    loc + ("personas", persona_index), f"unknown persona '{name}'{did_you_mean(name, persona_ids)}"
                )
        scopes = _mapping(team.get("scopes"))
        count = 0
        for field, values in scopes.items():
            if field not in fields:
                continue  # an unknown key: the model reports it with a suggestion
            for value_index, raw in _items(values):
                value_loc = loc + ("scopes", field, value_index)
                value = _text(raw)
                if value is None:
                    continue
                count += 1
                problem = scope_problem(field, value)
                if problem:
                    report.error(value_loc, problem)
                    continue
                key = (field, scope_key(field, value))
                first = owned.get(key)
                if first is None:
                    owned[key] = (team_id or "?", value_loc)
                    continue
                first_team, first_loc = first
                line = report.line_of(first_loc)
                where = f"line {line}" if line else format_loc(first_loc)
                what = SCOPE_LABELS[field]
                if first_team == (team_id or "?"):
                    report.error(value_loc, f"{what} '{value}' is listed twice for {label} (first on {where})")
                else:
                    report.error(
                        value_loc,
                        f"{what} '{value}' is already owned by team '{first_team}' ({where}): "
                        "a scope has one owning team",
                    )
        if isinstance(team.get("scopes", {}), dict) and count == 0:
            report.warning(loc, f"{label} owns no scopes: no alert can be routed to it")


def _fix_no_target_wording(report: FileReport, label: str) -> None:
    """The Slack-target check speaks of personas; say team."""
    if report.issues and report.issues[-1].message.startswith(("persona '", "this persona")):
        last = report.issues[-1]
        message = last.message.split(" has no Slack target", 1)[1]
        report.issues[-1] = type(last)(
            last.file, last.line, last.path, f"{label} has no Slack target{message}", last.severity
        )


def check_currencies(data: dict[str, Any], report: FileReport) -> None:
    """routing.yaml ``currencies:``: ISO codes, positive rates, USD is 1."""
    from bot.config.currencies import KNOWN_CODES

    currencies = _mapping(data.get("currencies"))
    rates = currencies.get("to_usd")
    if not isinstance(rates, dict):
        return
    for code, rate in rates.items():
        loc: Loc = ("currencies", "to_usd", str(code))
        if not isinstance(code, str) or not _CURRENCY.match(code):
            upper = str(code).upper()
            hint = f" (did you mean '{upper}'?)" if _CURRENCY.match(upper) else ""
            report.error(loc, f"invalid currency code '{code}': expected an ISO 4217 code such as EUR{hint}")
            continue
        if code not in KNOWN_CODES:
            report.warning(loc, f"'{code}' is not a currency code the bot knows{did_you_mean(code, KNOWN_CODES)}")
        if isinstance(rate, (int, float)) and not isinstance(rate, bool):
            if rate <= 0:
                report.error(loc, f"a conversion rate must be > 0, got {rate}")
            elif code == "USD" and rate != 1:
                report.error(loc, f"USD converts to USD at 1, got {rate}")

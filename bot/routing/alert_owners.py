"""Whose an alert is, from what a receiver parsed as well as from its text.

A Slack message carries its scope only in its text; an alert from a receiver
also carries it as fields (an account, a namespace mapped out of a webhook's
JSON, a budget name). Both go through the same ``OwnerResolver``: the fields
first, since they were read from the provider's own structure, then whatever
the text names that the fields do not. Reading the fields back out of the text
would lose them: "Namespace: search" is not an identifier to the plain-text
reader (no digit or hyphen, so it could be the word "search").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot.routing.decision import Decision
from bot.routing.owners import OwnerResolver
from bot.routing.sources import AlertFacts, Identifier, IdKind, read_alert

# A receiver's scope name -> the identifier kind owners.yaml is matched on.
# Webhooks name their scope freely (`fields.scope`), so the usual spellings are accepted.
SCOPE_KINDS: dict[str, IdKind] = {
    "account": "account",
    "account_id": "account",
    "aws_account": "account",
    "linked_account": "account",
    "usage_account": "account",
    "member_account": "account",
    "payer_account": "payer_account",
    "management_account": "payer_account",
    "account_name": "account_name",
    "project": "project",
    "project_id": "project",
    "gcp_project": "project",
    "subscription": "subscription",
    "subscription_id": "subscription",
    "azure_subscription": "subscription",
    "subscription_name": "subscription_name",
    "resource_group": "resource_group",
    "cluster": "cluster",
    "namespace": "namespace",
    "budget": "budget",
    "billing_account": "name",  # a GCP billing account: only a name pattern can own it
    "tag": "tag",
    "label": "tag",
}
# Where or what, not whose: never read as a tag.
NOT_SCOPES = frozenset({"region", "service", "location", "usage_type"})
# Names whose account is where the spend happened; beside them `account` is the payer's.
_SPEND_ACCOUNTS = ("linked_account", "usage_account", "member_account")


def alert_identifiers(scope: Mapping[str, str], linked_accounts: Sequence[str] = ()) -> tuple[Identifier, ...]:
    """The identifiers a receiver's scope states, most telling first.

    ``linked_accounts``: where the spend happened, largest impact first (an AWS
    anomaly's root causes). When those are named, ``account`` is the account
    that owns the monitor (an Organization's management account) and is
    matched last. Any other scope name (``team``, ``cost-center``) is read as
    a tag ``name=value``.
    """
    fields = {name.strip().lower().replace("-", "_").replace(" ", "_"): name for name in scope}
    spend = [*linked_accounts, *(scope[fields[n]] for n in _SPEND_ACCOUNTS if n in fields)]
    found: list[Identifier] = [Identifier("account", _account(value)) for value in spend if value.strip()]
    cluster = scope[fields["cluster"]].strip() if "cluster" in fields else ""
    for normal, name in fields.items():
        value = str(scope[name]).strip()
        if not value or normal in NOT_SCOPES or normal in _SPEND_ACCOUNTS:
            continue
        kind = SCOPE_KINDS.get(normal)
        if kind == "account" and spend:
            kind = "payer_account"
        if kind == "namespace" and cluster and "/" not in value:
            value = f"{cluster}/{value}"
        if kind is None:
            found.append(Identifier("tag", f"{name}={value}"))
        elif kind == "tag":
            found.append(Identifier("tag", value if "=" in value else f"{name}={value}"))
        else:
            found.append(Identifier(kind, _account(value) if kind in ("account", "payer_account") else value))
    return tuple(dict.fromkeys(found))


def _account(value: str) -> str:
    return value.strip().replace("-", "")


def with_owner(decision: Decision, resolver: OwnerResolver, text: str, stated: Iterable[Identifier] = ()) -> Decision:
    """``decision`` with the team owning its scope, the way every intake resolves it.

    ``stated``: identifiers a receiver parsed, ahead of those read from ``text``; a
    value they state is not read again from the text in another role.
    """
    if not decision.is_request or resolver.empty:
        return decision
    stated = tuple(stated)
    facts = read_alert(text)
    if stated:
        known = {i.value.casefold() for i in stated}
        known |= {i.value.rpartition("/")[2].casefold() for i in stated if i.kind == "namespace"}
        facts = AlertFacts(facts.sources, (*stated, *(i for i in facts.identifiers if i.value.casefold() not in known)))
    responsible = [t.persona for t in decision.tags if t.role in ("responsible", "fallback")]
    match = resolver.resolve_facts(facts, text, responsible)
    if match is None:
        return decision
    explanation = decision.explanation + f"; {match.describe()} (owning team)"
    return replace(decision, team=match, explanation=explanation)

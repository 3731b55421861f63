"""`who-owns account 111122223333`, `who-owns namespace prod-eu/search`: a person naming a scope.

Parsing the query and answering it with the team ``owners.yaml`` gives; the
CLI and the `/finops who-owns` command both ask here before looking for a topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.routing.owners import SCOPE_WORDS, OwnerMatch, OwnerResolver


@dataclass(frozen=True)
class ScopeQuery:
    kind: (
        str  # an identifier kind: account, project, subscription, resource_group, cluster, namespace, tag, budget, name
    )
    value: str

    @property
    def label(self) -> str:
        return f"{SCOPE_WORDS.get(self.kind, self.kind)} {self.value}"

    @property
    def id_like(self) -> bool:
        """An id rather than a word: "payments-prod", "prod-eu/api", "team=x", "111122223333"."""
        return self.kind in ("account", "subscription", "tag") or any(ch in self.value for ch in "-_/=.0123456789")


_QUERY_KINDS = {
    "account": "account",
    "aws account": "account",
    "aws": "account",
    "project": "project",
    "gcp project": "project",
    "subscription": "subscription",
    "azure subscription": "subscription",
    "sub": "subscription",
    "resource group": "resource_group",
    "resource-group": "resource_group",
    "rg": "resource_group",
    "cluster": "cluster",
    "namespace": "namespace",
    "ns": "namespace",
    "tag": "tag",
    "label": "tag",
    "budget": "budget",
    "name": "name",
}
_QUERY = re.compile(
    r"^\s*(?P<kind>"
    + "|".join(sorted(map(re.escape, _QUERY_KINDS), key=len, reverse=True))
    + r")\s*[:#]?\s+(?P<value>\S.*?)\s*$",
    re.IGNORECASE,
)
_BARE_ACCOUNT = re.compile(r"^\s*(\d{12}|\d{4}-\d{4}-\d{4})\s*$")
_BARE_GUID = re.compile(r"^\s*([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})\s*$")
_BARE_TAG = re.compile(r"^\s*([\w.:/@+-]+=[\w.:/@+-]+)\s*$")


def parse_scope_query(query: str) -> ScopeQuery | None:
    """``account 111122223333``, ``project payments-prod``, ``namespace prod-eu/search``,
    ``tag team=payments``, or a bare account id, subscription GUID or key=value."""
    text = query.strip().strip("`*_")
    for bare, kind in ((_BARE_ACCOUNT, "account"), (_BARE_GUID, "subscription"), (_BARE_TAG, "tag")):
        found = bare.match(text)
        if found:
            value = found.group(1)
            return ScopeQuery(kind, value.replace("-", "") if kind == "account" else value)
    found = _QUERY.match(text)
    if not found:
        return None
    kind = _QUERY_KINDS[found.group("kind").lower()]
    value = found.group("value").strip("`*_\"'")
    if kind == "account":
        if not _BARE_ACCOUNT.match(value):
            return None  # "account management", "aws credits": words, not a scope
        value = value.replace("-", "")
    elif (
        kind in ("project", "subscription", "resource_group", "cluster", "namespace", "budget", "name") and " " in value
    ):
        return None
    elif kind == "tag" and "=" not in value and ":" in value:
        key, _, tag_value = value.partition(":")
        value = f"{key}={tag_value}"
    elif kind == "tag" and "=" not in value:
        return None
    return ScopeQuery(kind, value)


_COMMAND_PREFIX = re.compile(r"^\s*/?(?:finops\s+)?who[\s-]*owns\b[\s:]*", re.IGNORECASE)


@dataclass(frozen=True)
class ScopeAnswer:
    """``who-owns account 111122223333``: the scope asked about and the team owning it (or None)."""

    query: ScopeQuery
    match: OwnerMatch | None

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.query.label,
            "scope": {"kind": self.query.kind, "value": self.query.value},
            "team": self.match.to_dict() if self.match else None,
        }


def answer_scope(resolver: OwnerResolver, query: str) -> ScopeAnswer | None:
    """The answer when ``query`` names a scope (an account id, ``project x``...), else None.

    A word after "project", "cluster", "budget"... counts as a scope only when it
    looks like an identifier or a team owns it, so "project management" stays a topic.
    """
    parsed = parse_scope_query(_COMMAND_PREFIX.sub("", query or ""))
    if parsed is None:
        return None
    match = resolver.lookup(parsed.kind, parsed.value)
    if match is None and not parsed.id_like:
        return None
    return ScopeAnswer(parsed, match)
